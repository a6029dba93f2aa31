// The public, jsii-visible surface. Everything else in src/ is internal.
export { ServerlessCrudApi } from './construct/serverless-crud-api';
export { ServerlessCrudApiProps, SecondaryIndex } from './construct/props';
export { CrudResourceProps } from './construct/crud-resource-props';
export { ICrudResource } from './construct/icrud-resource';
export { ApiAuthorization, JwtAuthorizationProps, CognitoAuthorizationProps } from './construct/authorization';
export { Operation, HandlerMode } from './construct/crud-operation';
export { AlarmThresholds } from './construct/monitoring';
export { CrudMetricOptions } from './construct/resource-metrics';
export { IdType, IdGenerator, KeyAttributeType } from './construct/key-types';
export { AccessLevel, TableAccess, FunctionRouteProps } from './construct/function-route-props';
export { ChangeEvents, ChangeEventsOptions, ChangeEventType, ChangeEventPatternOptions, SubscriberOptions } from './construct/change-events';
