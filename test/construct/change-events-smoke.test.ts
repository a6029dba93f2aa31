import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { packFindings } from './compliance';
import { ChangeEvents, ServerlessCrudApi } from '../../src';

test('smoke hardened', () => {
  const app = new App();
  const stack = new Stack(app, 'H', { env: { region: 'eu-west-1', account: '123456789012' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], restrictDefaultSecurityGroup: false });
  const api = new ServerlessCrudApi(stack, 'Records', {
    hardened: true, encryptionKey: key, vpc, reservedConcurrency: 10,
    alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true }),
    changeEvents: ChangeEvents.toEventBus(),
  });
  const fn = new lambda.Function(stack, 'Sub', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}') });
  api.addSubscriber('Audit', new targets.LambdaFunction(fn));
  const f = packFindings(stack).filter((x) => x.includes('/Records/'));
  console.log(f.join('\n'));
});
