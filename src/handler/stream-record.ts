/**
 * DynamoDB Streams records in the shape Lambda delivers them. The SDK's `GetRecords` (client-dynamodb-streams) and
 * Lambda's event source mapping give the same record in two shapes: dates as `Date` vs epoch seconds, binary as bytes
 * vs base64, `userIdentity` in PascalCase vs camelCase. The publisher takes Lambda's shape only; the local runner and
 * the tests read streams with the SDK and convert every record here, so there is one builder of that shape.
 */
import type { _Record, AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';

/** What Lambda delivers as `eventSource` for a DynamoDB stream. */
export const DYNAMODB_EVENT_SOURCE = 'aws:dynamodb';

/**
 * The record exactly as Lambda's event source mapping delivers it (eventVersion, eventSource `aws:dynamodb`,
 * ApproximateCreationDateTime in epoch seconds, B and BS as base64, `userIdentity` as `{ type, principalId }` — present
 * only on TTL deletes).
 * @param eventSourceArn the stream's ARN (Lambda's `eventSourceARN`)
 * @param awsRegion the table's region; it wins over the record's own (DynamoDB Local's records say `ddblocal`)
 */
export function toLambdaRecord(sdkRecord: _Record, eventSourceArn: string, awsRegion: string): DynamoDBRecord {
  const s = sdkRecord.dynamodb ?? {};
  const dynamodb: StreamRecord = {
    ...(s.ApproximateCreationDateTime !== undefined ? { ApproximateCreationDateTime: toEpochSeconds(s.ApproximateCreationDateTime) } : {}),
    ...(s.Keys !== undefined ? { Keys: toLambdaImage(s.Keys) } : {}),
    ...(s.NewImage !== undefined ? { NewImage: toLambdaImage(s.NewImage) } : {}),
    ...(s.OldImage !== undefined ? { OldImage: toLambdaImage(s.OldImage) } : {}),
    ...(s.SequenceNumber !== undefined ? { SequenceNumber: s.SequenceNumber } : {}),
    ...(s.SizeBytes !== undefined ? { SizeBytes: s.SizeBytes } : {}),
    ...(s.StreamViewType !== undefined ? { StreamViewType: s.StreamViewType } : {}),
  };
  const identity = sdkRecord.userIdentity;
  return {
    ...(sdkRecord.eventID !== undefined ? { eventID: sdkRecord.eventID } : {}),
    ...(sdkRecord.eventName !== undefined ? { eventName: sdkRecord.eventName } : {}),
    eventVersion: sdkRecord.eventVersion ?? '1.1',
    eventSource: sdkRecord.eventSource ?? DYNAMODB_EVENT_SOURCE,
    awsRegion,
    dynamodb,
    eventSourceARN: eventSourceArn,
    ...(identity !== undefined ? { userIdentity: { type: identity.Type, principalId: identity.PrincipalId } } : {}),
  };
}

/** An image (or key) in Lambda's shape. */
export function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const name of Object.keys(image)) {
    // defineProperty: a `__proto__` attribute stays data.
    Object.defineProperty(out, name, { value: toLambdaValue(image[name]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function toLambdaValue(av: SdkAttributeValue): AttributeValue {
  if (av.S !== undefined) return { S: av.S };
  if (av.N !== undefined) return { N: av.N };
  if (av.BOOL !== undefined) return { BOOL: av.BOOL };
  if (av.NULL !== undefined) return { NULL: av.NULL };
  if (av.M !== undefined) return { M: toLambdaImage(av.M) };
  if (av.L !== undefined) return { L: av.L.map(toLambdaValue) };
  if (av.SS !== undefined) return { SS: [...av.SS] };
  if (av.NS !== undefined) return { NS: [...av.NS] };
  if (av.B !== undefined) return { B: base64(av.B) };
  if (av.BS !== undefined) return { BS: av.BS.map(base64) };
  throw new Error(`unsupported stream AttributeValue: ${Object.keys(av).join(',')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Epoch seconds, as Lambda delivers ApproximateCreationDateTime (whole seconds for DynamoDB streams). */
function toEpochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
