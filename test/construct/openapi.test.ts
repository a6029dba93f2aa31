/**
 * The OpenAPI document: generated from the resolved configuration, valid OpenAPI 3.1 for a maintained validator
 * (@readme/openapi-parser), written into the cloud assembly at synth, and exposed as `openApiDocument`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, Operation, ServerlessCrudApi } from '../../src';
import type { ResourceConfig } from '../../src/shared/config';
import { LOCAL_MANIFEST_METADATA_TYPE } from '../../src/shared/local-manifest';
import { openApiDocument } from '../../src/shared/openapi';
import { PROBLEM_TYPE_BASE, PROBLEMS } from '../../src/shared/problems';
import { synthExampleApp } from '../example/support/synth-example';
import { resourceConfig } from '../handler/support/resource-config';

const ISSUER = 'https://issuer.example.com/';

/** Synthesizes `build`'s stack into a fresh directory and returns the assembly file of each API. */
function synth(build: (stack: Stack) => ServerlessCrudApi[], env?: { account: string; region: string }) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Shop', { env });
  const apis = build(stack);
  app.synth();
  return apis.map((api) => ({ api, file: path.join(outdir, api.openApiFileName), doc: JSON.parse(fs.readFileSync(path.join(outdir, api.openApiFileName), 'utf8')) }));
}

function shop(stack: Stack): ServerlessCrudApi[] {
  const pool = new cognito.UserPool(stack, 'Users');
  const client = pool.addClient('Web');
  return [
    new ServerlessCrudApi(stack, 'Api', {
      resources: [
        { name: 'catalogue', authorization: ApiAuthorization.none(), operations: [Operation.READ, Operation.LIST], indexes: [{ partitionKey: 'category', sortKey: 'price' }] },
        {
          name: 'orders',
          authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['api'], scopes: ['orders/write'] }),
          ownerScoping: true,
          indexes: [{ partitionKey: 'status' }],
          schema: {
            type: 'object',
            required: ['sku'],
            additionalProperties: false,
            properties: { sku: { type: 'string' }, lines: { type: 'array', items: { $ref: '#/$defs/line' } } },
            $defs: { line: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } } },
          },
        },
        { name: 'tags', idAttribute: 'tag', operations: [Operation.CREATE, Operation.READ, Operation.DELETE] },
        {
          name: 'legacy',
          schema: {
            $schema: 'http://json-schema.org/draft-07/schema#',
            type: 'object',
            properties: { code: { $ref: '#/definitions/code' } },
            definitions: { code: { type: 'string' } },
          },
        },
        { name: 'profiles', authorization: ApiAuthorization.cognito({ userPool: pool, userPoolClients: [client] }) },
      ],
    }),
    new ServerlessCrudApi(stack, 'Domain', {
      authorization: ApiAuthorization.none(),
      disableExecuteApiEndpoint: true,
      customDomain: {
        domainName: new apigwv2.DomainName(stack, 'DomainName', {
          domainName: 'api.example.com',
          certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'),
        }),
        mappingKey: 'v1',
      },
    }),
  ];
}

describe('OpenAPI document', () => {
  const [api, domain] = synth(shop, { account: '123456789012', region: 'eu-west-1' });

  test('both documents validate as OpenAPI 3.1 with @readme/openapi-parser: zero errors, zero warnings', async () => {
    for (const { doc } of [api, domain]) {
      expect(doc.openapi).toBe('3.1.0');
      const result = await validate(structuredClone(doc));
      if (!result.valid) throw new Error(compileErrors(result));
      expect(result.warnings).toEqual([]);
    }
  });

  test('the file is named after the stack and the API path, and written into the assembly directory', () => {
    expect(path.basename(api.file)).toBe('Shop.Api.openapi.json');
    expect(path.basename(domain.file)).toBe('Shop.Domain.openapi.json');
  });

  test('every route of every resource, and only those', () => {
    const routes = Object.entries(api.doc.paths as Record<string, object>).flatMap(([p, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes.sort()).toEqual([
      'GET /catalogue', 'GET /catalogue/{id}',
      'DELETE /orders/{id}', 'GET /orders', 'GET /orders/{id}', 'PATCH /orders/{id}', 'POST /orders', 'PUT /orders/{id}',
      'DELETE /profiles/{id}', 'GET /profiles', 'GET /profiles/{id}', 'PATCH /profiles/{id}', 'POST /profiles', 'PUT /profiles/{id}',
      'DELETE /tags/{id}', 'GET /tags/{id}', 'POST /tags',
      'DELETE /legacy/{id}', 'GET /legacy', 'GET /legacy/{id}', 'PATCH /legacy/{id}', 'POST /legacy', 'PUT /legacy/{id}',
    ].sort());
    expect(api.doc.paths['/tags/{id}'].parameters).toEqual([{ $ref: '#/components/parameters/ItemId' }]);
    expect(api.doc.components.parameters.ItemId).toMatchObject({ in: 'path', name: 'id', required: true, schema: { type: 'string', minLength: 1 } });
  });

  test('list parameters: limit within the page sizes, cursor, the index partitions, the sort-key ranges, order only where a listing has a key order, fields', () => {
    const names = (p: string) => api.doc.paths[p].get.parameters.map((x: any) => x.name);
    expect(names('/catalogue')).toEqual(['limit', 'cursor', 'category', 'price', 'order', 'fields']);
    // Owner-scoped: the caller's partition is listed in id order, so the id takes ranges and order.
    expect(names('/orders')).toEqual(['limit', 'cursor', 'status', 'id', 'order', 'fields']);
    expect(names('/legacy')).toEqual(['limit', 'cursor', 'fields']);
    expect(api.doc.paths['/catalogue'].get.parameters[0].schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 25 });
  });

  test('bodies: the resource schema (local $refs rebased), the id, the server-managed attributes and the owner', () => {
    const s = api.doc.components.schemas;
    expect(s.OrdersAttributes.properties.lines.items).toEqual({ $ref: '#/components/schemas/OrdersAttributes/$defs/line' });
    expect(Object.keys(s.OrdersItem.properties)).toEqual(['id', 'sku', 'lines', 'version', 'createdAt', 'updatedAt', 'owner']);
    expect(s.OrdersItem.required).toEqual(['id', 'version', 'createdAt', 'updatedAt', 'owner', 'sku']);
    expect(s.LegacyAttributes.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(s.LegacyItem.properties.code).toEqual({ $ref: '#/components/schemas/LegacyAttributes/definitions/code' });
    expect(Object.keys(s.TagsItem.properties)).toEqual(['tag', 'version', 'createdAt', 'updatedAt']);
    expect(s.OrdersInput.additionalProperties).toBe(false);
    expect(Object.keys(s.OrdersInput.properties)).toEqual(['id', 'sku', 'lines']);
    expect(api.doc.paths['/orders'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OrdersInput' });
    expect(Object.keys(api.doc.paths['/orders/{id}'].patch.requestBody.content)).toEqual(['application/merge-patch+json', 'application/json']);
  });

  test('headers: ETag, Location, Idempotent-Replayed, Retry-After on responses; If-Match, If-None-Match, Idempotency-Key on requests', () => {
    const post = api.doc.paths['/orders'].post;
    expect(Object.keys(post.responses['201'].headers)).toEqual(['Location', 'ETag', 'Idempotent-Replayed']);
    expect(post.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    expect(api.doc.paths['/orders/{id}'].get.responses['304'].headers.ETag).toBeDefined();
    expect(api.doc.paths['/orders/{id}'].put.responses['201'].headers.Location).toBeDefined();
    expect(api.doc.paths['/orders/{id}'].put.responses['409'].headers['Retry-After']).toBeDefined();
    expect(api.doc.paths['/orders/{id}'].delete.responses['503'].headers['Retry-After']).toBeDefined();
    expect(api.doc.paths['/orders/{id}'].get.responses['401'].headers['WWW-Authenticate']).toBeDefined();
    expect(api.doc.paths['/orders/{id}'].delete.parameters.map((p: any) => p.$ref)).toEqual(['#/components/parameters/IfMatch', '#/components/parameters/IfNoneMatch']);
  });

  test('problems: every problem type of the handler appears, each under its status', () => {
    const seen = new Map<string, number>();
    for (const item of Object.values(api.doc.paths as Record<string, any>)) {
      for (const op of Object.values(item) as any[]) {
        for (const [status, r] of Object.entries(op.responses ?? {}) as [string, any][]) {
          const schema = r.content?.['application/problem+json']?.schema;
          if (!schema) continue;
          for (const type of schema.allOf[1].properties.type.enum) seen.set(type, Number(status));
        }
      }
    }
    // The shop has no nested resources: parent-not-found and has-children are checked in 'keys and relations' below.
    const expected = Object.values(PROBLEMS).filter((p) => !['route-not-found', 'method-not-allowed', 'parent-not-found', 'has-children'].includes(p.slug));
    for (const p of expected) expect([p.slug, seen.get(PROBLEM_TYPE_BASE + p.slug)]).toEqual([p.slug, p.status]);
    // 401 `unauthorized` only where items are owner-scoped; the authorizer's own 401 is API Gateway's JSON.
    expect(api.doc.paths['/orders/{id}'].get.responses['401'].content['application/problem+json']).toBeDefined();
    expect(api.doc.paths['/profiles/{id}'].get.responses['401'].content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/GatewayError' } } });
    expect(api.doc.paths['/catalogue/{id}'].get.responses['401']).toBeUndefined();
  });

  test('security per resource: none, JWT bearer with its scopes, SigV4 described, Cognito bearer', () => {
    const schemes = api.doc.components.securitySchemes;
    expect(api.doc.paths['/catalogue'].get.security).toEqual([]);
    expect(api.doc.paths['/orders'].get.security).toEqual([{ jwt: ['orders/write'] }]);
    expect(schemes.jwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.jwt.description).toContain(ISSUER);
    expect(api.doc.paths['/tags'].post.security).toEqual([{ iam: [] }]);
    expect(schemes.iam).toMatchObject({ 'type': 'apiKey', 'in': 'header', 'name': 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    expect(api.doc.paths['/profiles'].get.security).toEqual([{ cognito: [] }]);
    expect(schemes.cognito).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('servers: the execute-api endpoint as variables in the file (its id is a deploy-time value); the custom domain with its key', () => {
    expect(api.doc.servers).toEqual([{
      url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
      description: expect.any(String),
      variables: { apiId: { default: 'API_ID', description: expect.any(String) }, region: { default: 'eu-west-1', description: 'The stack\'s region.' } },
    }]);
    expect(domain.doc.servers).toEqual([{ url: 'https://api.example.com/v1', description: 'The custom domain' }]);
  });

  test('openApiDocument: the same document, with the deploy-time URL as a token that resolves in the template', () => {
    const prop = api.api.openApiDocument;
    const stack = Stack.of(api.api);
    const resolved = JSON.stringify(stack.resolve(prop));
    const apiLogicalId = stack.getLogicalId(api.api.httpApi.node.defaultChild as CfnElement);
    expect(resolved).toContain(JSON.stringify({ 'Fn::GetAtt': [apiLogicalId, 'ApiEndpoint'] }));
    const { servers: _s, ...rest } = JSON.parse(prop);
    const { servers: _f, ...fileRest } = api.doc;
    // The Cognito issuer is a token in the property and left out of the file; everything else is identical.
    expect(JSON.stringify(rest.paths)).toBe(JSON.stringify(fileRest.paths));
    expect(rest.info).toEqual(fileRest.info);
  });
});

test('the example app\'s documents validate with zero errors', async () => {
  const outdir = synthExampleApp('openapi-example-');
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.openapi.json')).sort();
  expect(files).toEqual(['TodoApp.Notes.openapi.json', 'TodoApp.Shop.openapi.json', 'TodoApp.Todos.openapi.json']);
  for (const f of files) {
    const result = await validate(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')));
    if (!result.valid) throw new Error(`${f}: ${compileErrors(result)}`);
    expect([f, result.warnings]).toEqual([f, []]);
  }
});

test('the validator does catch a broken document (so zero errors means something)', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  const app = new App({ outdir });
  const api = new ServerlessCrudApi(new Stack(app, 'Broken'), 'Api');
  app.synth();
  const doc = JSON.parse(fs.readFileSync(path.join(outdir, api.openApiFileName), 'utf8'));
  delete doc.paths['/items'].post.responses;
  doc.paths['/items/{id}'].get.parameters.push({ name: 'x', in: 'nowhere' });
  expect((await validate(doc)).valid).toBe(false);
});

describe('openApiRoute: GET /openapi.json', () => {
  const routeKeys = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map((r: any) => r.Properties.RouteKey);

  test('off by default: no route, and the document stays out of the handler config', () => {
    const stack = new Stack();
    const api = new ServerlessCrudApi(stack, 'Api');
    expect(routeKeys(stack)).not.toContain('GET /openapi.json');
    expect(JSON.parse(api.openApiDocument).paths['/openapi.json']).toBeUndefined();
  });

  test('on: the route with the API\'s authorizer (not a resource\'s), in the document, in grantInvoke and in the runner manifest', () => {
    const stack = new Stack();
    const api = new ServerlessCrudApi(stack, 'Api', {
      authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['api'] }),
      openApiRoute: true,
      resources: [{ name: 'catalogue', authorization: ApiAuthorization.none(), operations: [Operation.READ] }],
    });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(role);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /openapi.json', AuthorizationType: 'JWT' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /catalogue/{id}', AuthorizationType: 'NONE' });
    expect(JSON.parse(api.openApiDocument).paths['/openapi.json'].get.security).toEqual([{ jwt: [] }]);
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policy).toContain('/GET/openapi.json');
    const manifest = api.node.metadata.find((m) => m.type === LOCAL_MANIFEST_METADATA_TYPE)!.data as any;
    expect(manifest.routes.find((r: any) => r.path === '/openapi.json')).toMatchObject({ method: 'GET', resource: 'openapi.json', auth: { kind: 'jwt' } });
  });

  test('needs the built-in handler', () => {
    expect(() => new ServerlessCrudApi(new Stack(), 'Api', { openApiRoute: true, handlerCode: lambda.Code.fromInline('exports.handler = 1') }))
      .toThrow(/'openApiRoute' needs the built-in handler/);
  });

  test('no resource may be at /openapi.json', () => {
    expect(() => new ServerlessCrudApi(new Stack(), 'Api', { openApiRoute: true, resourceName: 'openapi.json' }))
      .toThrow(/'openApiRoute' serves \/openapi.json, which is the path of resource 'openapi.json'/);
  });
});

describe('keys and relations in the document (the generator alone)', () => {
  const base = (r: Partial<ResourceConfig> & { name: string }): ResourceConfig => resourceConfig(r);
  const resources = [
    base({ name: 'projects', pathParameter: 'projectId', idGenerator: 'ulid' }),
    base({
      name: 'tasks',
      parent: 'projects',
      pathParameter: 'taskId',
      idGenerator: 'uuid-v7',
      indexes: [
        { indexName: 'byDue', sortKey: 'due' },
        { indexName: 'byStatusPriority', partitionKey: 'status', sortKey: 'priority', sortKeyType: 'N' },
      ],
    }),
    base({ name: 'notes', parent: 'tasks', idType: 'N', idGenerator: 'none', operations: ['create', 'read', 'list'] }),
    base({ name: 'plain', indexes: [{ indexName: 'byKind', partitionKey: 'kind' }] }),
  ];
  const doc: any = openApiDocument({
    title: 'Relations',
    resources: resources.map((config) => ({ config, authorization: { kind: 'none' } })),
    servers: [{ url: 'https://example.com' }],
  });
  const param = (at: string, method: string, name: string) => doc.paths[at][method].parameters.find((p: any) => p.name === name);

  test('validates with zero errors and zero warnings', async () => {
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.warnings).toEqual([]);
  });

  test('nested paths carry every ancestor\'s path parameter, named and typed by its resource', () => {
    expect(Object.keys(doc.paths)).toEqual([
      '/projects', '/projects/{projectId}',
      '/projects/{projectId}/tasks', '/projects/{projectId}/tasks/{taskId}',
      '/projects/{projectId}/tasks/{taskId}/notes', '/projects/{projectId}/tasks/{taskId}/notes/{id}',
      '/plain', '/plain/{id}',
    ]);
    const names = (at: string) => doc.paths[at].parameters.map((p: any) => [p.name, p.schema.type]);
    expect(names('/projects/{projectId}')).toEqual([['projectId', 'string']]);
    expect(names('/projects/{projectId}/tasks')).toEqual([['projectId', 'string']]);
    expect(names('/projects/{projectId}/tasks/{taskId}/notes')).toEqual([['projectId', 'string'], ['taskId', 'string']]);
    expect(names('/projects/{projectId}/tasks/{taskId}/notes/{id}')).toEqual([['projectId', 'string'], ['taskId', 'string'], ['id', 'integer']]);
    expect(doc.paths['/plain/{id}'].parameters).toEqual([{ $ref: '#/components/parameters/ItemId' }]);
  });

  test('items show their ancestors\' ids (read-only, typed) and their id type and generator', () => {
    expect(doc.components.schemas.NotesItem.properties).toMatchObject({
      id: { type: 'integer' }, projectId: { type: 'string', readOnly: true }, taskId: { type: 'string', readOnly: true },
    });
    expect(doc.components.schemas.NotesItem.required).toEqual(expect.arrayContaining(['id', 'projectId', 'taskId']));
    expect(doc.components.schemas.TasksItem.properties.id.description).toMatch(/UUID v7 \(time-ordered\)/);
    expect(doc.components.schemas.ProjectsItem.properties.id.description).toMatch(/ULID/);
    expect(doc.components.schemas.NotesFields.required).toEqual(['id', 'projectId', 'taskId']);
  });

  test('list parameters: partitions, ranges per sort key with the op pattern and the grammar, order, fields', () => {
    const list = (at: string) => doc.paths[at].get.parameters.map((p: any) => p.name);
    expect(list('/projects/{projectId}/tasks')).toEqual(['limit', 'cursor', 'status', 'id', 'due', 'priority', 'order', 'fields']);
    expect(list('/projects/{projectId}/tasks/{taskId}/notes')).toEqual(['limit', 'cursor', 'id', 'order', 'fields']);
    expect(list('/plain')).toEqual(['limit', 'cursor', 'kind', 'fields']);
    const due = param('/projects/{projectId}/tasks', 'get', 'due');
    expect(due).toMatchObject({ in: 'query', style: 'form', explode: true, schema: { type: 'array', minItems: 1, maxItems: 2 } });
    expect(due.description).toMatch(/`<op>.<value>` with op `eq`, `gt`, `gte`, `lt`, `lte`, `begins`/);
    expect(due.description).toMatch(/op {11}= "eq" \/ "gt" \/ "gte" \/ "lt" \/ "lte" \/ "begins"/);
    const pattern = new RegExp(due.schema.items.pattern);
    expect(['gte.2025-01-01', 'begins.2025'].every((v) => pattern.test(v))).toBe(true);
    expect(pattern.test('after.2025')).toBe(false);
    const priority = param('/projects/{projectId}/tasks', 'get', 'priority');
    expect(priority.description).toMatch(/Needs the partition parameter `status`/);
    const numeric = new RegExp(priority.schema.items.pattern);
    expect([numeric.test('gte.-1.5'), numeric.test('begins.1'), numeric.test('gte.01')]).toEqual([true, false, false]);
    expect(param('/projects/{projectId}/tasks/{taskId}/notes', 'get', 'id').schema.items.pattern).toBe(priority.schema.items.pattern);
    expect(param('/plain', 'get', 'fields')).toMatchObject({ style: 'form', explode: false, schema: { type: 'array', maxItems: 100 } });
    // On a read too, where a partial item comes with a weak ETag.
    expect(param('/plain/{id}', 'get', 'fields')).toMatchObject({ in: 'query', style: 'form', explode: false });
    const readTag = new RegExp(doc.components.headers.ReadETag.schema.pattern);
    expect(['"3.kQ2x9VbTtWc"', 'W/"3.kQ2x9VbTtWc"', '"0"'].every((t) => readTag.test(t))).toBe(true);
    expect(doc.paths['/plain/{id}'].get.responses['200'].headers.ETag).toEqual({ $ref: '#/components/headers/ReadETag' });
    expect(doc.paths['/plain/{id}'].put.responses['200'].headers.ETag).toEqual({ $ref: '#/components/headers/ETag' });
    expect(doc.components.schemas.PlainPage.properties.items.items).toEqual({
      anyOf: [{ $ref: '#/components/schemas/PlainItem' }, { $ref: '#/components/schemas/PlainFields' }],
    });
  });

  test('problems: parent-not-found on the creates of a nested resource, has-children on the deletes of a parent', () => {
    const types = (at: string, method: string, status: string) => doc.paths[at][method].responses[status]?.content['application/problem+json'].schema.allOf[1].properties.type.enum ?? [];
    const parentNotFound = PROBLEM_TYPE_BASE + PROBLEMS.PARENT_NOT_FOUND.slug;
    const hasChildren = PROBLEM_TYPE_BASE + PROBLEMS.HAS_CHILDREN.slug;
    expect(types('/projects/{projectId}/tasks', 'post', '404')).toContain(parentNotFound);
    expect(types('/projects/{projectId}/tasks/{taskId}', 'put', '404')).toContain(parentNotFound);
    expect(types('/projects/{projectId}/tasks/{taskId}', 'patch', '404')).not.toContain(parentNotFound);
    expect(types('/projects', 'post', '404')).not.toContain(parentNotFound);
    expect(types('/projects/{projectId}', 'delete', '409')).toContain(hasChildren);
    expect(types('/projects/{projectId}/tasks/{taskId}', 'delete', '409')).toContain(hasChildren);
    expect(doc.paths['/projects/{projectId}/tasks/{taskId}/notes/{id}'].delete).toBeUndefined();
    expect(types('/plain/{id}', 'delete', '409')).not.toContain(hasChildren);
    expect(types('/projects/{projectId}/tasks', 'get', '400')).toContain(PROBLEM_TYPE_BASE + PROBLEMS.INVALID_ID.slug);
  });
});
