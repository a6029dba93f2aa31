import * as fs from 'fs';
import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ServerlessCrudApi } from '../../src';

/**
 * The README's "Hardened deployment" example, as a new user's stack. The lines between the markers are in the README
 * verbatim (a test checks it), so what the tests prove about this stack is what a reader copies.
 */
export class HardenedStack extends Stack {
  public readonly api: ServerlessCrudApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // README:begin
    // One customer-managed key: the tables, every log group and the alarm topic.
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true });

    // Private subnets only, no NAT: DynamoDB through a gateway endpoint (free), Secrets Manager (the list
    // function reads its cursor key there) through an interface endpoint.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      restrictDefaultSecurityGroup: false, // see the acknowledgement below
    });
    const secretsEndpoint = vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      open: false, // opened below to the list function only
    });
    // Flow logs to an encrypted log group, through a role whose policy is a managed one.
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [flowLogRole],
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [flowLogs.logGroupArn],
      })],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole.withoutPolicyUpdates()),
    });
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
      Validations.of(vpc).acknowledge({
        id: `${pack}-VPCDefaultSecurityGroupClosed`,
        reason: 'Nothing uses the default security group: the functions have their own. Closing it takes a ' +
          'custom-resource Lambda outside the VPC, which Control Tower CT.LAMBDA.PR.3 rejects.',
      });
    }

    const api = new ServerlessCrudApi(this, 'Records', {
      hardened: true,
      encryptionKey: key,
      vpc,
      reservedConcurrency: 10,
      alarmTopic: new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true }),
    });
    secretsEndpoint.connections.allowDefaultPortFrom(api.functions.list);
    // README:end
    this.api = api;
  }
}

/** The example's code as the README shows it. */
export function hardenedExampleSource(): string {
  const text = fs.readFileSync(__filename, 'utf8');
  const body = text.slice(text.indexOf('// README:begin\n') + '// README:begin\n'.length, text.indexOf('    // README:end'));
  return body.split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
}
