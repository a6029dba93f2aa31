import { Duration, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagFindings, synth } from './util';
import { ApiAuthorization, HandlerMode } from '../../src';

/** Every acknowledgement the construct makes, with its reason: the list a reviewer has to agree with. */
function acknowledgements(s: ReturnType<typeof synth>): string[] {
  return s.stack.node.findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data))
    // aws-cdk-lib records plain rule ids as 'annotation::<id>'; cdk-nag strips that prefix when it reads them.
    .flatMap((d: any) => Object.entries(d).map(([id, reason]) => `${id.replace(/^annotation::/i, '')}: ${reason}`));
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  test('the one-liner has zero unacknowledged findings', () => {
    expect(nagFindings(synth())).toEqual([]);
  });

  test('a fully-loaded configuration has zero unacknowledged findings', () => {
    const s = synth({
      resourceName: 'todos',
      handlerMode: HandlerMode.PER_OPERATION,
      indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }],
      schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      ownerScoping: true,
      cors: { allowOrigins: ['https://app.example.com'] },
      throttle: { rateLimit: 20, burstLimit: 40 },
      provisionedConcurrency: 1,
      reservedConcurrency: 10,
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      deletionProtection: true,
      dashboard: true,
      alarmThresholds: { apiLatencyP99: Duration.millis(500) },
    }, (stack) => {
      const pool = new cognito.UserPool(stack, 'Pool', {
        passwordPolicy: { minLength: 12, requireSymbols: true, requireDigits: true, requireLowercase: true, requireUppercase: true },
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        featurePlan: cognito.FeaturePlan.PLUS,
        standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      vpc.addGatewayEndpoint('Ddb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
      new ec2.FlowLog(stack, 'FlowLog', { resourceType: ec2.FlowLogResourceType.fromVpc(vpc) });
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      return {
        authorization: ApiAuthorization.cognito({ userPool: pool, userPoolClients: [pool.addClient('Web')] }),
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(key),
        vpc,
        alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: key }),
        customDomain: {
          domainName: apigwv2.DomainName.fromDomainNameAttributes(stack, 'Domain', { name: 'api.example.com', regionalDomainName: 'd-1.execute-api.eu-west-1.amazonaws.com', regionalHostedZoneId: 'Z1' }),
        },
      };
    });
    expect(nagFindings(s)).toEqual([]);
    // What it acknowledges, and why — nothing else.
    expect([...new Set(acknowledgements(s))].sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]: xray:PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; EC2 network-interface actions Lambda needs in a VPC do not support resource-level permissions',
      'AwsSolutions-SMG4: The cursor key only authenticates pagination cursors (valid 24 h); rotate it on your own schedule with put-secret-value '
        + '(README): the previous version stays accepted, so no scheduled rotation function is needed.',
      'Serverless-LambdaDLQ: Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.',
    ]);
  });

  test('none() authorization is acknowledged by the construct with the configured reason, and only then', () => {
    const none = synth({ authorization: ApiAuthorization.none() });
    expect(nagFindings(none)).toEqual([]);
    expect(acknowledgements(none)).toContain("AwsSolutions-APIG4: authorization of resource 'items' disabled by configuration");
    expect(acknowledgements(synth()).filter((a) => a.startsWith('AwsSolutions-APIG4'))).toEqual([]);
  });

  test('with none() and the acknowledgements stripped, APIG4 is reported: the acknowledgement is load-bearing', () => {
    const none = synth({ authorization: ApiAuthorization.none() });
    for (const c of none.api.httpApi.node.findAll()) {
      const md = ((c.node as any)._metadata ?? []) as any[];
      md.splice(0, md.length, ...md.filter((m) => m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    }
    expect(nagFindings(none).filter((f) => f.startsWith('AwsSolutions-APIG4'))).not.toEqual([]);
  });

  test('the acknowledgements are needed: without them the packs do report those rules', () => {
    // Strip the construct's acknowledgements and run the packs again.
    const s = synth();
    for (const c of s.stack.node.findAll()) {
      const md = ((c.node as any)._metadata ?? []) as any[]; // node.metadata is a copy
      for (let i = md.length - 1; i >= 0; i--) if (md[i].type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) md.splice(i, 1);
    }
    const rules = new Set(nagFindings(s).map((f) => f.split(' @ ')[0]));
    expect([...rules].sort()).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SMG4', 'Serverless-LambdaDLQ']);
  });
});
