/**
 * Example app: the one-liner, a configured variant (schema, an index, CORS, an alarm on one of its metrics), and an API
 * of six resources (a public read-only catalogue, IAM-authorized orders, their payments and customers, and projects
 * with their nested tasks) on one URL, with a route of its own: `POST /orders/{id}/checkout`, and a subscriber of the
 * orders' change events that sends an order confirmation.
 * Synthesize with `npx projen synth:example` from the repository root.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AccessLevel, ApiAuthorization, ChangeEvents, ChangeEventType, HandlerMode, IdGenerator, Operation, ServerlessCrudApi,
} from '../../src';

const app = new App();
const stack = new Stack(app, 'TodoApp');

// The one-liner: HTTP API → Lambda → DynamoDB, IAM-authorized, with alarms.
new ServerlessCrudApi(stack, 'Todos');

// A configured variant: validated bodies, `GET /notes?status=open` via a GSI, CORS for a browser app.
const notes = new ServerlessCrudApi(stack, 'Notes', {
  resourceName: 'notes',
  schema: {
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 1, maxLength: 200 },
      status: { type: 'string', enum: ['open', 'done'] },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    },
    required: ['title'],
  },
  indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }],
  cors: {
    allowOrigins: ['http://localhost:5173'],
    allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
    allowHeaders: ['content-type', 'if-match', 'if-none-match', 'idempotency-key'],
    exposeHeaders: ['etag', 'location'],
  },
});

// The stage's metrics, named as on HttpStage: many 4xx in a row usually means a broken frontend release.
new cloudwatch.Alarm(stack, 'NotesClientErrors', { metric: notes.metricClientError(), threshold: 50, evaluationPeriods: 3 });

// Six resources on one HTTP API, one stage, one URL: each with its own table, functions and authorization.
const shop = new ServerlessCrudApi(stack, 'Shop', {
  handlerMode: HandlerMode.PER_RESOURCE,
  resources: [
    {
      name: 'products',
      operations: [Operation.READ, Operation.LIST],
      authorization: ApiAuthorization.none(),
      indexes: [{ partitionKey: 'category' }],
      schema: { type: 'object', properties: { title: { type: 'string' }, category: { type: 'string' }, price: { type: 'number' } }, required: ['title', 'price'] },
    },
    // IAM-authorized like the API (the default). A JWT resource (e.g. owner-scoped orders) works the same way; the
    // local runner then needs the key set its tokens are signed with (`--jwks`), so this example keeps to IAM.
    // Its committed changes are published as events on the API's bus (subscribed to below).
    {
      name: 'orders',
      schema: { type: 'object', properties: { total: { type: 'number', minimum: 0 } }, required: ['total'] },
      changeEvents: ChangeEvents.toEventBus(),
    },
    // Written by the checkout route below (never by clients): read-only through the API.
    { name: 'payments', operations: [Operation.READ, Operation.LIST] },
    { name: 'customers', schema: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } },
    // A nested pair: tasks live under their project (/projects/{projectId}/tasks/{id}). Creating a task checks that the
    // project exists (404 otherwise), a project that still has tasks cannot be deleted (409), task ids are time-ordered
    // (UUID v7: a project's tasks list in creation order), and `byDue` lists a project's tasks by due date, with range
    // conditions on `due`.
    {
      name: 'projects',
      pathParameter: 'projectId',
      schema: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] },
    },
    {
      name: 'tasks',
      parent: 'projects',
      idGenerator: IdGenerator.UUID_V7,
      indexes: [{ indexName: 'byDue', sortKey: 'due' }],
      schema: {
        type: 'object',
        properties: { title: { type: 'string', minLength: 1 }, due: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
        required: ['title', 'due'],
      },
    },
  ],
});
// A route of its own: checkout pays an order, marking it paid and recording the payment in one transaction. The
// function gets exactly the actions of its access levels on the two tables, their names in CRUD_TABLE_ORDERS and
// CRUD_TABLE_PAYMENTS, and the route the API's (IAM) authorization; the local runner serves it like the CRUD routes.
const checkout = new lambda.Function(stack, 'Checkout', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'checkout')),
  description: 'POST /orders/{id}/checkout of the Shop API',
});
shop.addFunctionRoute({
  method: HttpMethod.POST,
  path: '/orders/{id}/checkout',
  handler: checkout,
  summary: 'Pay an order: mark it paid and record the payment, in one transaction',
  tables: [
    { resource: 'orders', access: AccessLevel.READ_WRITE },
    { resource: 'payments', access: AccessLevel.WRITE },
  ],
  responseSchema: {
    type: 'object',
    properties: { id: { type: 'string' }, orderId: { type: 'string' }, amount: { type: 'number' }, version: { type: 'integer' } },
    required: ['id', 'orderId', 'amount'],
  },
});
// A subscriber of the orders' change events: a rule on the API's bus for `orders.created`, with a dead-letter queue and
// retries; the local runner invokes it with each new order's event.
const orderConfirmation = new lambda.Function(stack, 'OrderConfirmation', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'order-confirmation')),
  description: 'Sends the confirmation of a new order (orders.created of the Shop API)',
});
shop.addSubscriber('OrderConfirmation', new targets.LambdaFunction(orderConfirmation), {
  resources: ['orders'],
  types: [ChangeEventType.CREATED],
});
new cloudwatch.Alarm(stack, 'OrdersErrors', { metric: shop.resource('orders').metricErrors(), threshold: 1, evaluationPeriods: 1 });

app.synth();
