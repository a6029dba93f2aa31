import { AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** Every item of a table, as DynamoDB stores it (consistent Scan, all pages): what tests compare with what they expect. */
export async function scanTable(ddb: Pick<DynamoDBClient, 'send'>, table: string): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
