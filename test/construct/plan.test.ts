import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiAuthorization, HandlerMode, IdGenerator, IdType, KeyAttributeType, Operation } from '../../src';
import { resolvePlan } from '../../src/construct/resolve-props';

const plan = (props = {}) => resolvePlan(new Construct(new Stack(new App(), 'S'), 'Api'), props);

describe('resolvePlan: props become one complete plan, every default applied once', () => {
  test('the one-liner: API-wide settings', () => {
    const { api } = plan();
    expect(api.authorization.kind).toBe('iam');
    expect(api.cors).toBeUndefined();
    expect(api.throttle).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(api.domainMapping).toBeUndefined();
    expect(api.disableExecuteApiEndpoint).toBe(false);
    expect(api.accessLogRetention).toBe(logs.RetentionDays.ONE_MONTH);
    expect(api.urlOutput).toBe(true);
    expect(api.hardened).toBe(false);
    expect(api.monitoring).toMatchObject({ alarms: true, dashboard: false, topic: undefined });
    expect({ ...api.monitoring.thresholds, apiLatencyP99: api.monitoring.thresholds.apiLatencyP99.toMilliseconds() }).toEqual({
      lambdaErrors: 1,
      lambdaThrottles: 1,
      lambdaDurationPercentOfTimeout: 80,
      api5xxErrors: 1,
      apiLatencyP99: 1000,
      dynamoDbThrottledRequests: 1,
      dynamoDbSystemErrors: 1,
    });
    expect(api.lambdaDefaults).toMatchObject({
      handlerMode: HandlerMode.PER_OPERATION,
      memorySize: 1024,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      logLevel: lambda.ApplicationLogLevel.INFO,
      logRetention: logs.RetentionDays.ONE_MONTH,
      environment: {},
      handler: 'index.handler',
    });
    expect(api.lambdaDefaults.timeout.toSeconds()).toBe(10);
  });

  test('the one-liner: one resource, its data settings and the API\'s Lambda defaults', () => {
    const { api, resources } = plan();
    expect(resources).toHaveLength(1);
    const [r] = resources;
    expect(r).toMatchObject({
      name: 'items',
      idAttribute: 'id',
      operations: ['create', 'read', 'list', 'update', 'delete'],
      indexes: [],
      ownerAttribute: undefined,
      idType: 'S',
      idGenerator: 'uuid-v4',
      pathParameter: 'id',
      children: [],
      keySchema: { partitionKey: { name: 'id', type: 'S' }, indexes: [] },
      defaultPageSize: 25,
      maxPageSize: 100,
      idempotencyTtlSeconds: 86400,
    });
    expect(r.table).toMatchObject({ existing: undefined, pointInTimeRecovery: true, deletionProtection: false, removalPolicy: RemovalPolicy.RETAIN });
    expect(r.table.billing).toEqual(dynamodb.Billing.onDemand());
    expect(r.lambda).toEqual(api.lambdaDefaults);
  });

  test('a configured resource: owner-scoped keys and index names are derived once, in the plan', () => {
    const { resources: [r] } = plan({
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] }),
      ownerScoping: true,
      operations: [Operation.LIST, Operation.READ],
      indexes: [{ partitionKey: 'status', sortKey: 'createdAt' }],
    });
    expect(r.operations).toEqual(['read', 'list']);
    expect(r.indexes).toEqual([{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'createdAt', sortKeyType: 'S' }]);
    expect(r.ownerAttribute).toBe('owner');
    expect(r.keySchema).toEqual({
      partitionKey: { name: 'owner', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      indexes: [{ indexName: 'byStatus', partitionKey: { name: '_ownerKey#byStatus', type: 'S' }, sortKey: { name: 'createdAt', type: 'S' } }],
    });
  });

  test('a field left out of throttle or alarmThresholds keeps its default', () => {
    const { api } = plan({ throttle: { rateLimit: 5 }, alarmThresholds: { lambdaErrors: 3, apiLatencyP99: undefined } });
    expect(api.throttle).toEqual({ rateLimit: 5, burstLimit: 200 });
    expect(api.monitoring.thresholds.lambdaErrors).toBe(3);
    expect(api.monitoring.thresholds.apiLatencyP99.toMilliseconds()).toBe(1000);
    expect(plan({ timeout: Duration.seconds(3) }).resources[0].lambda.timeout.toSeconds()).toBe(3);
  });

  test('several resources: in declared order, each with its own data, its authorization and the API\'s Lambda defaults under its overrides', () => {
    const p = plan({
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] }),
      memorySize: 2048,
      environment: { STAGE: 'prod', TIER: 'basic' },
      resources: [
        { name: 'products', operations: [Operation.READ], authorization: ApiAuthorization.none() },
        { name: 'orders', ownerScoping: true, memorySize: 512, environment: { TIER: 'gold' } },
      ],
    });
    expect(p.declaredResources).toBe(true);
    expect(p.resources.map((r) => [r.name, r.index, r.authorization.kind, r.operations.length, r.ownerAttribute ?? null])).toEqual([
      ['products', 0, 'none', 1, null],
      ['orders', 1, 'jwt', 5, 'owner'],
    ]);
    expect(p.resources[1].authorization).toBe(p.api.authorization);
    expect(p.resources.map((r) => [r.lambda.memorySize, r.lambda.environment])).toEqual([
      [2048, { STAGE: 'prod', TIER: 'basic' }],
      [512, { STAGE: 'prod', TIER: 'gold' }],
    ]);
    expect(p.resources[1].lambda.logRetention).toBe(logs.RetentionDays.ONE_MONTH);
    expect(plan().declaredResources).toBe(false);
  });
  test('nesting and key types: parents know their children, nested keys are (_parent, id), ids and sort keys typed, generators defaulted by type', () => {
    const { resources: [projects, tasks, comments] } = plan({
      resources: [
        { name: 'projects', pathParameter: 'projectId' },
        { name: 'tasks', parent: 'projects', pathParameter: 'taskId', idGenerator: IdGenerator.ULID, indexes: [{ sortKey: 'due' }, { partitionKey: 'status', sortKey: 'rank', sortKeyType: KeyAttributeType.NUMBER }] },
        { name: 'comments', parent: 'tasks', idType: IdType.NUMBER },
      ],
    });
    expect(projects).toMatchObject({ pathParameter: 'projectId', children: ['tasks'], idType: 'S', idGenerator: 'uuid-v4' });
    expect(projects.parent).toBeUndefined();
    expect(tasks).toMatchObject({ parent: 'projects', children: ['comments'], pathParameter: 'taskId', idGenerator: 'ulid' });
    expect(tasks.indexes).toEqual([
      { indexName: 'byDue', sortKey: 'due', sortKeyType: 'S' },
      { indexName: 'byStatus', partitionKey: 'status', sortKey: 'rank', sortKeyType: 'N' },
    ]);
    expect(tasks.keySchema).toEqual({
      partitionKey: { name: '_parent', type: 'S' },
      sortKey: { name: 'id', type: 'S' },
      indexes: [
        { indexName: 'byDue', partitionKey: { name: '_parent', type: 'S' }, sortKey: { name: 'due', type: 'S' } },
        { indexName: 'byStatus', partitionKey: { name: '_scopeKey#byStatus', type: 'S' }, sortKey: { name: 'rank', type: 'N' } },
      ],
    });
    expect(comments).toMatchObject({ parent: 'tasks', children: [], idType: 'N', idGenerator: 'none' });
    expect(comments.keySchema.sortKey).toEqual({ name: 'id', type: 'N' });
  });
});
