// The public, jsii-visible surface. Everything else in src/ is internal.
export { ServerlessCrudApi } from './serverless-crud-api';
export { ServerlessCrudApiProps, SecondaryIndex } from './props';
export { CrudResourceProps } from './crud-resource-props';
export { ICrudResource } from './crud-resource';
export { ApiAuthorization, JwtAuthorizationProps, CognitoAuthorizationProps } from './authorization';
export { Operation, HandlerMode } from './crud-operation';
export { AlarmThresholds } from './monitoring';
export { CrudMetricOptions } from './resource-metrics';
export { IdType, IdGenerator, KeyAttributeType } from './key-types';
export { AccessLevel, TableAccess, FunctionRouteProps } from './function-route-props';
export { ChangeEvents, ChangeEventsOptions, ChangeEventType, ChangeEventPatternOptions, SubscriberOptions } from './change-events';
