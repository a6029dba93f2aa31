import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';

export interface Synth {
  readonly app: App;
  readonly stack: Stack;
  readonly api: ServerlessCrudApi;
  readonly template: Template;
}

/** Synthesizes one ServerlessCrudApi in a fresh app/stack (with a concrete env, so ARNs and AZs resolve). */
export function synth(props?: ServerlessCrudApiProps, build?: (stack: Stack) => ServerlessCrudApiProps): Synth {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new ServerlessCrudApi(stack, 'Todos', { ...props, ...build?.(stack) });
  return { app, stack, api, template: Template.fromStack(stack) };
}

/** Logical id of the resource of a construct. */
export function logicalId(stack: Stack, construct: { node: any }): string {
  return stack.getLogicalId(construct.node.defaultChild ?? construct);
}

/**
 * For each function: its DynamoDB statements as { actions (sorted), resources (as JSON) }, keyed by the id of the
 * function's construct (`ListFunction`), or with `byPath` by its path under the API (`orders/ListFunction`,
 * `CrudFunction`).
 */
export function dynamoStatementsByFunction(s: Synth, byPath = false): Record<string, { actions: string[]; resources: string[] }[]> {
  const t = s.template.toJSON().Resources as Record<string, any>;
  const out: Record<string, { actions: string[]; resources: string[] }[]> = {};
  for (const fn of s.api.handlerFunctions) {
    const roleId = s.stack.getLogicalId(fn.role!.node.defaultChild as any);
    const policies = Object.values(t).filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId));
    const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const key = byPath ? fn.node.scope!.node.path.slice(s.api.node.path.length + 1) : fn.node.scope!.node.id;
    out[key] = statements
      .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat().map((r: any) => JSON.stringify(r)).sort() }))
      .filter((st: any) => st.actions.some((a: string) => a.startsWith('dynamodb:')));
  }
  return out;
}

/** Runs the cdk-nag AwsSolutions and Serverless packs on the stack; returns every unacknowledged finding. */
export function nagFindings(s: Synth): string[] {
  const findings: string[] = [];
  for (const pack of [new AwsSolutionsChecks(s.app), new ServerlessChecks(s.app)]) {
    // cdk-nag 3 as a Validations plugin needs a newer CDK core than our floor; validateScope runs the same rules.
    const report = pack.validateScope(s.stack);
    for (const v of report.violations) {
      for (const r of v.violatingResources) findings.push(`${v.ruleName} @ ${(r as any).constructPath ?? r.resourceLogicalId}`);
    }
  }
  return findings;
}

/**
 * A Lambda runtime that aws-cdk-lib's `Runtime.ALL` does not list (the constructor adds every runtime to it), so a
 * test can name a runtime without changing what the construct's default sees.
 */
export function unlistedRuntime(name: string, family = lambda.RuntimeFamily.NODEJS): lambda.Runtime {
  const runtime = new lambda.Runtime(name, family);
  lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(runtime), 1);
  return runtime;
}

/**
 * Runs `body` with an aws-cdk-lib that knows one more runtime, as a newer aws-cdk-lib does (2.278 lists `nodejs26.x`),
 * and takes it out again afterwards.
 */
export function withKnownRuntime<T>(name: string, body: (runtime: lambda.Runtime) => T): T {
  const runtime = new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
  try {
    return body(runtime);
  } finally {
    lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(runtime), 1);
  }
}

/**
 * A resolved `CRUD_TABLES` (or `CRUD_IDEMPOTENCY_TABLES`) value as what it names by resource position: the logical id
 * of a `{ Ref }`, a literal name as is, '' where the function touches no table.
 */
export function tablePositions(value: unknown): string[] {
  if (value === undefined) return [];
  const text = (v: any): string => (typeof v === 'string' ? v : v.Ref ? v.Ref : v['Fn::Join'][1].map(text).join(v['Fn::Join'][0]));
  return text(value).split(',');
}
