import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { logicalId, synth } from './util';
import { ApiAuthorization, ChangeEvents, ChangeEventType, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';
import { PUBLISHER_HANDLER_DIR } from '../../src/construct/handler-code';
import { PUBLISHER_ENV } from '../../src/shared/change-events';
import { CONFIG_FILE_NAME } from '../../src/shared/config';

const jwt = () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] });

/** Two resources with events (orders owner-scoped), one without. */
const shop = (extra: ServerlessCrudApiProps = {}): ServerlessCrudApiProps => ({
  authorization: jwt(),
  changeEvents: ChangeEvents.toEventBus(),
  resources: [
    { name: 'orders', ownerScoping: true },
    { name: 'products' },
    { name: 'sessions', changeEvents: ChangeEvents.none() },
  ],
  ...extra,
});

/** The statements of a role's policies, each as { actions (sorted), resources (JSON) }. */
function statementsOf(template: Template, roleLogicalId: string) {
  const resources = template.toJSON().Resources as Record<string, any>;
  return Object.values(resources)
    .filter((r: any) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
      (r.Properties.Roles ?? []).some((x: any) => x.Ref === roleLogicalId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat().map((r: any) => JSON.stringify(r)) }));
}

describe('change events are off by default', () => {
  test('the one-liner has no stream, no publisher, no bus, no mapping', () => {
    const { template, api } = synth();
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: Match.absent(), KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(api.eventBus).toBeUndefined();
    expect(api.resources[0].changeEventsFunction).toBeUndefined();
  });

  test('ChangeEvents.none() is the same as leaving it out', () => {
    const off = synth().template.toJSON();
    const none = synth({ changeEvents: ChangeEvents.none() }).template.toJSON();
    expect(none).toEqual(off);
  });
});

describe('ChangeEvents.toEventBus()', () => {
  test('enables a NEW_AND_OLD_IMAGES stream and feeds one publisher per table with the designed mapping', () => {
    const { template, stack, api } = synth({ changeEvents: ChangeEvents.toEventBus() });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const table = logicalId(stack, api.table);
    const fn = api.resources[0].changeEventsFunction!;
    const bucket = api.resources[0].changeEventsFailureBucket!;
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      FunctionName: { Ref: logicalId(stack, fn) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, bucket), 'Arn'] } } },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  test('the options tune the mapping and the lag alarm', () => {
    const { template } = synth({
      changeEvents: ChangeEvents.toEventBus(undefined, {
        batchSize: 500,
        batchingWindow: Duration.seconds(0),
        retryAttempts: 3,
        maxRecordAge: Duration.hours(2),
        iteratorAgeAlarmThreshold: Duration.minutes(15),
      }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500, MaximumBatchingWindowInSeconds: 0, MaximumRetryAttempts: 3, MaximumRecordAgeInSeconds: 7200,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 15 * 60 * 1000 });
  });

  test('the publisher: its environment, and the CRUD functions\' runtime, logging and tracing conventions', () => {
    const { template, stack, api } = synth({ changeEvents: ChangeEvents.toEventBus(), changeEventSource: 'com.example.todos' });
    const fn = api.resources[0].changeEventsFunction!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: Match.stringLikeRegexp('^nodejs'),
      Architectures: ['arm64'],
      Timeout: 60,
      MemorySize: 1024,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' }),
      Environment: {
        Variables: {
          [PUBLISHER_ENV.RESOURCE]: 'items',
          [PUBLISHER_ENV.EVENT_BUS]: { 'Fn::GetAtt': [logicalId(stack, api.eventBus!), 'Arn'] },
          [PUBLISHER_ENV.SOURCE]: 'com.example.todos',
        },
      },
    });
    // Its own log group, with the API's retention.
    const cfn = stack.resolve((fn.node.defaultChild as any).loggingConfig);
    expect(cfn.logGroup).toEqual({ Ref: logicalId(stack, fn.node.scope!.node.findChild('LogGroup') as any) });
    expect(api.changeEventSource).toBe('com.example.todos');
  });

  test('its code asset is the publisher bundle with the API\'s config file beside it', () => {
    const { app, stack, api } = synth({ changeEvents: ChangeEvents.toEventBus() });
    const assembly = app.synth();
    const assetOf = (fn: any) => path.join(assembly.directory, `asset.${stack.resolve(fn.node.defaultChild.code).s3Key.replace(/\.zip$/, '')}`);
    const dir = assetOf(api.resources[0].changeEventsFunction!);
    expect(fs.readdirSync(dir).sort()).toEqual([CONFIG_FILE_NAME, 'index.js']);
    expect(fs.readFileSync(path.join(dir, 'index.js'))).toEqual(fs.readFileSync(path.join(PUBLISHER_HANDLER_DIR, 'index.js')));
    // The same config as the CRUD functions'.
    const crud = assetOf(api.functions.read);
    expect(fs.readFileSync(path.join(dir, CONFIG_FILE_NAME), 'utf8')).toEqual(fs.readFileSync(path.join(crud, CONFIG_FILE_NAME), 'utf8'));
  });

  test('the publisher\'s role reads that stream, puts on that bus, writes to that bucket: nothing else', () => {
    const { template, stack, api } = synth({ changeEvents: ChangeEvents.toEventBus() });
    const publisher = api.resources[0].changeEventsFunction!;
    const bucket = logicalId(stack, api.resources[0].changeEventsFailureBucket!);
    const logGroup = logicalId(stack, publisher.node.scope!.node.findChild('LogGroup') as any);
    expect(statementsOf(template, logicalId(stack, publisher.role!)).sort((a, b) => a.actions[0].localeCompare(b.actions[0]))).toEqual([
      { actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], resources: [JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, api.table), 'StreamArn'] })] },
      { actions: ['events:PutEvents'], resources: [JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, api.eventBus!), 'Arn'] })] },
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [JSON.stringify({ 'Fn::GetAtt': [logGroup, 'Arn'] })] },
      { actions: ['s3:ListBucket'], resources: [JSON.stringify({ 'Fn::GetAtt': [bucket, 'Arn'] })] },
      { actions: ['s3:PutObject'], resources: [JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] })] },
      { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['"*"'] },
    ]);
  });

  test('the failure bucket is encrypted, private, TLS-only and versioned, and outlives the stack', () => {
    const { template } = synth({ changeEvents: ChangeEvents.toEventBus() });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('with encryptionKey: the bus, the bucket and the log group use it; the role decrypts the stream and makes data keys for the bucket only', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const api = new ServerlessCrudApi(stack, 'Todos', { encryptionKey: key, changeEvents: ChangeEvents.toEventBus() });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] };
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: keyArn });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    });
    const kmsStatements = statementsOf(template, logicalId(stack, api.resources[0].changeEventsFunction!.role!)).filter((s) => s.actions[0].startsWith('kms:'));
    expect(kmsStatements).toEqual([
      { actions: ['kms:Decrypt'], resources: [JSON.stringify(keyArn)] },
      { actions: ['kms:GenerateDataKey'], resources: [JSON.stringify(keyArn)] },
    ]);
    const logGroup = api.resources[0].changeEventsFunction!.node.scope!.node.findChild('LogGroup') as any;
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn, LogGroupName: Match.absent() });
    expect(stack.resolve(logGroup.node.defaultChild.kmsKeyId)).toEqual(keyArn);
  });

  test('one bus per API, shared by its resources; a resource may turn events off or use its own bus', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const audit = new events.EventBus(stack, 'Audit');
    const api = new ServerlessCrudApi(stack, 'Shop', shop({
      resources: [
        { name: 'orders', ownerScoping: true },
        { name: 'products' },
        { name: 'sessions', changeEvents: ChangeEvents.none() },
        { name: 'payments', changeEvents: ChangeEvents.toEventBus(audit, { batchSize: 10 }) },
      ],
    }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 2); // the API's and the user's
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    expect(api.resource('orders').eventBus).toBe(api.eventBus);
    expect(api.resource('products').eventBus).toBe(api.eventBus);
    expect(api.resource('sessions').eventBus).toBeUndefined();
    expect(api.resource('payments').eventBus).toBe(audit);
    const sessions = api.resource('sessions').table.node.defaultChild as dynamodb.CfnGlobalTable;
    expect(stack.resolve(sessions.streamSpecification)).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [PUBLISHER_ENV.RESOURCE]: 'payments', [PUBLISHER_ENV.EVENT_BUS]: { 'Fn::GetAtt': [logicalId(stack, audit), 'Arn'] } }) },
    });
  });

  test('a resource may turn events on when the API leaves them off; the API bus is then created for it alone', () => {
    const { template, api } = synth({ resources: [{ name: 'a' }, { name: 'b', changeEvents: ChangeEvents.toEventBus() }] });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(api.resource('a').eventBus).toBeUndefined();
    expect(api.eventBus).toBe(api.resource('b').eventBus);
  });

  test('an explicit NEW_AND_OLD_IMAGES stream is accepted', () => {
    const { template } = synth({ changeEvents: ChangeEvents.toEventBus(), stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  test('an existing table with a NEW_AND_OLD_IMAGES stream is read; its key schema and stream are checked', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
    new ServerlessCrudApi(stack, 'Api', { existingTable: table, changeEvents: ChangeEvents.toEventBus() });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, table), 'StreamArn'] } });
  });
});

describe('the AsyncAPI document', () => {
  test('is written beside the OpenAPI file with a channel per resource with events, and is the string the API exposes', () => {
    const { app, api } = synth(shop());
    const assembly = app.synth();
    expect(api.asyncApiFileName).toBe(api.openApiFileName.replace(/openapi\.json$/, 'asyncapi.json'));
    const file = JSON.parse(fs.readFileSync(path.join(assembly.directory, api.asyncApiFileName), 'utf8'));
    expect(file.asyncapi).toBe('3.0.0');
    expect(Object.keys(file.channels).sort()).toEqual(['orders', 'products']);
    expect(file.channels.orders['x-eventbridge'].source).toBe('TestStack/Todos');
    expect(JSON.parse(api.asyncApiDocument!).channels.orders).toBeDefined();
  });

  test('is absent without change events', () => {
    const { app, api } = synth();
    const assembly = app.synth();
    expect(api.asyncApiDocument).toBeUndefined();
    expect(fs.existsSync(path.join(assembly.directory, api.asyncApiFileName))).toBe(false);
  });
});

describe('api.eventPattern()', () => {
  test('every resource with events, every type', () => {
    const { api } = synth(shop({ changeEventSource: 'com.example.shop' }));
    expect(api.eventPattern()).toEqual({
      source: ['com.example.shop'],
      detailType: ['orders.created', 'orders.updated', 'orders.deleted', 'products.created', 'products.updated', 'products.deleted'],
    });
  });

  test('resources, types and tenant narrow it; the default source is the construct path', () => {
    const { api } = synth(shop());
    expect(api.eventPattern({ resources: ['orders'], types: [ChangeEventType.DELETED, ChangeEventType.CREATED], tenant: 'user-1' })).toEqual({
      source: ['TestStack/Todos'],
      detailType: ['orders.created', 'orders.deleted'],
      detail: { tenant: ['user-1'] },
    });
  });

  test.each([
    ['no resource has events', {}, {}, /eventPattern: no resource has change events; turn them on/],
    ['an unknown resource', shop(), { resources: ['ordrs'] }, /'resources' names 'ordrs', which is not a resource of this API \('orders', 'products', 'sessions'\)/],
    ['a resource without events', shop(), { resources: ['sessions'] }, /'resources' names 'sessions', which has no change events/],
    ['tenant on a resource that is not owner-scoped', shop(), { tenant: 'u' }, /'tenant' matches the owner of owner-scoped items, but 'products' is not owner-scoped/],
    ['an unknown type', shop(), { types: ['moved' as ChangeEventType] }, /'types' contains 'moved', which is not a ChangeEventType/],
    ['empty resources', shop(), { resources: [] }, /'resources' is empty/],
  ])('%s is refused', (_name, props, options, message) => {
    const { api } = synth(props as ServerlessCrudApiProps);
    expect(() => api.eventPattern(options as any)).toThrow(message);
  });
});
