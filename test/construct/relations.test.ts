import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { packFindings } from './compliance';
import { Synth, dynamoStatementsByFunction, nagFindings, synth, tablePositions } from './util';
import {
  ApiAuthorization, CrudResourceProps, HandlerMode, IdGenerator, IdType, KeyAttributeType, Operation, ServerlessCrudApi, ServerlessCrudApiProps,
} from '../../src';
import { checkRouteVariables, executeApiPath } from '../../src/construct/api-routes';
import { LOCAL_MANIFEST_METADATA_TYPE } from '../../src/shared/local-manifest';

/*
 * Nested resources and typed keys (#13), construct side: projects → tasks → comments (depth 3), with owner scoping on
 * and off, in the three handler modes.
 */

const jwt = () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] });

/** projects → tasks → comments; `owner` turns owner scoping on for the whole chain. */
function chain(owner: boolean, more: Partial<ServerlessCrudApiProps> = {}): ServerlessCrudApiProps {
  const scoping = owner ? { ownerScoping: true } : {};
  return {
    ...(owner ? { authorization: jwt() } : {}),
    ...more,
    resources: [
      { name: 'projects', pathParameter: 'projectId', ...scoping },
      {
        name: 'tasks',
        parent: 'projects',
        pathParameter: 'taskId',
        idGenerator: IdGenerator.UUID_V7,
        indexes: [{ sortKey: 'due' }, { partitionKey: 'status', sortKey: 'priority', sortKeyType: KeyAttributeType.NUMBER }],
        ...scoping,
      },
      { name: 'comments', parent: 'tasks', idType: IdType.NUMBER, ...scoping },
    ],
  };
}

const TABLE = (r: string) => ({ projects: 'TodosprojectsTable3609303D', tasks: 'TodostasksTable50574E5B', comments: 'TodoscommentsTable4C97A974' } as any)[r];
const IDEMPOTENCY = (r: string) => ({
  projects: 'TodosprojectsIdempotencyTableB6AEFBAD', tasks: 'TodostasksIdempotencyTableCAC4DD6D', comments: 'TodoscommentsIdempotencyTableB04F0F7E',
} as any)[r];
const arn = (logicalId: string) => JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const indexArn = (r: string, name: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [TABLE(r), 'Arn'] }, `/index/${name}`]] });

// Written out by hand (not imported from src/construct/iam-actions.ts): the contract the roles must meet.
const PARENT = { tasks: 'projects', comments: 'tasks' } as Record<string, string>;
const CHILDREN = { projects: ['tasks'], tasks: ['comments'] } as Record<string, string[]>;
const INDEXES = { tasks: ['byDue', 'byStatus'] } as Record<string, string[]>;
function ownActions(resource: string, op: Operation, owner: boolean): string[] {
  const scoped = owner || PARENT[resource] !== undefined;
  switch (op) {
    case Operation.CREATE: return ['dynamodb:PutItem'];
    case Operation.READ: return ['dynamodb:GetItem'];
    case Operation.LIST: return [scoped ? 'dynamodb:Query' : 'dynamodb:Scan'];
    case Operation.UPDATE: return ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    case Operation.DELETE: return CHILDREN[resource] ? ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'] : ['dynamodb:DeleteItem'];
  }
  throw new Error(op);
}

type Statement = { actions: string[]; resources: string[] };
const sorted = (xs: Statement[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The statements of a function serving `served` (resource → operations), as the contract says. */
function expected(served: Record<string, Operation[]>, owner: boolean): Statement[] {
  const out: Statement[] = [];
  const related = new Map<string, Set<string>>();
  const relate = (r: string, action: string) => related.set(r, new Set([...(related.get(r) ?? []), action]));
  for (const [r, ops] of Object.entries(served)) {
    out.push({ actions: [...new Set(ops.flatMap((op) => ownActions(r, op, owner)))].sort(), resources: [arn(TABLE(r))] });
    if (ops.includes(Operation.LIST) && INDEXES[r]) out.push({ actions: ['dynamodb:Query'], resources: INDEXES[r].map((ix) => indexArn(r, ix)).sort() });
    if (ops.includes(Operation.CREATE)) out.push({ actions: ['dynamodb:PutItem'], resources: [arn(IDEMPOTENCY(r))] });
    if (PARENT[r] && (ops.includes(Operation.CREATE) || ops.includes(Operation.UPDATE))) relate(PARENT[r], 'dynamodb:ConditionCheckItem');
    if (ops.includes(Operation.DELETE)) for (const child of CHILDREN[r] ?? []) relate(child, 'dynamodb:Query');
  }
  for (const [r, actions] of related) out.push({ actions: [...actions].sort(), resources: [arn(TABLE(r))] });
  return sorted(out);
}

const ALL = [Operation.CREATE, Operation.READ, Operation.LIST, Operation.UPDATE, Operation.DELETE];
const fnId = (op: Operation) => `${op[0].toUpperCase()}${op.slice(1)}Function`;

function stagedConfig(s: Synth): any {
  s.app.synth();
  const fn = s.api.handlerFunctions[0];
  const assetPath = (fn.node.findChild('Code') as any).assetPath as string;
  return JSON.parse(fs.readFileSync(path.join(s.app.outdir, assetPath, 'crud-config.json'), 'utf8'));
}

function envOf(s: Synth, pathUnderApi: string): Record<string, unknown> {
  const fn = s.api.handlerFunctions.find((f) => f.node.scope!.node.path === `${s.api.node.path}/${pathUnderApi}`)!;
  const props = s.template.toJSON().Resources[s.stack.getLogicalId(fn.node.defaultChild as any)].Properties;
  return props.Environment.Variables;
}

describe.each([false, true])('projects → tasks → comments (owner scoping %s)', (owner) => {
  let s: Synth;
  beforeAll(() => { s = synth(chain(owner)); });

  test('routes nest under the parent\'s item, carrying each ancestor\'s path parameter', () => {
    const keys = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map((r: any) => r.Properties.RouteKey).sort();
    expect(keys).toEqual([
      'DELETE /projects/{projectId}', 'DELETE /projects/{projectId}/tasks/{taskId}', 'DELETE /projects/{projectId}/tasks/{taskId}/comments/{id}',
      'GET /projects', 'GET /projects/{projectId}', 'GET /projects/{projectId}/tasks', 'GET /projects/{projectId}/tasks/{taskId}',
      'GET /projects/{projectId}/tasks/{taskId}/comments', 'GET /projects/{projectId}/tasks/{taskId}/comments/{id}',
      'PATCH /projects/{projectId}', 'PATCH /projects/{projectId}/tasks/{taskId}', 'PATCH /projects/{projectId}/tasks/{taskId}/comments/{id}',
      'POST /projects', 'POST /projects/{projectId}/tasks', 'POST /projects/{projectId}/tasks/{taskId}/comments',
      'PUT /projects/{projectId}', 'PUT /projects/{projectId}/tasks/{taskId}', 'PUT /projects/{projectId}/tasks/{taskId}/comments/{id}',
    ].sort());
  });

  test('tables: the top level by id (or owner, id), nested ones by (_parent, id), with typed ids', () => {
    const tables = s.template.toJSON().Resources;
    const keysOf = (r: string) => ({
      key: tables[TABLE(r)].Properties.KeySchema,
      types: Object.fromEntries(tables[TABLE(r)].Properties.AttributeDefinitions.map((a: any) => [a.AttributeName, a.AttributeType])),
    });
    expect(keysOf('projects').key).toEqual(owner
      ? [{ AttributeName: 'owner', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }]
      : [{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(keysOf('tasks').key).toEqual([{ AttributeName: '_parent', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }]);
    expect(keysOf('comments')).toEqual({
      key: [{ AttributeName: '_parent', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }],
      types: { _parent: 'S', id: 'N' },
    });
    expect(keysOf('tasks').types).toEqual({ '_parent': 'S', 'id': 'S', 'due': 'S', '_scopeKey#byStatus': 'S', 'priority': 'N' });
  });

  test('GSIs of a nested resource: without partitionKey the parent\'s partition, with one the hidden (scope, value) key', () => {
    expect(s.template.toJSON().Resources[TABLE('tasks')].Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byDue',
        KeySchema: [{ AttributeName: '_parent', KeyType: 'HASH' }, { AttributeName: 'due', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: '_scopeKey#byStatus', KeyType: 'HASH' }, { AttributeName: 'priority', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  test('the handler config (v4) carries parent, pathParameter, idType, idGenerator and typed, scope-partitioned indexes', () => {
    const config = stagedConfig(s);
    expect(config.version).toBe(4);
    const [projects, tasks, comments] = config.resources;
    expect(projects).toMatchObject({ name: 'projects', pathParameter: 'projectId' });
    expect(projects).not.toHaveProperty('parent');
    expect(projects).not.toHaveProperty('idType');
    expect(tasks).toMatchObject({ name: 'tasks', parent: 'projects', pathParameter: 'taskId', idGenerator: 'uuid-v7' });
    expect(tasks.indexes).toEqual([
      { indexName: 'byDue', sortKey: 'due' },
      { indexName: 'byStatus', partitionKey: 'status', sortKey: 'priority', sortKeyType: 'N' },
    ]);
    expect(comments).toMatchObject({ name: 'comments', parent: 'tasks', idType: 'N', idGenerator: 'none' });
    expect(comments).not.toHaveProperty('pathParameter');
    for (const r of config.resources) expect(r.ownerScoping !== undefined).toBe(owner);
  });

  test('PER_OPERATION: each function holds its own operation\'s actions, plus the parent check or the children query, on exactly those tables', () => {
    const byFn = dynamoStatementsByFunction(s, true);
    expect(Object.keys(byFn)).toHaveLength(15);
    for (const r of ['projects', 'tasks', 'comments']) {
      for (const op of ALL) expect([`${r}/${fnId(op)}`, sorted(byFn[`${r}/${fnId(op)}`])]).toEqual([`${r}/${fnId(op)}`, expected({ [r]: [op] }, owner)]);
    }
    // Spelled out once, the two rules:
    expect(byFn['tasks/CreateFunction']).toContainEqual({ actions: ['dynamodb:ConditionCheckItem'], resources: [arn(TABLE('projects'))] });
    expect(byFn['projects/DeleteFunction']).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'], resources: [arn(TABLE('projects'))] },
      { actions: ['dynamodb:Query'], resources: [arn(TABLE('tasks'))] },
    ]);
    expect(JSON.stringify(byFn['projects/ReadFunction'])).not.toContain(TABLE('tasks'));
    expect(JSON.stringify(byFn['projects/CreateFunction'])).not.toContain('ConditionCheckItem');
  });

  test('env: every table a function touches, its own and the related ones, and nothing else', () => {
    // By position in the config: projects 0, tasks 1, comments 2.
    const tables = (p: string) => tablePositions(envOf(s, p).CRUD_TABLES);
    const idempotency = (p: string) => tablePositions(envOf(s, p).CRUD_IDEMPOTENCY_TABLES);
    expect(tables('tasks/CreateFunction')).toEqual([TABLE('projects'), TABLE('tasks')]);
    expect(idempotency('tasks/CreateFunction')).toEqual(['', IDEMPOTENCY('tasks')]);
    expect(tables('tasks/UpdateFunction')).toEqual([TABLE('projects'), TABLE('tasks')]);
    expect(idempotency('tasks/UpdateFunction')).toEqual([]);
    expect(tables('tasks/DeleteFunction')).toEqual(['', TABLE('tasks'), TABLE('comments')]);
    expect(tables('projects/DeleteFunction')).toEqual([TABLE('projects'), TABLE('tasks')]);
    expect(tables('comments/DeleteFunction')).toEqual(['', '', TABLE('comments')]);
    expect(tables('tasks/ReadFunction')).toEqual(['', TABLE('tasks')]);
    expect(tables('tasks/ListFunction')).toEqual(['', TABLE('tasks')]);
    expect(envOf(s, 'comments/CreateFunction').CRUD_ROUTES).toBe('comments:create');
  });

  test('grantInvoke: a nested route\'s execute-api ARN has `*` for every path variable', () => {
    const g = synth(chain(owner)); // its own stack: the caller's role is not part of the construct's nag check
    const role = new iam.Role(g.stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    g.api.resource('comments').grantInvoke(role);
    const policy = Object.values(Stack.of(role).resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document.toJSON()).Statement)[0] as any;
    const paths = (policy.Resource as any[]).map((r) => r['Fn::Join'][1].slice(-1)[0]).sort();
    expect(paths).toEqual([
      '/$default/DELETE/projects/*/tasks/*/comments/*', '/$default/GET/projects/*/tasks/*/comments', '/$default/GET/projects/*/tasks/*/comments/*',
      '/$default/PATCH/projects/*/tasks/*/comments/*', '/$default/POST/projects/*/tasks/*/comments', '/$default/PUT/projects/*/tasks/*/comments/*',
    ]);
  });

  test('cdk-nag (AwsSolutions, Serverless): no findings', () => {
    expect(nagFindings(s)).toEqual([]);
  });

  test('monitoring: nested resources get the same per-resource alarms and dashboard rows', () => {
    const d = synth(chain(owner, { dashboard: true }));
    const alarmsOf = (r: string) => d.api.alarms.filter((a) => a.node.path.startsWith(`${d.api.node.path}/${r}/`)).map((a) => a.node.path.split('/').slice(3).join('/')).sort();
    expect(alarmsOf('projects').length).toBeGreaterThanOrEqual(5 * 3 + 2);
    expect(alarmsOf('tasks')).toEqual(alarmsOf('projects'));
    expect(alarmsOf('comments')).toEqual(alarmsOf('projects'));
    const body = JSON.stringify(d.stack.resolve((d.api.dashboard!.node.defaultChild as any).dashboardBody));
    for (const r of ['projects', 'tasks', 'comments']) expect(body).toContain(r);
  });
});

describe('handler modes with nesting', () => {
  test.each([false, true])('PER_RESOURCE (owner %s): each resource\'s function has its union plus its related tables', (owner) => {
    const byFn = dynamoStatementsByFunction(synth(chain(owner, { handlerMode: HandlerMode.PER_RESOURCE })), true);
    expect(Object.keys(byFn).sort()).toEqual(['comments/CrudFunction', 'projects/CrudFunction', 'tasks/CrudFunction']);
    for (const r of ['projects', 'tasks', 'comments']) expect(sorted(byFn[`${r}/CrudFunction`])).toEqual(expected({ [r]: ALL }, owner));
  });

  test.each([false, true])('SINGLE (owner %s): one function with every resource\'s actions and each related statement', (owner) => {
    const s = synth(chain(owner, { handlerMode: HandlerMode.SINGLE }));
    const byFn = dynamoStatementsByFunction(s, true);
    expect(Object.keys(byFn)).toEqual(['CrudFunction']);
    expect(sorted(byFn.CrudFunction)).toEqual(expected({ projects: ALL, tasks: ALL, comments: ALL }, owner));
    expect(nagFindings(s)).toEqual([]);
  });

  test('operations narrow the related grants: tasks without CREATE/UPDATE never check the parent; projects without DELETE never query tasks', () => {
    const s = synth({
      resources: [
        { name: 'projects', pathParameter: 'projectId', operations: [Operation.CREATE, Operation.READ] },
        { name: 'tasks', parent: 'projects', operations: [Operation.READ, Operation.LIST, Operation.DELETE] },
      ],
    });
    const all = JSON.stringify(dynamoStatementsByFunction(s, true));
    expect(all).not.toContain('ConditionCheckItem');
    expect(dynamoStatementsByFunction(s, true)['tasks/DeleteFunction']).toEqual([{ actions: ['dynamodb:DeleteItem'], resources: [arn(TABLE('tasks'))] }]);
    expect(tablePositions(envOf(s, 'tasks/DeleteFunction').CRUD_TABLES)).toEqual(['', TABLE('tasks')]);
  });

  test('a customer-managed key: the related statement comes with decrypt on the related table\'s key', () => {
    const s = synth(undefined, (stack) => ({ ...chain(false), encryptionKey: new kms.Key(stack, 'K') }));
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).map((p: any) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.some((p) => p.includes('ConditionCheckItem') && p.includes('kms:Decrypt'))).toBe(true);
  });
});

describe('hardened with nesting', () => {
  test('the strict packs pass; the related statements land in the managed policies with decrypt on the related key', () => {
    const s = synth(undefined, (stack) => {
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
      return { ...chain(false), hardened: true, encryptionKey: key, vpc, reservedConcurrency: 2, alarmTopic: new sns.Topic(stack, 'Topic', { masterKey: key }) };
    });
    const managed = Object.values(s.template.findResources('AWS::IAM::ManagedPolicy')).map((p: any) => JSON.stringify(p.Properties.PolicyDocument));
    const createTasks = managed.filter((p) => p.includes('ConditionCheckItem'));
    expect(createTasks.length).toBe(4); // tasks create and update, comments create and update
    expect(createTasks.every((p) => p.includes('kms:Decrypt'))).toBe(true);
    s.template.resourceCountIs('AWS::IAM::Policy', 0);
    // Findings outside the construct (the test's VPC) are not ours; every finding inside it is.
    expect(packFindings(s.stack).filter((f) => f.includes('/Todos/'))).toEqual([]);
  });
});

test('openApiRoute: a nested resource named openapi.json lives under its parent, so it does not take /openapi.json', () => {
  const s = synth({ openApiRoute: true, resources: [{ name: 'projects', pathParameter: 'projectId' }, { name: 'openapi.json', parent: 'projects' }] });
  const keys = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map((r: any) => r.Properties.RouteKey);
  expect(keys).toEqual(expect.arrayContaining(['GET /openapi.json', 'GET /projects/{projectId}/openapi.json/{id}']));
});

test('the OpenAPI document\'s description names each collection by its full path', () => {
  const s = synth(chain(false));
  const out = s.app.synth().directory;
  expect(JSON.parse(fs.readFileSync(path.join(out, s.api.openApiFileName), 'utf8')).info.description).toContain(
    '`/projects`, `/projects/{projectId}/tasks`, `/projects/{projectId}/tasks/{taskId}/comments`');
});

describe('keys without nesting', () => {
  test('a top-level number id: a number partition key, no generator, and IdGenerator.NONE in the config', () => {
    const s = synth({ idType: IdType.NUMBER });
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
    });
    expect(stagedConfig(s).resources[0]).toMatchObject({ idType: 'N', idGenerator: 'none' });
  });

  test('a top-level ULID generator reaches the config; the default (UUID v4) stays out of it', () => {
    expect(stagedConfig(synth({ idGenerator: IdGenerator.ULID })).resources[0].idGenerator).toBe('ulid');
    expect(stagedConfig(synth({})).resources[0]).not.toHaveProperty('idGenerator');
  });

  test('an owner-scoped index without partitionKey is partitioned by the owner', () => {
    const s = synth({ authorization: jwt(), ownerScoping: true, indexes: [{ sortKey: 'due' }] });
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [{ IndexName: 'byDue', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }, { AttributeName: 'due', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
    });
  });

  test('two indexes on one partition key with different sort keys are two indexes', () => {
    const s = synth({ indexes: [{ partitionKey: 'status', sortKey: 'due' }, { partitionKey: 'status', sortKey: 'version', sortKeyType: KeyAttributeType.NUMBER, indexName: 'byStatusVersion' }] });
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' }), Match.objectLike({ IndexName: 'byStatusVersion' })],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'version', AttributeType: 'N' }]),
    });
  });
});

describe('existing tables with nesting (the key schema is checked, typed)', () => {
  const withTable = (key: { pk: string; sk?: string; skType?: dynamodb.AttributeType }) => (stack: Stack): ServerlessCrudApiProps => ({
    resources: [
      { name: 'projects', pathParameter: 'projectId' },
      {
        name: 'comments',
        parent: 'projects',
        idType: IdType.NUMBER,
        existingTable: new dynamodb.TableV2(stack, 'T', {
          partitionKey: { name: key.pk, type: dynamodb.AttributeType.STRING },
          sortKey: key.sk ? { name: key.sk, type: key.skType ?? dynamodb.AttributeType.STRING } : undefined,
        }),
      },
    ],
  });

  test('the right schema (_parent S, id N) is accepted', () => {
    expect(() => synth(undefined, withTable({ pk: '_parent', sk: 'id', skType: dynamodb.AttributeType.NUMBER }))).not.toThrow();
  });

  test('a string id where the resource has number ids is refused, naming both schemas', () => {
    expect(() => synth(undefined, withTable({ pk: '_parent', sk: 'id' }))).toThrow(
      /'resources\[1\].existingTable' must have partition key '_parent' \(string\) and sort key 'id' \(number\) \(a nested resource keys items by parent, then id\); it has partition key '_parent' \(S\), sort key 'id' \(S\)/);
  });

  test('a table keyed by id alone is refused for a nested resource', () => {
    expect(() => synth(undefined, withTable({ pk: 'id' }))).toThrow(/'resources\[1\].existingTable' must have partition key '_parent'/);
  });
});

describe('runner manifest', () => {
  test('routes carry nested paths; table key attributes carry their types', () => {
    const s = synth(chain(false));
    const manifest = s.api.node.metadata.find((m) => m.type === LOCAL_MANIFEST_METADATA_TYPE)!.data as any;
    expect(manifest.routes.filter((r: any) => r.resource === 'comments').map((r: any) => `${r.method} ${r.path}`)).toContain(
      'GET /projects/{projectId}/tasks/{taskId}/comments/{id}');
    expect(manifest.resources[1].table).toMatchObject({
      partitionKey: '_parent',
      sortKey: 'id',
      indexes: [{ indexName: 'byDue', partitionKey: '_parent', sortKey: 'due' }, { indexName: 'byStatus', partitionKey: '_scopeKey#byStatus', sortKey: 'priority' }],
      attributeTypes: { '_parent': 'S', 'id': 'S', 'due': 'S', '_scopeKey#byStatus': 'S', 'priority': 'N' },
    });
    expect(manifest.resources[2].table.attributeTypes).toEqual({ _parent: 'S', id: 'N' });
  });
});

describe('route variables (API Gateway refuses differently named variables at one level)', () => {
  test('routes that agree pass', () => {
    expect(() => checkRouteVariables(['/projects/{projectId}', '/projects/{projectId}/tasks', '/projects/{projectId}/tasks/{id}', '/tasks/{id}'])).not.toThrow();
  });

  test('two names at one level fail at synth, naming both routes', () => {
    expect(() => checkRouteVariables(['/projects/{id}', '/projects/{projectId}/tasks'])).toThrow(
      /routes '\/projects\/\{id\}' and '\/projects\/\{projectId\}\/tasks' name the path variable after '\/projects' differently \('\{id\}' and '\{projectId\}'\), which API Gateway refuses on deploy \(ConflictException\)/);
  });

  test('execute-api paths: every variable is `*`', () => {
    expect(executeApiPath('/projects/{projectId}/tasks/{id}')).toBe('/projects/*/tasks/*');
    expect(executeApiPath('/projects')).toBe('/projects');
  });
});

// ---- validation: one rule per row
const res = (...entries: CrudResourceProps[]): ServerlessCrudApiProps => ({ resources: entries });
const P: CrudResourceProps = { name: 'projects', pathParameter: 'projectId' };
const RULES: [string, ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps), RegExp][] = [
  ['parent not a resource', res({ name: 'projects' }, { name: 'tasks', parent: 'projekts' }),
    /'resources\[1\].parent' names 'projekts', which is not a resource of this API \(projects, tasks\)/],
  ['parent is itself', res({ name: 'tasks', parent: 'tasks' }), /'resources\[0\].parent' names 'tasks' itself/],
  ['a cycle', res({ name: 'a', parent: 'b', pathParameter: 'aId' }, { name: 'b', parent: 'a', pathParameter: 'bId' }),
    /'resources\[0\].parent' makes a cycle \(a → b → a\)/],
  ['deeper than 4 levels', res(
    { name: 'a', pathParameter: 'aId' }, { name: 'b', parent: 'a', pathParameter: 'bId' }, { name: 'c', parent: 'b', pathParameter: 'cId' },
    { name: 'd', parent: 'c', pathParameter: 'dId' }, { name: 'e', parent: 'd' }),
  /'resources\[4\]' \('e'\) is nested 5 levels deep \(a → b → c → d → e\); at most 4 levels/],
  ['a parent without pathParameter', res({ name: 'projects' }, { name: 'tasks', parent: 'projects' }),
    /'resources\[0\].pathParameter' is 'id' \(the default\), but 'projects' has children \(tasks\).*e.g. 'projectId'/],
  ['a parent with pathParameter id', res({ name: 'projects', pathParameter: 'id' }, { name: 'tasks', parent: 'projects' }),
    /'resources\[0\].pathParameter' is 'id', but 'projects' has children/],
  ['pathParameter not a name', res({ name: 'projects', pathParameter: 'project-id' }), /'resources\[0\].pathParameter' 'project-id' is not a path parameter name/],
  ['pathParameter server-managed', res({ name: 'projects', pathParameter: 'createdAt' }), /'resources\[0\].pathParameter' must not be 'createdAt'/],
  ['pathParameter repeated along a chain', res(P, { name: 'tasks', parent: 'projects', pathParameter: 'projectId' }),
    /'resources\[0\].pathParameter' 'projectId' is also 'resources\[1\].pathParameter' of its descendant 'tasks'/],
  ['pathParameter is a child\'s idAttribute', res(P, { name: 'tasks', parent: 'projects', idAttribute: 'projectId' }),
    /'resources\[0\].pathParameter' 'projectId' is also 'resources\[1\].idAttribute' of its descendant 'tasks' \(\/projects\/\{projectId\}\/tasks\/\{id\}\)/],
  ['pathParameter is a grandchild\'s index attribute', res(P, { name: 'tasks', parent: 'projects', pathParameter: 'taskId' },
    { name: 'comments', parent: 'tasks', indexes: [{ partitionKey: 'projectId' }] }),
  /'resources\[0\].pathParameter' 'projectId' is also 'resources\[2\].indexes\[0\].partitionKey' of its descendant 'comments'/],
  ['pathParameter is a child\'s owner attribute', {
    authorization: jwt(),
    resources: [{ ...P, ownerScoping: true, ownerAttribute: 'projectId' }, { name: 'tasks', parent: 'projects', ownerScoping: true, ownerAttribute: 'projectId' }],
  }, /'resources\[0\].pathParameter' 'projectId' is also 'resources\[1\].ownerAttribute' of its descendant 'tasks'/],
  ['owner scoping on the parent only', { authorization: jwt(), resources: [{ ...P, ownerScoping: true }, { name: 'tasks', parent: 'projects' }] },
    /'resources\[1\].ownerScoping' is off but its parent 'projects' \('resources\[0\].ownerScoping'\) has it on; owner scoping must be the same along a chain/],
  ['owner scoping on the child only', { authorization: jwt(), resources: [P, { name: 'tasks', parent: 'projects', ownerScoping: true }] },
    /'resources\[1\].ownerScoping' is on but its parent 'projects' \('resources\[0\].ownerScoping'\) has it off/],
  ['owner attributes differ along a chain', {
    authorization: jwt(),
    resources: [{ ...P, ownerScoping: true }, { name: 'tasks', parent: 'projects', ownerScoping: true, ownerAttribute: 'tenant' }],
  }, /'resources\[1\].ownerAttribute' is 'tenant' but its parent 'projects' \('resources\[0\].ownerAttribute'\) uses 'owner'/],
  ['number ids with a generator', { idType: IdType.NUMBER, idGenerator: IdGenerator.UUID_V7 },
    /'idGenerator' is IdGenerator.UUID_V7, but 'idType' is IdType.NUMBER: the server assigns string ids only/],
  ['a resource\'s number ids with a generator', res({ name: 'a', idType: IdType.NUMBER, idGenerator: IdGenerator.ULID }),
    /'resources\[0\].idGenerator' is IdGenerator.ULID, but 'resources\[0\].idType' is IdType.NUMBER/],
  ['idType not an IdType', { idType: 'B' as IdType }, /'idType' is 'B', which is not one of STRING, NUMBER; use the enum/],
  ['idGenerator not an IdGenerator', { idGenerator: 'uuid-v1' as IdGenerator }, /'idGenerator' is 'uuid-v1', which is not one of UUID_V4, UUID_V7, ULID, NONE/],
  ['index without partitionKey on an unscoped resource', { indexes: [{ sortKey: 'due' }] },
    /'indexes\[0\].partitionKey' is missing, but 'items' is neither owner-scoped nor nested/],
  ['index without partitionKey and sortKey', res(P, { name: 'tasks', parent: 'projects', indexes: [{}] }),
    /'resources\[1\].indexes\[0\]' has neither partitionKey nor sortKey/],
  ['two indexes with the same keys', { indexes: [{ partitionKey: 'status', sortKey: 'due' }, { partitionKey: 'status', sortKey: 'due', indexName: 'other' }] },
    /'indexes\[0\]' and 'indexes\[1\]' both use partitionKey 'status' and sortKey 'due': they would be the same index twice/],
  ['two scope-partitioned indexes with the same sort key', res(P, { name: 'tasks', parent: 'projects', indexes: [{ sortKey: 'due' }, { sortKey: 'due', indexName: 'dueAgain' }] }),
    /'resources\[1\].indexes\[0\]' and 'resources\[1\].indexes\[1\]' are both partitioned by the scope and sortKey 'due'/],
  ['index partitionKey is a reserved query parameter (fields)', { indexes: [{ partitionKey: 'fields' }] },
    /'indexes\[0\].partitionKey' must not be 'fields': it is a query parameter of GET \/items/],
  ['index sortKey is a reserved query parameter', { indexes: [{ partitionKey: 'status', sortKey: 'order' }] },
    /'indexes\[0\].sortKey' must not be 'order': it is a query parameter/],
  ['index sortKey is a hidden key attribute', res(P, { name: 'tasks', parent: 'projects', indexes: [{ sortKey: '_parent' }] }),
    /'resources\[1\].indexes\[0\].sortKey' must not be '_parent' \(server-managed\)/],
  ['sortKeyType without sortKey', { indexes: [{ partitionKey: 'status', sortKeyType: KeyAttributeType.NUMBER }] },
    /'indexes\[0\].sortKeyType' is set but the index has no sortKey/],
  ['sortKeyType NUMBER on createdAt', { indexes: [{ partitionKey: 'status', sortKey: 'createdAt', sortKeyType: KeyAttributeType.NUMBER }] },
    /'indexes\[0\].sortKeyType' must be STRING for 'createdAt'/],
  ['sortKeyType not a KeyAttributeType', { indexes: [{ partitionKey: 'status', sortKey: 'due', sortKeyType: 'B' as KeyAttributeType }] },
    /'indexes\[0\].sortKeyType' is 'B', which is not one of STRING, NUMBER/],
  ['idAttribute is the parent key attribute', res(P, { name: 'tasks', parent: 'projects', idAttribute: '_parent' }),
    /'resources\[1\].idAttribute' must not be '_parent'/],
];

describe('nesting and key rules: invalid props throw at construction, naming the prop, the value and the fix', () => {
  test.each(RULES)('%s', (_name, props, message) => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ServerlessCrudApi(stack, 'Api', typeof props === 'function' ? props(stack) : props)).toThrow(message);
  });
});
