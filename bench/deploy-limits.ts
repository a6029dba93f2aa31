/**
 * The largest API that deploys, by handler mode, default and hardened: N resources with two indexes each, in one
 * stack named like a real one ('OrdersServiceProd'), measured on the construct tree as deployed values would be
 * (src/construct/resolved-lengths.ts): CloudFormation's 500 resources per stack, Lambda's 4 KB environment, IAM's 6,144
 * characters per managed policy and 10,240 of inline policies per role. Prints a table (README "Deploy limits").
 *
 *   npx ts-node --transpile-only bench/deploy-limits.ts [--max=80]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { environmentSize, INLINE_POLICIES_LIMIT_CHARS, LAMBDA_ENVIRONMENT_LIMIT_BYTES, MANAGED_POLICY_LIMIT_CHARS, policySize } from '../src/construct/deploy-limits';
import { ResolvedLengths } from '../src/construct/resolved-lengths';
import { HandlerMode, ServerlessCrudApi } from '../src/index';

const MAX = Number(process.argv.find((a) => a.startsWith('--max='))?.slice(6) ?? 80);

interface Figures { resources: number; env: number; managedPolicy: number; inline: number; permissions: number; refused?: string }

function measure(mode: HandlerMode, hardened: boolean, n: number): Figures {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-limits-')) });
  const stack = new Stack(app, 'OrdersServiceProd', { env: { region: 'eu-west-1' } });
  const extra = hardened ? hardening(stack) : {};
  let api: ServerlessCrudApi;
  try {
    api = new ServerlessCrudApi(stack, 'Api', {
      handlerMode: mode,
      ...extra,
      resources: Array.from({ length: n }, (_, i) => ({
        name: `entity${i}`,
        indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }, { partitionKey: 'category' }],
      })),
    });
  } catch (e) {
    // aws-cdk-lib's own checks at construction (e.g. a composite alarm rule over 10,240 characters).
    return { resources: 0, env: 0, managedPolicy: 0, inline: 0, permissions: 0, refused: (e as Error).message.split('\n')[0] };
  }
  // Synthesize as `cdk synth` would: aws-cdk-lib splits large inline policies while preparing. Our own limit checks
  // then refuse what does not fit; the figures below are measured either way.
  try {
    app.synth();
  } catch (e) {
    if (!/Validation failed|resources in stack/.test((e as Error).message)) throw e;
  }
  const lengths = new ResolvedLengths(stack);
  const all = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  let env = 0;
  for (const fn of api.handlerFunctions) {
    env = Math.max(env, environmentSize(lengths, (stack.resolve((fn.node.defaultChild as any).environment) ?? {}).variables ?? {}));
  }
  let managedPolicy = 0;
  const inlineByRole = new Map<string, number>();
  for (const c of all) {
    if (c instanceof iam.CfnManagedPolicy) managedPolicy = Math.max(managedPolicy, policySize(lengths, c.policyDocument));
    if (c instanceof iam.CfnPolicy) {
      const role = JSON.stringify(stack.resolve(c.roles));
      inlineByRole.set(role, (inlineByRole.get(role) ?? 0) + policySize(lengths, c.policyDocument));
    }
  }
  return {
    resources: all.length,
    env,
    managedPolicy,
    inline: Math.max(0, ...inlineByRole.values()),
    permissions: all.filter((c) => c.cfnResourceType === 'AWS::Lambda::Permission').length,
  };
}

function hardening(stack: Stack) {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { hardened: true, encryptionKey: key, vpc, reservedConcurrency: 10, alarmTopic: new sns.Topic(stack, 'Alarms', { masterKey: key }) };
}

const fits = (f: Figures) => !f.refused && f.resources <= 500 && f.env <= LAMBDA_ENVIRONMENT_LIMIT_BYTES &&
  f.managedPolicy <= MANAGED_POLICY_LIMIT_CHARS &&
  f.inline <= INLINE_POLICIES_LIMIT_CHARS;
const limitOf = (f: Figures) => [
  f.refused ? `aws-cdk-lib: ${f.refused}` : '',
  f.resources > 500 ? `${f.resources} resources` : '',
  f.env > LAMBDA_ENVIRONMENT_LIMIT_BYTES ? `environment ${f.env} B` : '',
  f.managedPolicy > MANAGED_POLICY_LIMIT_CHARS ? `managed policy ${f.managedPolicy} chars` : '',
  f.inline > INLINE_POLICIES_LIMIT_CHARS ? `inline policies ${f.inline} chars` : '',
].filter(Boolean).join(', ');

/** The largest n in [1, MAX] that fits (fitting is monotone in n), by binary search. */
function largest(mode: HandlerMode, hardened: boolean): { n: number; at: Figures; next?: Figures } {
  let lo = 0;
  let hi = MAX + 1;
  const cache = new Map<number, Figures>();
  const at = (n: number) => cache.get(n) ?? (cache.set(n, measure(mode, hardened, n)), cache.get(n)!);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(at(mid))) lo = mid; else hi = mid;
  }
  return { n: lo, at: at(Math.max(lo, 1)), next: hi <= MAX ? at(hi) : undefined };
}

console.log('| handler mode | hardened | largest API that deploys (resources, 2 indexes each) | then: CFN resources, env, largest managed policy, inline per role, permissions | what stops one more |');
console.log('|---|---|---:|---|---|');
for (const mode of [HandlerMode.PER_OPERATION, HandlerMode.PER_RESOURCE, HandlerMode.SINGLE]) {
  for (const hardened of [false, true]) {
    const r = largest(mode, hardened);
    const f = r.at;
    console.log(`| ${mode} | ${hardened ? 'yes' : 'no'} | ${r.n}${r.n === MAX ? '+' : ''} | ${f.resources}, ${f.env} B, ${f.managedPolicy}, ${f.inline}, ${f.permissions} | ${r.next ? limitOf(r.next) : `(fits up to ${MAX})`} |`);
  }
}
