/**
 * The example app's route of its own, `POST /orders/{id}/checkout` (examples/todo-app/checkout, issue #20): against
 * DynamoDB Local, with the CRUD handler serving the same two tables — it pays an order in one transaction (the order
 * marked paid with its version bumped, so the CRUD routes' ETag moves; the payment readable through `GET /payments/{id}`),
 * refuses a second payment and a missing order — and every DynamoDB call it makes is recorded and must fit exactly the
 * grants the synthesized template gives its function (the recording approach of test/construct/handler-actions.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthExampleApp } from './support/synth-example';
import { ACCESS_LEVEL_TABLE_ACTIONS } from '../../src/construct/iam-actions';
import { createTestApi, TestApi } from '../handler/support/api';
import { apiEvent } from '../handler/support/events';
import { TableCall, tableRecordingClient } from '../handler/support/recording-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeHandler } = require('../../examples/todo-app/checkout/index.js');

type Call = TableCall;

/** The example app synthesized once (it synthesizes on import, into CDK_OUTDIR): its template. */
function exampleTemplate(): any {
  return JSON.parse(fs.readFileSync(path.join(synthExampleApp('example-checkout-'), 'TodoApp.template.json'), 'utf8'));
}

/** What the template grants the checkout function: `action on <resource>` for the Shop's orders and payments tables. */
function grantsOfCheckout(template: any): { grants: Set<string>; variables: Record<string, string> } {
  const resources: Record<string, any> = template.Resources;
  const [fnId, fn] = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Checkout'))!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const tableOf: Record<string, string> = {};
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries<any>(fn.Properties.Environment.Variables)) {
    tableOf[value.Ref] = name === 'CRUD_TABLE_ORDERS' ? 'orders' : name === 'CRUD_TABLE_PAYMENTS' ? 'payments' : `? ${name}`;
    variables[name] = value.Ref;
  }
  const grants = new Set<string>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !r.Properties.Roles.some((x: any) => x.Ref === roleId)) continue;
    for (const st of r.Properties.PolicyDocument.Statement) {
      for (const action of [st.Action].flat()) {
        if (!action.startsWith('dynamodb:')) continue;
        for (const res of [st.Resource].flat()) grants.add(`${action} on ${tableOf[res['Fn::GetAtt']?.[0]] ?? JSON.stringify(res)}`);
      }
    }
  }
  expect(fnId).toMatch(/^Checkout/);
  return { grants, variables };
}

describe('the example checkout route', () => {
  let api: TestApi;
  const calls: Call[] = [];
  let checkout: (event: unknown) => Promise<any>;
  let granted: Set<string>;
  let tables: { orders: string; payments: string };

  beforeAll(async () => {
    const { grants, variables } = grantsOfCheckout(exampleTemplate());
    granted = grants;
    expect(Object.keys(variables).sort()).toEqual(['CRUD_TABLE_ORDERS', 'CRUD_TABLE_PAYMENTS']);
    api = await createTestApi({ resources: [{ name: 'orders' }, { name: 'payments', operations: ['read', 'list'] }] });
    tables = { orders: api.tables.orders.tableName, payments: api.tables.payments.tableName };
    checkout = makeHandler(tableRecordingClient(calls), tables);
  });
  afterAll(async () => api?.destroy());

  // Built as API Gateway builds it for the route (the one shared event builder).
  const pay = (id: string) => checkout(apiEvent('POST', `/orders/${encodeURIComponent(id)}/checkout`, { routeKeys: ['POST /orders/{id}/checkout'] }));
  const used = () => [...new Set(calls.map((c) => `${c.action} on ${c.table === tables.orders ? 'orders' : c.table === tables.payments ? 'payments' : c.table}`))].sort();

  test('the template grants exactly READ_WRITE on orders and WRITE on payments', () => {
    expect([...granted].sort()).toEqual([
      ...ACCESS_LEVEL_TABLE_ACTIONS.READ_WRITE.map((a) => `${a} on orders`),
      ...ACCESS_LEVEL_TABLE_ACTIONS.WRITE.map((a) => `${a} on payments`),
    ].sort());
  });

  test('pays an order: order marked paid (version bumped, ETag moved) and the payment recorded, in one transaction', async () => {
    const created = await api.call('POST', '/orders', { json: { total: 42 } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const before = await api.call('GET', `/orders/${id}`);
    calls.length = 0;
    const res = await pay(id);
    expect(res.statusCode).toBe(201);
    const payment = JSON.parse(res.body);
    expect(payment).toMatchObject({ orderId: id, amount: 42, version: 1 });
    expect(res.headers.location).toBe(`/payments/${payment.id}`);
    // One read, then one transaction of exactly two writes.
    expect(calls.map((c) => c.action)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']);
    const after = await api.call('GET', `/orders/${id}`);
    expect(after.body).toMatchObject({ status: 'paid', paymentId: payment.id, version: before.body.version + 1 });
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((await api.call('GET', `/payments/${payment.id}`)).body).toMatchObject({ id: payment.id, orderId: id, amount: 42 });
  });

  test('a second payment: 409, nothing written', async () => {
    const id = (await api.call('POST', '/orders', { json: { total: 1 } })).body.id;
    expect((await pay(id)).statusCode).toBe(201);
    const payments = (await api.call('GET', '/payments')).body.items.length;
    const again = await pay(id);
    expect([again.statusCode, JSON.parse(again.body).type]).toEqual([409, 'https://example.com/shop/problems/already-paid']);
    expect((await api.call('GET', '/payments')).body.items.length).toBe(payments);
  });

  test('an order that does not exist: 404', async () => {
    const res = await pay('nope');
    expect([res.statusCode, res.headers['content-type']]).toEqual([404, 'application/problem+json']);
  });

  test('every DynamoDB call it made fits its grants', () => {
    expect(calls.length).toBeGreaterThan(0);
    const missing = used().filter((u) => !granted.has(u));
    expect(missing).toEqual([]);
  });
});
