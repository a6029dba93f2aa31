import * as lambda from 'aws-cdk-lib/aws-lambda';

/*
 * Which Lambda runtime the functions run on. The default follows the aws-cdk-lib of the app that synthesizes it (the
 * user's, not ours: this library peers on aws-cdk-lib), because that is what cdk-nag's AwsSolutions-L1 and
 * Serverless-LambdaLatestVersion compare a function's runtime with: the newest of its family in that aws-cdk-lib's
 * `Runtime.ALL`. A pinned runtime would fall behind on the day a user installs an aws-cdk-lib that knows a newer one.
 */

/** The oldest Node.js major the bundled handler runs on: the bundle's esbuild target (`node24`, see .projenrc.ts). */
export const MIN_NODE_RUNTIME_MAJOR = 24;

/** The Node.js major of a Lambda runtime name (`nodejs24.x` → 24), or undefined for anything else. */
export function nodeRuntimeMajor(runtime: lambda.Runtime): number | undefined {
  if (runtime.family !== lambda.RuntimeFamily.NODEJS) return undefined;
  const m = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return m ? Number(m[1]) : undefined;
}

/**
 * The newest Node.js runtime this aws-cdk-lib knows, never older than {@link MIN_NODE_RUNTIME_MAJOR}. Runtimes whose
 * version moves with the CDK release (`NODEJS_LATEST`) are skipped: the deployed runtime must be the one the
 * template names. The newest runtime of a family is never a deprecated one.
 */
export function newestNodeRuntime(): lambda.Runtime {
  let newest: { runtime: lambda.Runtime; major: number } | undefined;
  for (const runtime of lambda.Runtime.ALL) {
    const major = nodeRuntimeMajor(runtime);
    if (major === undefined || runtime.isVariable || major < MIN_NODE_RUNTIME_MAJOR) continue;
    if (!newest || major > newest.major) newest = { runtime, major };
  }
  // aws-cdk-lib's peer floor (2.257) knows nodejs24.x; the fallback only guards against a Runtime.ALL without it.
  return newest?.runtime ?? new lambda.Runtime(`nodejs${MIN_NODE_RUNTIME_MAJOR}.x`, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
}

/** The `runtime` rule: a Node.js runtime the bundle runs on. */
export function checkRuntime(runtime: lambda.Runtime | undefined, fail: (m: string) => never): void {
  if (runtime === undefined) return;
  const major = nodeRuntimeMajor(runtime);
  if (major === undefined || major < MIN_NODE_RUNTIME_MAJOR) {
    fail(`'runtime' must be a Node.js runtime, nodejs${MIN_NODE_RUNTIME_MAJOR}.x or newer, because the built-in handler is ` +
      `bundled for Node.js ${MIN_NODE_RUNTIME_MAJOR} (got '${runtime.name}'); use e.g. lambda.Runtime.NODEJS_${MIN_NODE_RUNTIME_MAJOR}_X, ` +
      'or omit it for the newest one your aws-cdk-lib knows');
  }
}
