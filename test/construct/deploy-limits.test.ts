import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { environmentSize, LAMBDA_ENVIRONMENT_LIMIT_BYTES, MANAGED_POLICY_LIMIT_CHARS, policySize } from '../../src/construct/deploy-limits';
import { FunctionRole } from '../../src/construct/hardening';
import { ResolvedLengths } from '../../src/construct/resolved-lengths';
import { HandlerMode, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src/index';

/*
 * What deploy would refuse, caught at synth (src/construct/deploy-limits.ts), measured at the longest each deploy-time value
 * can resolve to (src/construct/resolved-lengths.ts). The large API is the one the issue measured: 20 resources with two
 * indexes each, in HandlerMode.SINGLE.
 */
const TWENTY = Array.from({ length: 20 }, (_, i) => ({
  name: `entity${i}`,
  indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }, { partitionKey: 'category' }],
}));

function build(props: ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps), stackName = 'OrdersServiceProd') {
  const app = new App();
  const stack = new Stack(app, stackName, { env: { region: 'eu-west-1' } });
  const api = new ServerlessCrudApi(stack, 'Api', typeof props === 'function' ? props(stack) : props);
  return { app, stack, api, lengths: new ResolvedLengths(stack) };
}

const hardening = (stack: Stack) => {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { hardened: true, encryptionKey: key, vpc, reservedConcurrency: 10, alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key }) };
};

describe('deploy limits', () => {
  test('20 resources in SINGLE, hardened: synthesizes, and every policy, the environment and the permissions fit', () => {
    const b = build((stack) => ({ ...hardening(stack), handlerMode: HandlerMode.SINGLE, resources: TWENTY }));
    const assembly = b.app.synth(); // the limit checks run here
    const template = assembly.getStackByName('OrdersServiceProd').template;
    const resources = Object.values(template.Resources) as any[];
    // Before: one managed policy of ~14,000 characters (IAM: 6,144), an environment of ~4.6 KB (Lambda: 4 KB), 120
    // AWS::Lambda::Permission.
    const managed = b.stack.node.findAll().filter((c): c is iam.CfnManagedPolicy => c instanceof iam.CfnManagedPolicy);
    const sizes = managed.map((m) => policySize(b.lengths, m.policyDocument));
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT_CHARS);
    const fn = b.api.handlerFunctions[0];
    const env = environmentSize(b.lengths, b.stack.resolve((fn.node.defaultChild as any).environment).variables);
    expect(env).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Permission')).toHaveLength(1);
    // The one permission is this API's, any route of it: execute-api:<region>:<account>:<api id>/*/*/*.
    const permission = resources.find((r) => r.Type === 'AWS::Lambda::Permission').Properties;
    expect(JSON.stringify(permission.SourceArn)).toContain(`{"Ref":"${b.stack.getLogicalId(b.api.httpApi.node.defaultChild as any)}"},"/*/*/*"`);
  });

  test('the split keeps every resource\'s statements', () => {
    const b = build((stack) => ({ ...hardening(stack), handlerMode: HandlerMode.SINGLE, resources: TWENTY }));
    const role = b.api.handlerFunctions[0].role as FunctionRole;
    const ofRole = (c: unknown): c is iam.CfnManagedPolicy => c instanceof iam.CfnManagedPolicy && c.node.scope!.node.scope === role;
    const statements = b.stack.node.findAll().filter(ofRole)
      .flatMap((m) => b.stack.resolve(m.policyDocument).Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat()).filter((a: string) => a.startsWith('dynamodb:'));
    // Every resource's table appears with its statements; no statement was lost or doubled by the split.
    for (let i = 0; i < 20; i++) {
      const table = b.stack.getLogicalId(b.api.resource(`entity${i}`).table.node.defaultChild as any);
      expect(statements.filter((s: any) => JSON.stringify(s.Resource).includes(`"${table}"`)).length).toBeGreaterThan(0);
    }
    expect(actions.length).toBeGreaterThan(0);
  });

  test('a managed policy part is full before the next starts: one more statement would have passed the limit', () => {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    const role = new FunctionRole(stack, 'Role', { managedPolicy: true, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const lengths = new ResolvedLengths(stack);
    const statement = (i: number) => new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [`arn:aws:dynamodb:eu-west-1:123456789012:table/t${String(i).padStart(40, '0')}`] });
    for (let i = 0; i < 200; i++) role.addToPrincipalPolicy(statement(i));
    const parts = stack.node.findAll().filter((c): c is iam.CfnManagedPolicy => c instanceof iam.CfnManagedPolicy);
    expect(parts.map((p) => p.node.scope!.node.id)).toEqual(parts.map((_, i) => (i === 0 ? 'Policy' : `Policy${i + 1}`)));
    expect(parts.length).toBeGreaterThan(2);
    const one = policySize(lengths, { Statement: [statement(0).toStatementJson()] }) - policySize(lengths, { Statement: [] });
    for (const p of parts.slice(0, -1)) {
      const size = policySize(lengths, p.policyDocument);
      expect(size).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT_CHARS);
      expect(size + one + 1).toBeGreaterThan(MANAGED_POLICY_LIMIT_CHARS);
    }
    expect(parts.flatMap((p) => stack.resolve(p.policyDocument).Statement)).toHaveLength(200);
  });

  test('an environment over 4 KB is a synth error with the figure and the fix; exactly 4,096 bytes is not', () => {
    const probe = build({});
    const sizeOf = (b: typeof probe, f: any) => environmentSize(b.lengths, b.stack.resolve(f.node.defaultChild.environment).variables);
    // The list function has the largest environment (its cursor key's ARN).
    const base = Math.max(...probe.api.handlerFunctions.map((f) => sizeOf(probe, f)));
    expect(base).toBe(sizeOf(probe, probe.api.functions.list));
    // `"PAD":""` adds 9 bytes (with its comma) plus the value: fill the list function's environment to the byte.
    const fill = (extra: number) => build({ environment: { PAD: 'x'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES - base - 9 + extra) } });
    expect(() => fill(0).app.synth()).not.toThrow();
    expect(() => fill(1).app.synth()).toThrow(
      /ServerlessCrudApi: function 'OrdersServiceProd\/Api\/DefaultResource\/ListFunction\/Resource' has an environment of up to 4,097 bytes once deployed \(4 variables: PAD, CRUD_TABLES, CRUD_ROUTES, CRUD_CURSOR_SECRET_ARN\), over Lambda's limit of 4,096 bytes.*split the API into several ServerlessCrudApis, or set fewer or shorter 'environment' variables/,
    );
  });

  test('SINGLE: table names of too many resources for one environment are refused with the advice to use PER_RESOURCE', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `entity${i}` }));
    const b = build({ handlerMode: HandlerMode.SINGLE, resources: many });
    expect(() => b.app.synth()).toThrow(/function 'OrdersServiceProd\/Api\/CrudFunction\/Resource' has an environment of up to [\d,]+ bytes.*use HandlerMode.PER_RESOURCE/);
  });

  test('the stack name counts: table names CloudFormation generates start with it', () => {
    const short = build({ handlerMode: HandlerMode.SINGLE, resources: TWENTY }, 'S');
    const long = build({ handlerMode: HandlerMode.SINGLE, resources: TWENTY }, 'S'.repeat(100));
    const fnEnv = (b: typeof short) => b.stack.resolve((b.api.handlerFunctions[0].node.defaultChild as any).environment).variables;
    const size = (b: typeof short) => environmentSize(b.lengths, fnEnv(b));
    // 40 generated table names and the cursor key secret's generated name, each 99 characters longer.
    expect(size(long) - size(short)).toBe(41 * 99);
    expect(() => long.app.synth()).toThrow(/has an environment of up to/);
  });

  test('a managed policy over 6,144 characters (a statement added through the escape hatch) is a synth error', () => {
    const b = build((stack) => ({ ...hardening(stack) }));
    b.api.functions.read.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: Array.from({ length: 120 }, (_, i) => `arn:aws:s3:::bucket-${i}-${'x'.repeat(40)}/*`),
    }));
    expect(() => b.app.synth()).toThrow(/managed policy 'OrdersServiceProd\/Api\/DefaultResource\/ReadFunction\/Role\/Policy\d?\/Resource' is up to [\d,]+ characters once deployed, over IAM's limit of 6,144/);
  });

  test('inline policies over 10,240 characters per role are a synth error', () => {
    const b = build({});
    b.api.functions.read.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: Array.from({ length: 200 }, (_, i) => `arn:aws:s3:::bucket-${i}-${'x'.repeat(40)}/*`),
    }));
    expect(() => b.app.synth()).toThrow(/(role '.*ReadFunction\/Role' has inline policies of up to [\d,]+ characters|managed policy '.*' is up to [\d,]+ characters)/);
  });
});
