import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { synth } from './util';

describe('new ServerlessCrudApi(this, "Todos") — the one-liner', () => {
  const s = synth();
  const t = s.template;

  test('an HTTP API with a throttled, access-logged, auto-deployed $default stage', () => {
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', DisableExecuteApiEndpoint: false });
    t.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
  });

  test('six routes, every one behind IAM authorization and a payload 2.0 Lambda integration', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'DELETE /items/{id}', 'GET /items', 'GET /items/{id}', 'PATCH /items/{id}', 'POST /items', 'PUT /items/{id}',
    ]);
    for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
    const integrations = Object.values(t.findResources('AWS::ApiGatewayV2::Integration')).map((r) => r.Properties);
    expect(integrations).toHaveLength(5);
    for (const i of integrations) expect(i).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  test('one function per operation: Node.js 24 on ARM64, 1024 MB, 10 s, JSON logs to its own log group, X-Ray active', () => {
    t.resourceCountIs('AWS::Lambda::Function', 5);
    expect(Object.keys(s.api.functions).sort()).toEqual(['create', 'delete', 'list', 'read', 'update']);
    const fns = Object.values(t.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    const logGroupRefs = new Set<string>();
    for (const p of fns) {
      expect(p).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Timeout: 10,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
      });
      logGroupRefs.add(p.LoggingConfig.LogGroup.Ref);
    }
    expect(logGroupRefs.size).toBe(5);
    for (const id of logGroupRefs) {
      expect(t.toJSON().Resources[id]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    }
  });

  test('one bundled asset serves every function, with the config beside it (not in the environment)', () => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    const keys = new Set(fns.map((p) => JSON.stringify(p.Code.S3Key)));
    expect(keys.size).toBe(1);
    for (const p of fns) {
      expect(Object.keys(p.Environment.Variables).sort()).toEqual(
        ({
          'items:create': ['CRUD_IDEMPOTENCY_TABLES', 'CRUD_ROUTES', 'CRUD_TABLES'],
          'items:list': ['CRUD_CURSOR_SECRET_ARN', 'CRUD_ROUTES', 'CRUD_TABLES'],
        } as Record<string, string[]>)[p.Environment.Variables.CRUD_ROUTES] ?? ['CRUD_ROUTES', 'CRUD_TABLES']);
    }
  });

  test('a DynamoDB table keyed on id (string): on-demand, PITR, AWS-owned key, retained', () => {
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const table = t.toJSON().Resources[s.stack.getLogicalId((s.api.table as any).node.defaultChild)];
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: false }); // false = the AWS-owned key
  });

  test('an idempotency table with TTL, destroyed with the stack', () => {
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
      DeletionPolicy: 'Delete',
    });
  });

  test('alarms: per function errors/throttles/duration, API 5xx and p99 latency, DynamoDB throttles and system errors, one composite', () => {
    expect(s.api.alarms).toHaveLength(5 * 3 + 4);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties);
    for (const a of alarms) expect(a.TreatMissingData).toBe('notBreaching');
    const byName = (metric: string) => alarms.filter((a) => a.MetricName === metric);
    expect(byName('Errors')).toHaveLength(5);
    expect(byName('Throttles')).toHaveLength(5);
    expect(byName('Duration').map((a) => [a.ExtendedStatistic, a.Threshold, a.DatapointsToAlarm, a.EvaluationPeriods]))
      .toEqual(Array(5).fill(['p99', 8000, 2, 3]));
    expect(byName('5xx')).toEqual([expect.objectContaining({ Namespace: 'AWS/ApiGateway', Threshold: 1, Statistic: 'Sum' })]);
    expect(byName('Latency')).toEqual([expect.objectContaining({ ExtendedStatistic: 'p99', Threshold: 1000 })]);
    // DynamoDB throttles / system errors are metric-math sums over the operations the handler uses.
    expect(alarms.filter((a) => a.Metrics).length).toBe(2);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('the API URL is an output', () => {
    t.hasOutput('*', { Value: Match.anyValue(), Description: 'URL of TestStack/Todos' });
    expect(s.stack.resolve(s.api.url)).toEqual({ 'Fn::Join': ['', ['https://', { Ref: s.stack.getLogicalId(s.api.httpApi.node.defaultChild as any) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/']] } as any);
  });

  test('grantInvoke grants execute-api:Invoke on exactly the six routes of this API', () => {
    const role = new iam.Role(s.stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    s.api.grantInvoke(role);
    const policy = Object.values(s.stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document.toJSON()).Statement as any[])[0];
    expect(policy.Action).toBe('execute-api:Invoke');
    const arns = (policy.Resource as any[]).map((r) => r['Fn::Join'][1].slice(-1)[0]);
    expect(arns.sort()).toEqual([
      '/$default/DELETE/items/*', '/$default/GET/items', '/$default/GET/items/*', '/$default/PATCH/items/*', '/$default/POST/items', '/$default/PUT/items/*',
    ]);
  });
});
