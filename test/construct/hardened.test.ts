import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { acknowledgements, controlTowerFindings, packFindings, stripAcknowledgements } from './compliance';
import { HardenedStack, hardenedExampleSource } from './hardened-example';
import { synth } from './util';
import { ApiAuthorization, HandlerMode, Operation, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README example in a fresh app, account-agnostic (a customer-managed table key needs the region). */
function example() {
  const app = new App();
  const stack = new HardenedStack(app, 'Hardened', { env: { region: 'eu-west-1' } });
  return { app, stack, api: stack.api, template: Template.fromStack(stack) };
}

/** The rule ids of findings, each once. */
const rules = (findings: string[]) => [...new Set(findings.map((f) => f.split(' @ ')[0]))].sort();

/** What the hardened configuration acknowledges, and why: the README's table. */
const ACKNOWLEDGED_ALWAYS = [
  'AwsSolutions-IAM5[Resource::*]: xray:PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; EC2 network-interface actions Lambda needs in a VPC do not support resource-level permissions',
  'HIPAA.Security-LambdaDLQ: Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.',
  'HIPAA.Security-VPCDefaultSecurityGroupClosed: Nothing uses the default security group: the functions have their own. Closing it takes a custom-resource Lambda outside the VPC, which Control Tower CT.LAMBDA.PR.3 rejects.',
  'NIST.800.53.R5-LambdaDLQ: Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.',
  'NIST.800.53.R5-VPCDefaultSecurityGroupClosed: Nothing uses the default security group: the functions have their own. Closing it takes a custom-resource Lambda outside the VPC, which Control Tower CT.LAMBDA.PR.3 rejects.',
  'PCI.DSS.321-VPCDefaultSecurityGroupClosed: Nothing uses the default security group: the functions have their own. Closing it takes a custom-resource Lambda outside the VPC, which Control Tower CT.LAMBDA.PR.3 rejects.',
  'Serverless-LambdaDLQ: Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.',
];
/** With the list cursor key (a Secrets Manager secret), its rotation rule in each pack that has one, for one reason. */
const CURSOR_KEY_ROTATION = ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled', 'NIST.800.53.R5-SecretsManagerRotationEnabled'];

function acknowledged(api: ServerlessCrudApi): string[] {
  if (!api.cursorKey) return ACKNOWLEDGED_ALWAYS; // created with LIST
  const reason = api.cursorKey.node.metadata.find((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)!.data['annotation::AwsSolutions-SMG4'];
  return [...ACKNOWLEDGED_ALWAYS, ...CURSOR_KEY_ROTATION.map((id) => `${id}: ${reason}`)].sort();
}

/** The Control Tower controls the issue names; the default fails the first five of them. */
const REQUIRED_CONTROLS = ['CT.CLOUDWATCH.PR.1', 'CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3', 'CT.CLOUDWATCH.PR.4', 'CT.LAMBDA.PR.3', 'CT.DYNAMODB.PR.2'];

describe('hardened deployment: the README example', () => {
  test('is in the README verbatim', () => {
    expect(README).toContain(hardenedExampleSource());
  });

  test('passes AwsSolutions, Serverless, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 with zero unacknowledged findings', () => {
    expect(packFindings(example().stack)).toEqual([]);
  });

  test('acknowledges exactly the rules in the README table, each with its reason', () => {
    const { stack, api } = example();
    const acks = acknowledgements(stack);
    expect(acks).toEqual(acknowledged(api));
    const rows = README.split('\n').filter((l) => l.startsWith('| `'));
    for (const ack of acks) {
      const [id, reason] = ack.split(': ');
      // The README table groups a rule with its equivalents in the other packs, on one row with the reason.
      expect(rows.filter((r) => r.includes(`\`${id}\``) && r.includes(reason.slice(0, 40)))).toHaveLength(1);
    }
  });

  test('with the acknowledgements stripped, exactly the acknowledged rules fire', () => {
    const { stack, api } = example();
    const expected = rules(acknowledged(api).map((a) => a.split(': ')[0]));
    stripAcknowledgements(stack);
    expect(rules(packFindings(stack))).toEqual(expected);
  });

  test('passes the Control Tower proactive controls; the only one failing is CT.LAMBDA.PR.2, which the default fails too', () => {
    const failed = rules(controlTowerFindings(example().stack));
    expect(failed).toEqual(['CT.LAMBDA.PR.2']);
    const defaultFailed = rules(controlTowerFindings(synth().stack));
    expect(defaultFailed).toEqual(['CT.CLOUDWATCH.PR.1', 'CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3', 'CT.LAMBDA.PR.2', 'CT.LAMBDA.PR.3']);
    for (const id of REQUIRED_CONTROLS) expect(failed).not.toContain(id);
  });

  test('on synth, the validator registered as the README shows it passes; with CT.LAMBDA.PR.2 enabled, only that fails', () => {
    const synthWith = (validator: CfnGuardValidator) => {
      // Report to the JSON file only: a failing plugin would otherwise set the process exit code.
      const app = new App({ context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
      new HardenedStack(app, 'Hardened', { env: { region: 'eu-west-1' } });
      Validations.of(app).addPlugins(validator);
      const assembly = app.synth();
      // The report lists only plugins that failed or found something.
      return JSON.parse(fs.readFileSync(path.join(assembly.directory, 'policy-validation-report.json'), 'utf8')).pluginReports as any[];
    };
    expect(synthWith(new CfnGuardValidator({ disabledRules: ['ct-lambda-pr-2'] }))).toEqual([]);
    const all = synthWith(new CfnGuardValidator());
    expect(all.map((r) => r.summary.status)).toEqual(['failure']);
    expect([...new Set(all[0].violations.map((v: any) => v.ruleName))]).toEqual(['lambda_function_public_access_prohibited_check']);
  });

  test('CT.DYNAMODB.PR.2 reports on AWS::DynamoDB::Table only; the tables (AWS::DynamoDB::GlobalTable) meet it: KMS with the key', () => {
    const { template } = example();
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const t of Object.values(tables)) {
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      for (const r of t.Properties.Replicas) {
        expect(r.SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } });
      }
    }
  });
});

describe('hardened holds across configurations', () => {
  /** The example's surroundings (key, VPC with endpoints and flow logs, topic) around a construct configured by `props`. */
  function stackWith(props: (stack: Stack) => ServerlessCrudApiProps) {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      restrictDefaultSecurityGroup: false,
    });
    // As in the README example, so that the VPC adds no findings of its own.
    const flowLogs = new logs.LogGroup(stack, 'FlowLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
    const flowLogRole = new iam.Role(stack, 'FlowLogRole', { assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com') });
    new iam.ManagedPolicy(stack, 'FlowLogPolicy', {
      roles: [flowLogRole],
      statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [flowLogs.logGroupArn] })],
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole.withoutPolicyUpdates()) });
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
      Validations.of(vpc).acknowledge({ id: `${pack}-VPCDefaultSecurityGroupClosed`, reason: 'as in the README example' });
    }
    new ServerlessCrudApi(stack, 'Api', {
      hardened: true,
      encryptionKey: key,
      vpc,
      reservedConcurrency: 2,
      alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true }),
      ...props(stack),
    });
    return stack;
  }

  test.each<[string, (stack: Stack) => ServerlessCrudApiProps]>([
    ['one function for all operations', () => ({ handlerMode: HandlerMode.SINGLE })],
    ['JWT, owner scoping, an index, a dashboard', () => ({
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] }),
      ownerScoping: true,
      indexes: [{ partitionKey: 'status' }],
      dashboard: true,
    })],
    ['read-only: no idempotency table, no cursor key', () => ({ operations: [Operation.READ] })],
    ['an existing table encrypted with the key', (stack) => ({
      existingTable: new dynamodb.TableV2(stack, 'Existing', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(kms.Key.fromKeyArn(stack, 'ExistingKey', 'arn:aws:kms:eu-west-1:123456789012:key/x')),
      }),
    })],
    ['provisioned concurrency and a longer retention', () => ({ provisionedConcurrency: 1, functionLogRetention: logs.RetentionDays.TWO_YEARS })],
    ['three resources, one public and one owner-scoped, one function each', () => ({
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] }),
      handlerMode: HandlerMode.PER_RESOURCE,
      resources: [
        { name: 'products', operations: [Operation.READ, Operation.LIST], authorization: ApiAuthorization.none() },
        { name: 'orders', ownerScoping: true, indexes: [{ partitionKey: 'status' }] },
        { name: 'customers', memorySize: 512 },
      ],
    })],
  ])('%s: all five packs clean, the required Control Tower controls pass', (_name, props) => {
    const stack = stackWith(props);
    expect(packFindings(stack)).toEqual([]);
    const failed = rules(controlTowerFindings(stack));
    for (const id of [...REQUIRED_CONTROLS, 'CT.KMS.PR.3']) expect(failed).not.toContain(id);
  });
});

describe('hardened deployment: what each piece does', () => {
  test('every log group is encrypted with the key and kept a year; the key policy lets CloudWatch Logs use it', () => {
    const { template } = example();
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(7); // five functions, the access logs, the example's flow logs
    for (const g of groups) {
      expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
      expect(g.Properties.RetentionInDays).toBe(365);
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        })]),
      },
    });
  });

  test('the key policy limits grants to AWS services (CT.KMS.PR.3) and lets CloudWatch publish to the encrypted topic', () => {
    const { template } = example();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          }),
        ]),
      },
    });
  });

  test('every alarm notifies the topic on ALARM, OK and INSUFFICIENT_DATA', () => {
    const { template } = example();
    const topic = { Ref: expect.stringMatching(/^Alarms/) };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) {
      expect(a.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic], InsufficientDataActions: [topic] });
    }
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: [Match.anyValue()], OKActions: [Match.anyValue()], InsufficientDataActions: [Match.anyValue()],
    });
  });

  test('each function has reserved concurrency and runs in the VPC; no inline policies anywhere', () => {
    const { template } = example();
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(5);
    for (const f of Object.values(fns)) {
      expect(f.Properties.ReservedConcurrentExecutions).toBe(10);
      expect(f.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    }
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 6); // one per function role, and the example's flow-log policy
  });

  test('the managed policies hold exactly the statements the inline policies hold without hardened', () => {
    const build = (isHardened: boolean) => {
      const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
      const api = new ServerlessCrudApi(stack, 'Api', {
        hardened: isHardened, vpc, encryptionKey: new kms.Key(stack, 'Key'), reservedConcurrency: 2, alarmTopic: new sns.Topic(stack, 'T'),
      });
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
      const byRole: Record<string, unknown> = {};
      for (const fn of api.handlerFunctions) {
        const roleId = stack.getLogicalId(fn.role!.node.defaultChild as any);
        const docs = Object.values(resources)
          .filter((r) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) && r.Properties.Roles.some((x: any) => x.Ref === roleId))
          .map((r) => r.Properties.PolicyDocument.Statement);
        expect(docs).toHaveLength(1);
        byRole[fn.node.scope!.node.id] = docs[0];
      }
      return { byRole, types: Object.values(resources).map((r) => r.Type) };
    };
    const inline = build(false);
    const managed = build(true);
    expect(managed.byRole).toEqual(inline.byRole);
    expect(inline.types).toContain('AWS::IAM::Policy');
    expect(managed.types).not.toContain('AWS::IAM::Policy');
  });

  test('the functions depend on their managed policy, as they do on an inline one', () => {
    const { stack, api, template } = example();
    const fn = api.handlerFunctions[0];
    const policy = (fn.role!.node.findChild('Policy').node.defaultChild as any);
    expect(template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as any)].DependsOn).toContain(stack.getLogicalId(policy));
  });
});

describe('encryptionKey without hardened', () => {
  test('encrypts the tables and the log groups; the rest stays the default', () => {
    const s = synth({}, (stack) => ({ encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) }));
    for (const g of Object.values(s.template.findResources('AWS::Logs::LogGroup'))) {
      expect(g.Properties.KmsKeyId).toBeDefined();
      expect(g.Properties.RetentionInDays).toBe(30);
    }
    for (const t of Object.values(s.template.findResources('AWS::DynamoDB::GlobalTable'))) {
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    }
    s.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(s.api.encryptionKey).toBeDefined();
    expect(packFindings(s.stack, ['AwsSolutions', 'Serverless'])).toEqual([]);
  });

  test('the cursor key secret is encrypted with the key, which the list function may use through Secrets Manager only', () => {
    const s = synth({}, (stack) => ({ encryptionKey: new kms.Key(stack, 'Key') }));
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    const listRole = s.stack.getLogicalId(s.api.functions.list.role!.node.defaultChild as any);
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: listRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } } },
        }]),
      },
    });
    const readRole = s.stack.getLogicalId(s.api.functions.read.role!.node.defaultChild as any);
    const readStatements = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === readRole)).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(readStatements.filter((st: any) => st.Condition?.StringEquals?.['kms:ViaService'])).toEqual([]);
  });

  test('an imported key gets a warning: its policy must already let CloudWatch Logs use it', () => {
    const s = synth({}, (stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abc') }));
    Annotations.fromStack(s.stack).hasWarning('/TestStack/Todos', Match.stringLikeRegexp("'encryptionKey' is imported"));
  });

  test('with an existing table, the idempotency table uses the key and the create function may use it', () => {
    const s = synth({}, (stack) => ({
      existingTable: new dynamodb.TableV2(stack, 'Existing', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
      encryptionKey: new kms.Key(stack, 'Key'),
    }));
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    const createRole = s.stack.getLogicalId(s.api.functions.create.role!.node.defaultChild as any);
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: createRole }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey']) })]) },
    });
  });

  test('the default one-liner is unchanged: no key, no managed policies, one month of logs', () => {
    const s = synth();
    expect(s.api.encryptionKey).toBeUndefined();
    s.template.resourceCountIs('AWS::KMS::Key', 0);
    s.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const g of Object.values(s.template.findResources('AWS::Logs::LogGroup'))) {
      expect(g.Properties.KmsKeyId).toBeUndefined();
      expect(g.Properties.RetentionInDays).toBe(30);
    }
  });
});

// One rule per row: [what is wrong, props, the message must match].
const RULES: [string, (stack: Stack) => ServerlessCrudApiProps, RegExp][] = [
  ['encryption and encryptionKey both set', (stack) => ({
    encryption: dynamodb.TableEncryptionV2.awsManagedKey(), encryptionKey: new kms.Key(stack, 'K'),
  }), /'encryption' and 'encryptionKey' are both set: encryptionKey already encrypts the tables .*; remove encryption/],
  ['hardened without encryptionKey', (stack) => ({ ...hardened(stack), encryptionKey: undefined }), /'hardened' needs 'encryptionKey' \(a customer-managed KMS key/],
  ['hardened without vpc', (stack) => ({ ...hardened(stack), vpc: undefined }), /'hardened' needs 'vpc' \(the functions run in it/],
  ['hardened without reservedConcurrency', (stack) => ({ ...hardened(stack), reservedConcurrency: undefined }), /'hardened' needs 'reservedConcurrency'/],
  ['hardened without alarmTopic', (stack) => ({ ...hardened(stack), alarmTopic: undefined }), /'hardened' needs 'alarmTopic'/],
  ['hardened with alarms off', (stack) => ({ ...hardened(stack), alarmTopic: undefined, alarms: false }), /'hardened' needs the alarms, but 'alarms' is false/],
  ['hardened with function logs kept under a year', (stack) => ({ ...hardened(stack), functionLogRetention: logs.RetentionDays.SIX_MONTHS }),
    /'functionLogRetention' is 180 days, but 'hardened' keeps logs at least a year \(Control Tower CT.CLOUDWATCH.PR.2\)/],
  ['hardened with access logs kept under a year', (stack) => ({ ...hardened(stack), accessLogRetention: logs.RetentionDays.ONE_WEEK }),
    /'accessLogRetention' is 7 days, but 'hardened' keeps logs at least a year/],
];

function hardened(stack: Stack): ServerlessCrudApiProps {
  return {
    hardened: true,
    encryptionKey: new kms.Key(stack, 'Key'),
    vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }),
    reservedConcurrency: 5,
    alarmTopic: new sns.Topic(stack, 'Topic'),
  };
}

describe('hardened and encryptionKey: invalid combinations throw, naming the props and the fix', () => {
  test.each(RULES)('%s', (_name, props, message) => {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    expect(() => new ServerlessCrudApi(stack, 'Api', props(stack))).toThrow(message);
  });

  test('encryptionKey in a region-agnostic stack', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ServerlessCrudApi(stack, 'Api', { encryptionKey: new kms.Key(stack, 'K') }))
      .toThrow(/'encryptionKey' encrypts the tables with a customer-managed key, which needs a stack with a concrete region; set env/);
  });

  test('a retention of a year or more, or never expiring, is accepted with hardened', () => {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    expect(() => new ServerlessCrudApi(stack, 'Api', {
      ...hardened(stack), functionLogRetention: logs.RetentionDays.INFINITE, accessLogRetention: logs.RetentionDays.TWO_YEARS,
    })).not.toThrow();
  });
});
