import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { HandlerMode } from './crud-operation';
import { ResolvedLengths } from './resolved-lengths';

/*
 * What CloudFormation, Lambda and IAM would refuse only at deploy time, caught at synth. aws-cdk-lib already stops a
 * stack of more than 500 resources; these are the limits it lets through. Each figure is computed from the
 * synthesized values, at the longest each deploy-time value can resolve to (src/construct/resolved-lengths.ts).
 */

/** Lambda: all environment variables of a function together, as the JSON object Lambda measures. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** IAM: characters of one managed policy document, white space not counted. */
export const MANAGED_POLICY_LIMIT_CHARS = 6144;
/** IAM: characters of all inline policies of one role together, white space not counted. */
export const INLINE_POLICIES_LIMIT_CHARS = 10240;
/** IAM: managed policies attached to one role (the default quota; it can be raised to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** What an API whose functions would not deploy can change, by handler mode. */
export function deployLimitAdvice(mode: HandlerMode): string {
  return mode === HandlerMode.SINGLE
    ? 'use HandlerMode.PER_RESOURCE (each function then holds only its own resource\'s tables and grants) or split the API into several'
    : 'split the API into several ServerlessCrudApis';
}

/** The size IAM counts for a policy document: its JSON without white space. */
export function policySize(lengths: ResolvedLengths, document: unknown): number {
  return JSON.stringify(lengths.render(document)).replace(/\s/g, '').length;
}

/** The size Lambda counts for a function's environment: the JSON of its variables, in bytes. */
export function environmentSize(lengths: ResolvedLengths, variables: unknown): number {
  return Buffer.byteLength(JSON.stringify(lengths.render(variables) ?? {}), 'utf8');
}

/**
 * The deploy-time limits of the construct's functions and roles, as messages (empty when all fit): each names the
 * limit, the figure and the fix. `advice` is what the API can change to fit (its handler mode).
 */
export function deployLimitErrors(functions: lambda.Function[], advice: string): string[] {
  if (functions.length === 0) return [];
  const fail = (m: string) => `ServerlessCrudApi: ${m}`;
  const lengths = new ResolvedLengths(Stack.of(functions[0]));
  const errors: string[] = [];
  for (const fn of functions) {
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    const env = Stack.of(fn).resolve(cfn.environment) as { variables?: { [key: string]: unknown } } | undefined;
    const size = environmentSize(lengths, env?.variables ?? {});
    if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      const names = Object.keys(env?.variables ?? {});
      errors.push(`function '${fn.node.path}' has an environment of up to ${size.toLocaleString('en-US')} bytes once deployed ` +
        `(${names.length} variables: ${names.join(', ')}), over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES.toLocaleString('en-US')} ` +
        `bytes for all variables together, so the deploy would fail; ${advice}, or set fewer or shorter 'environment' variables`);
    }
    if (fn.role) errors.push(...roleErrors(lengths, fn.role, advice));
  }
  return errors.map(fail);
}

/** The policies attached to one of our roles: inline ones together, each managed one alone, and how many. */
function roleErrors(lengths: ResolvedLengths, role: iam.IRole, advice: string): string[] {
  const stack = Stack.of(role);
  const roleId = stack.resolve((role.node.defaultChild as CfnResource).logicalId);
  const attached = (c: IConstruct, prop: 'roles') => {
    const refs = stack.resolve((c as any)[prop]) as unknown[] | undefined;
    return (refs ?? []).some((r: any) => r?.Ref === roleId);
  };
  const inline: number[] = [];
  const managed: { path: string; size: number }[] = [];
  for (const c of stack.node.findAll()) {
    if (c instanceof iam.CfnPolicy && attached(c, 'roles')) inline.push(policySize(lengths, c.policyDocument));
    if (c instanceof iam.CfnManagedPolicy && attached(c, 'roles')) managed.push({ path: c.node.path, size: policySize(lengths, c.policyDocument) });
  }
  const errors: string[] = [];
  const inlineTotal = inline.reduce((a, b) => a + b, 0);
  if (inlineTotal > INLINE_POLICIES_LIMIT_CHARS) {
    errors.push(`role '${role.node.path}' has inline policies of up to ${inlineTotal.toLocaleString('en-US')} characters once deployed, over ` +
      `IAM's limit of ${INLINE_POLICIES_LIMIT_CHARS.toLocaleString('en-US')} per role, so the deploy would fail; ${advice}`);
  }
  for (const m of managed.filter((x) => x.size > MANAGED_POLICY_LIMIT_CHARS)) {
    errors.push(`managed policy '${m.path}' is up to ${m.size.toLocaleString('en-US')} characters once deployed, over IAM's limit of ` +
      `${MANAGED_POLICY_LIMIT_CHARS.toLocaleString('en-US')} for a managed policy, so the deploy would fail; ${advice}`);
  }
  if (managed.length > MANAGED_POLICIES_PER_ROLE) {
    errors.push(`role '${role.node.path}' has ${managed.length} managed policies attached, over IAM's default quota of ` +
      `${MANAGED_POLICIES_PER_ROLE} per role, so the deploy would fail unless the quota was raised; ${advice}`);
  }
  return errors;
}
