/**
 * The typed client of the example app: TypeScript types generated from its OpenAPI documents by openapi-typescript
 * (`npx projen openapi:types`, which the typecheck task runs first, into the git-ignored examples/todo-app/client/),
 * used through openapi-fetch against the local runner serving the same assembly.
 *
 * Type-checking is the point: the `@ts-expect-error` lines below are calls the contract forbids. If the construct's
 * document changes so that they become valid, or so that the valid calls break (a renamed path, a required attribute,
 * a response shape), `npx projen typecheck` fails before any test runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import createClient from 'openapi-fetch';
import { Runner, startRunner } from './support/runner';
import type { paths as NotesPaths } from '../../examples/todo-app/client/notes-api';
import type { paths as ShopPaths } from '../../examples/todo-app/client/shop-api';

const ASSEMBLY = path.join(__dirname, '..', '..', 'examples', 'todo-app', 'cdk.out');

describe('typed client (openapi-typescript + openapi-fetch) against the local runner', () => {
  let runner: Runner;
  let notes: ReturnType<typeof createClient<NotesPaths>>;
  let shop: ReturnType<typeof createClient<ShopPaths>>;

  beforeAll(async () => {
    // Written by `npx projen openapi:types` (the typecheck task), together with the types this file imports.
    expect(fs.existsSync(path.join(ASSEMBLY, 'TodoApp.Notes.openapi.json'))).toBe(true);
    runner = await startRunner(['--assembly', ASSEMBLY, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!]);
    notes = createClient<NotesPaths>({ baseUrl: runner.urls['TodoApp/Notes'] });
    shop = createClient<ShopPaths>({ baseUrl: runner.urls['TodoApp/Shop'] });
  });

  afterAll(async () => {
    await runner?.stop();
  });

  test('creates, reads and lists notes through the typed client', async () => {
    const created = await notes.POST('/notes', { body: { title: 'typed', status: 'open', tags: ['a'] } });
    expect(created.response.status).toBe(201);
    const id: string = created.data!.id;
    const version: number = created.data!.version;
    expect(version).toBe(1);

    const read = await notes.GET('/notes/{id}', { params: { path: { id } } });
    expect(read.data).toEqual(created.data);
    expect(read.response.headers.get('etag')).toMatch(/^"/);

    const open = await notes.GET('/notes', { params: { query: { status: 'open', order: 'desc', limit: 10 } } });
    expect(open.data!.items.map((n) => n.id)).toContain(id);

    // Errors are typed too: a problem+json body from the handler, or API Gateway's `{ message }`; narrowed by `type`.
    const missing = await notes.GET('/notes/{id}', { params: { path: { id: 'no-such-note' } } });
    expect(missing.response.status).toBe(404);
    const error = missing.error!;
    expect('type' in error ? error.type : error.message).toMatch(/not-found$/);

    // Calls the contract forbids do not compile:
    // @ts-expect-error `title` is required by the Notes schema
    void notes.POST.bind(notes, '/notes', { body: { status: 'open' } });
    // @ts-expect-error `status` is one of 'open' | 'done'
    void notes.POST.bind(notes, '/notes', { body: { title: 't', status: 'archived' } });
    // @ts-expect-error there is no `/note` path
    void notes.GET.bind(notes, '/note');
  });

  test('each resource of a multi-resource API has its own typed paths', async () => {
    const order = await shop.POST('/orders', { body: { total: 42 } });
    expect(order.response.status).toBe(201);
    const total: number = order.data!.total;
    expect(total).toBe(42);
    const products = await shop.GET('/products', { params: { query: { limit: 5 } } });
    expect(products.response.status).toBe(200);
    expect(Array.isArray(products.data!.items)).toBe(true);
    // @ts-expect-error products are read-only in this API: no POST /products
    void shop.POST.bind(shop, '/products', { body: {} });
  });
});
