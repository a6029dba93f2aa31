export * from './serverless-crud-api';
export * from './authorization';
export * from './operations-public';
export { AlarmThresholds } from './monitoring';
