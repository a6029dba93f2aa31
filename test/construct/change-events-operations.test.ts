import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledgements, controlTowerFindings, packFindings, stripAcknowledgements } from './compliance';
import { logicalId, nagFindings, synth } from './util';
import { ApiAuthorization, ChangeEvents, ChangeEventType, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';
import { CHANGE_EVENT_METRIC_NAMES } from '../../src/shared/change-events';
import { LOCAL_MANIFEST_METADATA_TYPE, LOCAL_MANIFEST_VERSION, LocalManifest } from '../../src/shared/local-manifest';
import { METRICS_NAMESPACE } from '../../src/shared/metrics';

const jwt = () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] });

/** An API with change events and one subscriber function, in a fresh stack. */
function withSubscriber(props: ServerlessCrudApiProps = {}, subscribe?: (api: ServerlessCrudApi, fn: lambda.Function, stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new ServerlessCrudApi(stack, 'Shop', {
    authorization: jwt(),
    changeEvents: ChangeEvents.toEventBus(),
    dashboard: true,
    resources: [{ name: 'orders', ownerScoping: true }, { name: 'products' }],
    ...props,
  });
  const fn = new lambda.Function(stack, 'SendConfirmation', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  (subscribe ?? ((a, f) => a.addSubscriber('Confirmations', new targets.LambdaFunction(f), { resources: ['orders'], types: [ChangeEventType.CREATED] })))(api, fn, stack);
  return { app, stack, api, fn, template: Template.fromStack(stack) };
}

describe('api.addSubscriber()', () => {
  test('a rule on the API bus with the pattern, and the target with the retry policy and the dead-letter queue', () => {
    const { template, stack, api, fn } = withSubscriber();
    const queue = Object.entries(template.findResources('AWS::SQS::Queue'));
    expect(queue).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(stack, api.eventBus!) },
      EventPattern: { 'source': ['S/Shop'], 'detail-type': ['orders.created'] },
      Targets: [{
        Arn: { 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] },
        Id: Match.anyValue(),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue[0][0], 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      }],
    });
    // EventBridge may send to the queue for this rule only; the function may be invoked by this rule only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('SubscribersConfirmationsRule'), 'Arn'] } } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SubscribersConfirmationsRule'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  test('retries, event age and a queue of your own', () => {
    const { template, stack } = withSubscriber({}, (api, fn, st) => {
      const dlq = new sqs.Queue(st, 'MyDlq', { enforceSSL: true });
      api.addSubscriber('Index', new targets.LambdaFunction(fn), { deadLetterQueue: dlq, retryAttempts: 3, maxEventAge: Duration.hours(1) });
    });
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['S/Shop'], 'detail-type': Match.arrayWith(['orders.created', 'products.deleted']) },
      Targets: [Match.objectLike({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.node.findChild('MyDlq') as any), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      })],
    });
  });

  test('alarms on failed deliveries, dead-lettered and lost events, in the composite alarm and on the dashboard', () => {
    const { template, stack, api } = withSubscriber();
    const rule = logicalId(stack, api.node.findChild('Subscribers').node.findChild('Confirmations').node.findChild('Rule') as any);
    const dims = [{ Name: 'EventBusName', Value: { Ref: logicalId(stack, api.eventBus!) } }, { Name: 'RuleName', Value: { Ref: rule } }];
    for (const metricName of ['FailedInvocations', 'InvocationsFailedToBeSentToDlq']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Events', MetricName: metricName, Dimensions: dims, Statistic: 'Sum', Threshold: 1 });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const subscriberAlarms = api.alarms.filter((a) => a.node.path.includes('/Subscribers/'));
    expect(subscriberAlarms.map((a) => a.node.id).sort()).toEqual(['DeadLetterFailuresAlarm', 'DeadLetterQueueAlarm', 'FailedInvocationsAlarm']);
    const composite = JSON.stringify(stack.resolve((api.unhealthyAlarm!.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmRule));
    for (const a of subscriberAlarms) expect(composite).toContain(logicalId(stack, a));
    const body = JSON.stringify(stack.resolve((api.dashboard!.node.defaultChild as cloudwatch.CfnDashboard).dashboardBody));
    expect(body).toContain('Subscriber Confirmations: deliveries');
  });

  test('with alarmTopic, the subscriber\'s alarms notify it on ALARM, OK and INSUFFICIENT_DATA like every other alarm', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const topic = new sns.Topic(stack, 'T');
    const api = new ServerlessCrudApi(stack, 'Api', { changeEvents: ChangeEvents.toEventBus(), alarmTopic: topic });
    api.addSubscriber('Audit', new targets.SqsQueue(new sqs.Queue(stack, 'Q', { enforceSSL: true })));
    const alarm = api.alarms.find((a) => a.node.id === 'DeadLetterQueueAlarm')!.node.defaultChild as cloudwatch.CfnAlarm;
    for (const actions of [alarm.alarmActions, alarm.okActions, alarm.insufficientDataActions]) {
      expect(stack.resolve(actions)).toEqual([{ Ref: logicalId(stack, topic) }]);
    }
  });

  test.each([
    ['a target with its own dead-letter queue', (api: ServerlessCrudApi, fn: lambda.Function, st: Stack) =>
      api.addSubscriber('X', new targets.LambdaFunction(fn, { deadLetterQueue: new sqs.Queue(st, 'Q') })),
    /addSubscriber\('X'\): the target has its own deadLetterQueue\/retryAttempts\/maxEventAge; set them in addSubscriber's options instead/],
    ['retryAttempts above EventBridge\'s most', (api: ServerlessCrudApi, fn: lambda.Function) =>
      api.addSubscriber('X', new targets.LambdaFunction(fn), { retryAttempts: 200 }), /'retryAttempts' must be an integer from 0 to 185 \(got 200\)/],
    ['maxEventAge over a day', (api: ServerlessCrudApi, fn: lambda.Function) =>
      api.addSubscriber('X', new targets.LambdaFunction(fn), { maxEventAge: Duration.days(2) }), /'maxEventAge' must be between 1 minute and 24 hours/],
  ])('%s is refused', (_name, subscribe, message) => {
    expect(() => withSubscriber({}, subscribe)).toThrow(message);
  });

  test('resources on different buses need one subscriber each', () => {
    expect(() => withSubscriber({
      resources: [{ name: 'orders' }, { name: 'products', changeEvents: ChangeEvents.toEventBus(events.EventBus.fromEventBusName(new Stack(), 'B', 'other')) }],
      authorization: undefined,
    }, (api, fn) => api.addSubscriber('All', new targets.LambdaFunction(fn)))).toThrow(
      /addSubscriber\('All'\): the resources selected \('orders', 'products'\) publish on 2 different buses, and a rule listens on one; add one subscriber per bus/);
  });
});

describe('alarms and dashboard of a publisher', () => {
  test('errors, iterator age, records to the failure bucket, records lost — on the resource', () => {
    const { template, stack, api } = withSubscriber({}, () => undefined);
    const orders = api.resource('orders');
    const fn = { Ref: logicalId(stack, orders.changeEventsFunction!) };
    const mapping = logicalId(stack, orders.changeEventsFunction!.node.scope!.node.findChild('StreamMapping') as any);
    const alarm = (id: string) => template.toJSON().Resources[logicalId(stack, orders.node.findChild('Alarms').node.findChild(id) as any)].Properties;
    expect(alarm('ChangeEventsErrors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: fn }], Threshold: 1 });
    expect(alarm('ChangeEventsIteratorAge')).toMatchObject({ MetricName: 'IteratorAge', Statistic: 'Maximum', Period: 60, Threshold: 300000, Dimensions: [{ Name: 'FunctionName', Value: fn }] });
    expect(alarm('ChangeEventsFailureBucket')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'OnFailureDestinationDeliveredEventCount',
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: mapping } }],
    });
    expect(alarm('ChangeEventsLost')).toMatchObject({ MetricName: 'DestinationDeliveryFailures', Dimensions: [{ Name: 'FunctionName', Value: fn }], Threshold: 1 });
    // Records given up in an invocation: the publisher's own metric (its batch log line), by API path and resource.
    expect(alarm('ChangeEventsFailed')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: CHANGE_EVENT_METRIC_NAMES.FAILED,
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: expect.arrayContaining([{ Name: 'Api', Value: api.node.path }, { Name: 'Resource', Value: 'orders' }]),
    });
    const body = JSON.stringify(stack.resolve((api.dashboard!.node.defaultChild as cloudwatch.CfnDashboard).dashboardBody));
    expect(body).toContain('orders: Change events: stream lag (ms)');
    expect(body).toContain('products: Change events: records to the failure bucket, lost');
  });

  test('alarms: false creates none of them', () => {
    const { template } = withSubscriber({ alarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});

/** The one wildcard of each publisher's role besides X-Ray's: the objects of its own failure bucket. */
const bucketObjectRules = (s: ReturnType<typeof withSubscriber>) => ['orders', 'products']
  .map((r) => `AwsSolutions-IAM5[Resource::<${logicalId(s.stack, s.api.resource(r).changeEventsFailureBucket!)}.Arn>/*]`);

describe('compliance', () => {
  test('AwsSolutions and Serverless: no finding with events and a subscriber; each acknowledgement carries its reason', () => {
    const s = withSubscriber();
    expect(packFindings(s.stack, ['AwsSolutions', 'Serverless']).filter((f) => !f.includes('/SendConfirmation/'))).toEqual([]);
    const acks = acknowledgements(s.stack).filter((a) => /ChangeEvents|SQS|S1/.test(a) || a.includes('stream event source mapping'));
    expect(acks.map((a) => a.split(': ')[0]).sort()).toEqual([
      ...bucketObjectRules(s),
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const a of acks) expect(a.split(': ')[1].length).toBeGreaterThan(40);
  });

  test('the one-resource form is clean too (util.nagFindings)', () => {
    expect(nagFindings(synth({ changeEvents: ChangeEvents.toEventBus() }))).toEqual([]);
  });

  test('without the acknowledgements, exactly the acknowledged rules fire', () => {
    const s = withSubscriber();
    stripAcknowledgements(s.stack);
    const rules = [...new Set(packFindings(s.stack, ['AwsSolutions', 'Serverless']).filter((f) => !f.includes('/SendConfirmation/')).map((f) => f.split(' @ ')[0]))].sort();
    expect(rules).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      ...bucketObjectRules(s),
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-SQSRedrivePolicy',
    ]);
  });

  test('hardened: all five packs clean; the bus, the bucket and the dead-letter queue use the key; the publisher is in the VPC', () => {
    const app = new App();
    const stack = new Stack(app, 'H', { env: { region: 'eu-west-1', account: '123456789012' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], restrictDefaultSecurityGroup: false,
    });
    const api = new ServerlessCrudApi(stack, 'Records', {
      hardened: true,
      encryptionKey: key,
      vpc,
      reservedConcurrency: 10,
      alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true }),
      changeEvents: ChangeEvents.toEventBus(),
    });
    const fn = new lambda.Function(stack, 'Sub', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}') });
    api.addSubscriber('Audit', new targets.LambdaFunction(fn));
    expect(packFindings(stack).filter((f) => f.includes('/Records/'))).toEqual([]);
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] };
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: keyArn });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CRUD_EVENTS_RESOURCE: 'items' }) },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      ReservedConcurrentExecutions: 10,
    });
    // The publisher's statements are in a managed policy (IAMNoInlinePolicy), the key lets EventBridge use the queue.
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'events:PutEvents' })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
    // The alarms notify the topic, the subscriber's included.
    const subscriberAlarm = api.alarms.find((a) => a.node.id === 'FailedInvocationsAlarm')!;
    expect(stack.resolve((subscriberAlarm.node.defaultChild as cloudwatch.CfnAlarm).alarmActions)).toHaveLength(1);
    expect(acknowledgements(stack).filter((a) => a.startsWith('NIST.800.53.R5-S3'))).toHaveLength(2);
  });
});

describe('Control Tower proactive controls, hardened with change events', () => {
  test('only CT.LAMBDA.PR.2 (as without events) and CT.S3.PR.2 (the failure bucket\'s access logs) fail', () => {
    const app = new App();
    const stack = new Stack(app, 'H', { env: { region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], restrictDefaultSecurityGroup: false,
    });
    const api = new ServerlessCrudApi(stack, 'Records', {
      hardened: true,
      encryptionKey: key,
      vpc,
      reservedConcurrency: 10,
      alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true }),
      changeEvents: ChangeEvents.toEventBus(),
    });
    const bucket = logicalId(stack, api.resources[0].changeEventsFailureBucket!);
    const findings = controlTowerFindings(stack);
    expect([...new Set(findings.map((f) => f.split(' @ ')[0]))].sort()).toEqual(['CT.LAMBDA.PR.2', 'CT.S3.PR.2']);
    expect(findings.filter((f) => f.startsWith('CT.S3.'))).toEqual([`CT.S3.PR.2 @ ${bucket}`]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        })],
      },
    });
  });
});

describe('local manifest', () => {
  test(`version ${LOCAL_MANIFEST_VERSION}: each resource with events says its source, bus and publisher`, () => {
    const { stack, api } = withSubscriber({ resources: [{ name: 'orders', ownerScoping: true }, { name: 'products', changeEvents: ChangeEvents.none() }] }, () => undefined);
    const manifest = stack.resolve(api.node.metadata.find((m) => m.type === LOCAL_MANIFEST_METADATA_TYPE)!.data) as LocalManifest;
    expect(LOCAL_MANIFEST_VERSION).toBe(5);
    expect(manifest.version).toBe(5);
    expect(manifest.resources[0].changeEvents).toEqual({
      source: 'S/Shop',
      bus: { Ref: logicalId(stack, api.eventBus!) },
      publisherLogicalId: logicalId(stack, api.resource('orders').changeEventsFunction!),
    });
    expect(manifest.resources[1].changeEvents).toBeUndefined();
  });

  test('the bus of a rule and of the manifest are the same value, so the runner can match them', () => {
    const { stack, api, template } = withSubscriber();
    const manifest = stack.resolve(api.node.metadata.find((m) => m.type === LOCAL_MANIFEST_METADATA_TYPE)!.data) as LocalManifest;
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0] as any;
    expect(rule.Properties.EventBusName).toEqual(manifest.resources[0].changeEvents!.bus);
  });
});

describe('deploy limits', () => {
  test('run over the publishers too: an environment over 4 KB fails synth naming the publisher', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    // The CRUD functions fit (~250 bytes of CRUD_* besides BIG); the publisher, with a 256-character source and the
    // bus ARN, does not.
    new ServerlessCrudApi(stack, 'Api', { changeEvents: ChangeEvents.toEventBus(), changeEventSource: 's'.repeat(256), environment: { BIG: 'x'.repeat(3750) } });
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/function 'S\/Api\/DefaultResource\/ChangeEvents\/Resource' has an environment of up to [\d,]+ bytes once deployed \(4 variables: BIG, CRUD_EVENTS_RESOURCE, CRUD_EVENT_BUS, CRUD_EVENT_SOURCE/);
    expect(message).not.toMatch(/Function\/Resource' has an environment/);
  });

  test('a normal API with events synthesizes (the validation runs and passes)', () => {
    const { app } = withSubscriber();
    expect(() => app.synth()).not.toThrow();
  });
});
