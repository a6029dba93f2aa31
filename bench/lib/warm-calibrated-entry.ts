/**
 * The one bundle of the calibrated warm benchmark (bench/lib/warm-calibrated.mjs): our handler's factory and the bare
 * references, built together so that both sides run the same copy of the SDK — one module instance, one JIT state —
 * and send through one client. What differs between the sides is then only what our handler does around the send.
 */
export {
  DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
export { createHandler } from '../../src/handler/handler';
export { DYNAMODB_CLIENT_CONFIG } from '../../src/handler/dynamodb-client';
export * as bare from '../references/bare-sdk';
export * as bareRelations from '../references/bare-relations';
