import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { synth } from './util';
import { ApiAuthorization, HandlerMode, Operation } from '../../src';

const fnProps = (s: ReturnType<typeof synth>) => Object.values(s.template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
const routes = (s: ReturnType<typeof synth>) => Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);

/** The config file the construct staged beside the bundled handler, read back from the function's asset folder. */
function stagedConfig(s: ReturnType<typeof synth>): any {
  const fn = s.api.handlerFunctions[0];
  const assetPath = (fn.node.findChild('Code') as any).assetPath as string;
  return JSON.parse(fs.readFileSync(path.join(s.app.outdir, assetPath, 'crud-config.json'), 'utf8'));
}

describe('props', () => {
  test('resourceName and idAttribute shape routes, the key schema and the handler config', () => {
    const s = synth({ resourceName: 'todos', idAttribute: 'todoId' });
    expect(routes(s).map((r) => r.RouteKey).sort()).toEqual(['DELETE /todos/{id}', 'GET /todos', 'GET /todos/{id}', 'PATCH /todos/{id}', 'POST /todos', 'PUT /todos/{id}']);
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { KeySchema: [{ AttributeName: 'todoId', KeyType: 'HASH' }] });
    s.app.synth();
    expect(stagedConfig(s)).toEqual({
      version: 4,
      resources: [{
        name: 'todos',
        idAttribute: 'todoId',
        operations: ['create', 'read', 'list', 'update', 'delete'],
        indexes: [],
        defaultPageSize: 25,
        maxPageSize: 100,
        idempotencyTtlSeconds: 86400,
      }],
      metrics: { api: 'TestStack/Todos' },
    });
  });

  test('a disabled operation has no route and no function; no CREATE means no idempotency table', () => {
    const s = synth({ operations: [Operation.READ, Operation.LIST] });
    expect(routes(s).map((r) => r.RouteKey).sort()).toEqual(['GET /items', 'GET /items/{id}']);
    s.template.resourceCountIs('AWS::Lambda::Function', 2);
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    expect(s.api.idempotencyTable).toBeUndefined();
  });

  test('HandlerMode.SINGLE: one function serving every operation, one integration', () => {
    const s = synth({ handlerMode: HandlerMode.SINGLE });
    s.template.resourceCountIs('AWS::Lambda::Function', 1);
    s.template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    expect(fnProps(s)[0].Environment.Variables.CRUD_ROUTES).toBe('*'); // every operation of every resource
    expect(new Set(Object.values(s.api.functions)).size).toBe(1);
    expect(s.api.alarms).toHaveLength(3 + 4);
  });

  test('indexes become ALL-projected GSIs (string keys) and reach the handler config', () => {
    const s = synth({ indexes: [{ partitionKey: 'status', sortKey: 'createdAt' }, { partitionKey: 'tag', indexName: 'tags' }] });
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        { IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'tags', KeySchema: [{ AttributeName: 'tag', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
    });
    s.app.synth();
    expect(stagedConfig(s).resources[0].indexes).toEqual([
      { indexName: 'byStatus', partitionKey: 'status', sortKey: 'createdAt' }, { indexName: 'tags', partitionKey: 'tag' },
    ]);
  });

  test('a 20 KB+ JSON Schema ships in the code asset, not the 4 KB-limited environment', () => {
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 400; i++) properties[`field${i}`] = { type: 'string', maxLength: 100, description: `Field number ${i}` };
    const schema = { type: 'object', properties, additionalProperties: false };
    expect(JSON.stringify(schema).length).toBeGreaterThan(20_000);
    const s = synth({ schema });
    for (const p of fnProps(s)) expect(JSON.stringify(p.Environment).length).toBeLessThan(1000);
    s.app.synth();
    expect(stagedConfig(s).resources[0].schema).toEqual(schema);
  });

  test('owner scoping with JWT: the table keyed by (owner, id), indexes by (owner+value), JWT authorizer with scopes on every route', () => {
    const s = synth({
      ownerScoping: true,
      indexes: [{ partitionKey: 'status', sortKey: 'due' }],
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'], scopes: ['items/rw'] }),
    });
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [{
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: '_ownerKey#byStatus', KeyType: 'HASH' }, { AttributeName: 'due', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      }],
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT', JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['api'] }, IdentitySource: ['$request.header.Authorization'],
    });
    for (const r of routes(s)) expect(r).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: ['items/rw'] });
    s.app.synth();
    expect(stagedConfig(s).resources[0].ownerScoping).toEqual({ attribute: 'owner' });
  });

  test('cognito, custom and none authorization', () => {
    const c = synth({}, (stack) => {
      const pool = new cognito.UserPool(stack, 'Pool');
      return { authorization: ApiAuthorization.cognito({ userPool: pool, userPoolClients: [pool.addClient('C')] }), ownerScoping: true };
    });
    for (const r of routes(c)) expect(r.AuthorizationType).toBe('JWT');
    c.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', JwtConfiguration: { Issuer: Match.anyValue() } });

    const custom = synth({}, (stack) => {
      const fn = new lambda.Function(stack, 'AuthFn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
      return { authorization: ApiAuthorization.custom(new HttpLambdaAuthorizer('Auth', fn)) };
    });
    for (const r of routes(custom)) expect(r.AuthorizationType).toBe('CUSTOM');

    const none = synth({ authorization: ApiAuthorization.none() });
    for (const r of routes(none)) expect(r.AuthorizationType).toBe('NONE');
  });

  test('CORS, throttling, custom domain and disabling the execute-api endpoint', () => {
    const s = synth({
      cors: { allowOrigins: ['https://app.example.com'], allowMethods: [apigwv2.CorsHttpMethod.ANY], allowHeaders: ['content-type', 'if-match'] },
      throttle: { rateLimit: 50, burstLimit: 75 },
    }, (stack) => ({
      customDomain: {
        domainName: apigwv2.DomainName.fromDomainNameAttributes(stack, 'D', { name: 'api.example.com', regionalDomainName: 'd-1.execute-api.eu-west-1.amazonaws.com', regionalHostedZoneId: 'Z1' }),
        mappingKey: 'v1',
      },
      disableExecuteApiEndpoint: true,
    }));
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      DisableExecuteApiEndpoint: true,
      CorsConfiguration: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['*'], AllowHeaders: ['content-type', 'if-match'] },
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75 } });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { DomainName: 'api.example.com', ApiMappingKey: 'v1', Stage: '$default' });
  });

  test('log retention of access and function logs; no URL output when urlOutput is false', () => {
    const s = synth({ accessLogRetention: logs.RetentionDays.ONE_WEEK, functionLogRetention: logs.RetentionDays.TWO_WEEKS, urlOutput: false });
    const retentions = Object.values(s.template.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties.RetentionInDays).sort();
    expect(retentions).toEqual([14, 14, 14, 14, 14, 7]);
    expect(Object.keys(s.template.toJSON().Outputs ?? {})).toEqual([]);
  });

  test('Lambda knobs: memory, timeout, architecture, reserved concurrency, tracing, log level, environment, layers', () => {
    const s = synth({
      memorySize: 512,
      timeout: Duration.seconds(5),
      architecture: lambda.Architecture.X86_64,
      reservedConcurrency: 20,
      tracing: lambda.Tracing.DISABLED,
      logLevel: lambda.ApplicationLogLevel.DEBUG,
      environment: { STAGE: 'prod' },
    }, (stack) => ({ layers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'L', 'arn:aws:lambda:eu-west-1:123456789012:layer:ext:1')] }));
    for (const p of fnProps(s)) {
      expect(p).toMatchObject({
        MemorySize: 512,
        Timeout: 5,
        Architectures: ['x86_64'],
        ReservedConcurrentExecutions: 20,
        LoggingConfig: { ApplicationLogLevel: 'DEBUG' },
        Layers: ['arn:aws:lambda:eu-west-1:123456789012:layer:ext:1'],
      });
      expect(p.TracingConfig).toBeUndefined();
      expect(p.Environment.Variables.STAGE).toBe('prod');
    }
    // No tracing: no X-Ray wildcard left in any policy.
    expect(JSON.stringify(s.template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
    // The duration alarm follows the timeout: 80% of 5 s.
    expect(Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === 'Duration')[0].Properties.Threshold).toBe(4000);
  });

  test('provisioned concurrency: a live alias per function, invoked by API Gateway', () => {
    const s = synth({ provisionedConcurrency: 2, operations: [Operation.READ] });
    s.template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    const integration = Object.values(s.template.findResources('AWS::ApiGatewayV2::Integration'))[0].Properties;
    expect(JSON.stringify(integration.IntegrationUri)).toContain('LiveAlias');
  });

  test('VPC: functions in the given subnets, ENI actions granted', () => {
    const s = synth({}, (stack) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) }));
    for (const p of fnProps(s)) expect(p.VpcConfig.SubnetIds).toHaveLength(2);
    expect(JSON.stringify(s.template.findResources('AWS::IAM::Policy'))).toContain('ec2:CreateNetworkInterface');
  });

  test('custom handler code keeps the infrastructure and receives the config in CRUD_CONFIG', () => {
    const s = synth({ handlerCode: lambda.Code.fromInline('exports.main = async () => ({ statusCode: 200 })'), handlerEntrypoint: 'index.main', operations: [Operation.READ] });
    const p = fnProps(s)[0];
    expect(p.Handler).toBe('index.main');
    expect(p.Code.ZipFile).toContain('exports.main');
    expect(JSON.parse(p.Environment.Variables.CRUD_CONFIG)).toMatchObject({ version: 4, resources: [{ name: 'items', operations: ['read'] }] });
    s.template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  });

  test('table knobs: provisioned billing, PITR off, deletion protection, removal policy, customer KMS key, TTL, stream', () => {
    const s = synth({
      billing: dynamodb.Billing.provisioned({
        readCapacity: dynamodb.Capacity.fixed(5),
        writeCapacity: dynamodb.Capacity.autoscaled({ maxCapacity: 10 }),
      }),
      pointInTimeRecovery: false,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.DESTROY,
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    }, (stack) => ({ encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'K')) }));
    const table = s.template.toJSON().Resources[s.stack.getLogicalId((s.api.table as any).node.defaultChild)];
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PROVISIONED',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(table.Properties.Replicas[0]).toMatchObject({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
  });

  test('an existing table is used as is: no new items table, grants on its ARN', () => {
    const s = synth({}, (stack) => ({ existingTable: dynamodb.TableV2.fromTableName(stack, 'Existing', 'legacy-items') }));
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1); // the idempotency table only
    expect(JSON.stringify(s.template.findResources('AWS::IAM::Policy'))).toContain(':table/legacy-items');
    expect(fnProps(s)[0].Environment.Variables.CRUD_TABLES).toBe('legacy-items');
  });

  test('monitoring: thresholds, SNS actions on ALARM and OK, dashboard; alarms off', () => {
    const s = synth({
      alarmThresholds: { api5xxErrors: 5, apiLatencyP99: Duration.millis(300), lambdaDurationPercentOfTimeout: 50 },
      dashboard: true,
    },
    (stack) => ({ alarmTopic: new sns.Topic(stack, 'Topic') }));
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties);
    expect(alarms.find((a) => a.MetricName === '5xx')!.Threshold).toBe(5);
    expect(alarms.find((a) => a.MetricName === 'Latency')!.Threshold).toBe(300);
    expect(alarms.find((a) => a.MetricName === 'Duration')!.Threshold).toBe(5000);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(a.OKActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
    }
    s.template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }] });
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(s.template.findResources('AWS::CloudWatch::Dashboard'));
    for (const word of ['Requests', 'Latency', 'p50', 'p90', 'p99', 'Lambda invocations', 'DynamoDB consumed capacity']) expect(body).toContain(word);

    const off = synth({ alarms: false });
    off.template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    off.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(off.api.alarms).toEqual([]);
  });

  test('page sizes and idempotency TTL reach the handler config', () => {
    const s = synth({ defaultPageSize: 10, maxPageSize: 500, idempotencyTtl: Duration.hours(2) });
    s.app.synth();
    expect(stagedConfig(s).resources[0]).toMatchObject({ defaultPageSize: 10, maxPageSize: 500, idempotencyTtlSeconds: 7200 });
  });

  test('metric helpers are the stage\'s own (HttpStage names and defaults), on this API\'s stage', () => {
    const s = synth();
    const m = s.stack.resolve(s.api.metricServerError().toMetricConfig().metricStat);
    expect(m).toMatchObject({
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      statistic: 'Sum',
      dimensions: [{ name: 'ApiId', value: { Ref: s.stack.getLogicalId(s.api.httpApi.node.defaultChild as any) } }, { name: 'Stage', value: '$default' }],
    });
    for (const [metric, fromStage] of [
      [s.api.metricCount(), s.api.stage.metricCount()],
      [s.api.metricServerError(), s.api.stage.metricServerError()],
      [s.api.metricClientError(), s.api.stage.metricClientError()],
      [s.api.metricLatency(), s.api.stage.metricLatency()],
      [s.api.metricIntegrationLatency(), s.api.stage.metricIntegrationLatency()],
      [s.api.metricDataProcessed(), s.api.stage.metricDataProcessed()],
    ]) {
      expect(s.stack.resolve(metric.toMetricConfig())).toEqual(s.stack.resolve(fromStage.toMetricConfig()));
    }
    expect(s.api.metricCount().metricName).toBe('Count');
    expect(s.api.metricClientError().metricName).toBe('4xx');
    expect(s.api.metricLatency({ statistic: 'p99' }).statistic).toBe('p99');
    expect(s.api.metricIntegrationLatency({ statistic: 'p50' }).statistic).toBe('p50');
  });
});

describe('local runner manifest (construct metadata in the cloud assembly)', () => {
  test('records routes → function logical ids, tables, auth, CORS and throttling, resolved', () => {
    const s = synth({
      indexes: [{ partitionKey: 'status' }],
      cors: { allowOrigins: ['http://localhost:5173'], allowMethods: [apigwv2.CorsHttpMethod.GET], maxAge: Duration.minutes(10) },
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'], scopes: ['items/rw'] }),
      ownerScoping: true,
      throttle: { rateLimit: 5, burstLimit: 10 },
    });
    const assembly = s.app.synth();
    const entries = assembly.getStackByName('TestStack').findMetadataByType('cdk-serverless-crud-api:local');
    expect(entries.map((e) => e.path)).toEqual(['/TestStack/Todos']);
    const manifest = entries[0].data as any;
    const fnIds = Object.keys(s.template.findResources('AWS::Lambda::Function'));
    expect(manifest).toMatchObject({
      version: 5,
      path: 'TestStack/Todos',
      stageName: '$default',
      cors: { allowOrigins: ['http://localhost:5173'], allowMethods: ['GET'], maxAgeSeconds: 600 },
      throttle: { rateLimit: 5, burstLimit: 10 },
      resources: [{
        name: 'items',
        table: { logicalId: 'TodosDefaultResourceTableFBA9B072', partitionKey: 'owner', sortKey: 'id', indexes: [{ indexName: 'byStatus', partitionKey: '_ownerKey#byStatus' }] },
        idempotencyTable: { logicalId: 'TodosDefaultResourceIdempotencyTableFE8FB1A2', partitionKey: 'pk', ttlAttribute: 'expiresAt' },
      }],
    });
    expect(manifest.routes).toHaveLength(6);
    for (const r of manifest.routes) {
      expect(fnIds).toContain(r.functionLogicalId);
      expect(r).toMatchObject({ resource: 'items', auth: { kind: 'jwt', issuer: 'https://issuer.example.com/', audience: ['api'], scopes: ['items/rw'] } });
    }
    expect(manifest.routes.find((r: any) => r.method === 'PATCH')).toMatchObject({ path: '/items/{id}', operation: 'update' });
    expect(manifest.functions.map((f: any) => f.routes)).toEqual([['items:create'], ['items:read'], ['items:list'], ['items:update'], ['items:delete']]);
  });
});
