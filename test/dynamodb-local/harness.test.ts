import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

describe('DynamoDB Local harness', () => {
  const client = new DynamoDBClient({});
  const tableName = `harness-${process.pid}-${Date.now()}`;

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  test('the SDK environment points at a loopback DynamoDB Local', () => {
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('creates a table and round-trips an item, conditional writes included', async () => {
    await client.send(new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    await client.send(new PutItemCommand({
      TableName: tableName,
      Item: { id: { S: 'a' }, n: { N: '1' } },
      ConditionExpression: 'attribute_not_exists(id)',
    }));
    const got = await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: 'a' } }, ConsistentRead: true }));
    expect(got.Item).toEqual({ id: { S: 'a' }, n: { N: '1' } });

    // DynamoDB, not a mock, decides the condition: a second create of the same id is refused.
    await expect(client.send(new PutItemCommand({
      TableName: tableName,
      Item: { id: { S: 'a' }, n: { N: '2' } },
      ConditionExpression: 'attribute_not_exists(id)',
    }))).rejects.toHaveProperty('name', 'ConditionalCheckFailedException');
  });
});
