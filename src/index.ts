// The public, jsii-visible surface. Everything else in src/ is internal.
export { ServerlessCrudApi, ServerlessCrudApiProps, SecondaryIndex, CustomDomainOptions, ThrottleOptions } from './serverless-crud-api';
export { ApiAuthorization, JwtAuthorizationProps, CognitoAuthorizationProps } from './authorization';
export { Operation, HandlerMode } from './operations';
export { AlarmThresholds } from './monitoring';
