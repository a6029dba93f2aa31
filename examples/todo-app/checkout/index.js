// @ts-check
/**
 * POST /orders/{id}/checkout — a route of its own on the Shop API (`api.addFunctionRoute` in ../app.ts).
 *
 * Pays an order: reads it, then in ONE transaction marks it paid (only if nobody changed it since the read and it
 * is not paid yet) and records the payment in the payments table. Both tables are the API's own; their names arrive
 * in CRUD_TABLE_ORDERS and CRUD_TABLE_PAYMENTS, and the function's role holds exactly the actions of its access levels.
 *
 * The items it writes look like the API's own: `version` counts writes (the ETag the CRUD routes send), `createdAt` and
 * `updatedAt` are ISO timestamps. Plain CommonJS: Lambda's Node.js runtime provides the AWS SDK.
 */
const { randomUUID } = require('crypto');
const { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } = require('@aws-sdk/client-dynamodb');

/** Problems of this route (application/problem+json, as the API's own routes answer). */
const PROBLEMS = 'https://example.com/shop/problems/';

/**
 * The handler, over a DynamoDB client (tests pass one that records its calls).
 * @param {DynamoDBClient} client
 * @param {{ orders: string, payments: string }} tables
 */
function makeHandler(client, tables) {
  /** @param {any} event */
  return async (event) => {
    const id = event.pathParameters?.id;
    const { Item: order } = await client.send(new GetItemCommand({ TableName: tables.orders, Key: { id: { S: id } }, ConsistentRead: true }));
    if (!order) return problem(404, 'order-not-found', 'Order not found', `No order '${id}'.`);
    if (order.paidAt) return problem(409, 'already-paid', 'Order already paid', `Order '${id}' was paid at ${order.paidAt.S}.`);
    const now = new Date().toISOString();
    const payment = { id: randomUUID(), orderId: id, amount: Number(order.total?.N ?? 0), version: 1, createdAt: now, updatedAt: now };
    try {
      await client.send(new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables.orders,
              Key: { id: { S: id } },
              // Only the version that was read: a concurrent change (or payment) cancels the whole transaction.
              ConditionExpression: '#version = :read AND attribute_not_exists(#paidAt)',
              UpdateExpression: 'SET #status = :paid, #paidAt = :now, #paymentId = :payment, #updatedAt = :now, #version = #version + :one',
              ExpressionAttributeNames: { '#version': 'version', '#paidAt': 'paidAt', '#status': 'status', '#paymentId': 'paymentId', '#updatedAt': 'updatedAt' },
              ExpressionAttributeValues: {
                ':read': { N: order.version?.N ?? '0' }, ':paid': { S: 'paid' }, ':now': { S: now }, ':payment': { S: payment.id }, ':one': { N: '1' },
              },
            },
          },
          {
            Put: {
              TableName: tables.payments,
              Item: {
                id: { S: payment.id }, orderId: { S: id }, amount: { N: String(payment.amount) },
                version: { N: '1' }, createdAt: { S: now }, updatedAt: { S: now },
              },
              ConditionExpression: 'attribute_not_exists(id)',
            },
          },
        ],
      }));
    } catch (e) {
      if (/** @type {any} */ (e)?.name === 'TransactionCanceledException') {
        return problem(409, 'order-changed', 'Order changed', `Order '${id}' changed while it was being paid; read it and try again.`);
      }
      throw e;
    }
    return {
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'location': `/payments/${payment.id}` },
      body: JSON.stringify(payment),
    };
  };
}

/** @param {number} status @param {string} slug @param {string} title @param {string} detail */
function problem(status, slug, title, detail) {
  return { statusCode: status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ type: PROBLEMS + slug, title, status, detail }) };
}

// One client per execution environment, created at init (as the API's own handler does).
exports.handler = makeHandler(new DynamoDBClient({}), { orders: process.env.CRUD_TABLE_ORDERS ?? '', payments: process.env.CRUD_TABLE_PAYMENTS ?? '' });
exports.makeHandler = makeHandler;
