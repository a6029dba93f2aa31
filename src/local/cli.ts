/**
 * `cdk-serverless-crud-api local`: serves every ServerlessCrudApi of a CDK app on localhost — the exact bundled
 * handlers from the cloud assembly, DynamoDB Local underneath, API Gateway's routing, CORS, throttling and JWT
 * checks in front. No Docker, no AWS account.
 *
 * Bundled by esbuild into assets/local/cli/index.js (the package's `bin`); the same file is the worker thread that
 * hosts a function whose code is not this library's handler bundle (see function-host.ts).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssemblyError, loadApis, LocalApi, localTableName, resolveLocalValue, synthesize } from './assembly';
import { defaultDocsAssetsDir, DOCS_PATH, docsUnavailable } from './docs';
import { DynamoDbLocal, DynamoDbLocalUnavailableError, startDynamoDbLocal } from './dynamodb-local';
import { FunctionInvoker, FunctionSpec, hostFunctions, isFunctionHostThread, runFunctionHost } from './function-host';
import { isLoopbackBind } from './host-check';
import { JwtConfigError, jwtExpectations, loadJwks } from './jwt';
import { DEFAULT_LIMITS, describeLimits } from './limits';
import { LineBuffer } from './line-buffer';
import { RunningApi, startApiServer } from './server';
import { ensureTable } from './tables';

/** Wraps prose at 116 columns, like the rest of the help. */
function wrap(text: string, width = 116): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

export const USAGE = `Usage: cdk-serverless-crud-api local [options]

Serves every ServerlessCrudApi in your CDK app on localhost: the exact bundled handlers from the cloud assembly,
with DynamoDB Local, and API Gateway's routing, CORS, throttling and JWT authorization in front.
No Docker and no AWS account needed.

Options:
  --app-dir <dir>       Folder of the CDK app (with cdk.json); the app is synthesized first.   [default: .]
  --assembly <dir>      Use an already synthesized cloud assembly (e.g. cdk.out) instead.
  --stack <name>        Only serve the APIs of this stack.
  --port <n>            Port of the first API; further APIs get the next ports. 0 picks free ports. [default: 3000]
  --host <addr>         Address to listen on.                                                   [default: 127.0.0.1]
                        Anything but loopback makes the APIs reachable from other machines: the runner warns.
  --allowed-host <name> Also answer requests whose Host header names <name> (repeatable; '.example.test' allows
                        the domain and its subdomains). Without it only localhost, *.localhost, 127.0.0.0/8, [::1]
                        and the --host value are answered; any other Host gets 403, against DNS rebinding.
  --endpoint <url>      Use this DynamoDB endpoint (local or real) instead of starting DynamoDB Local.
  --region <region>     Region for the DynamoDB client and the functions.                      [default: us-east-1]
  --persist <dir>       Keep DynamoDB Local's data in this folder between runs.               [default: in memory]
  --jwks <file|url>     JSON Web Key Set that JWT/Cognito tokens are verified against (required for such APIs).
  --issuer <url>        Token issuer, when the template only knows it at deploy time (Cognito). Required then.
  --audience <id>       Token audience (aud, or client_id when a token has no aud), when the template only knows it
                        at deploy time (a Cognito app client id). Repeatable. Required then.
  --no-auth             Turn authorization off entirely (JWT is not checked; IAM is never checked locally).
  --function-logs       Print every log line of the functions (default: only their errors).
  -h, --help            Show this help.

JWT and Cognito tokens are checked as API Gateway's JWT authorizer does: RSA-based algorithms only (RS256/384/512,
PS256/384/512) fitting the key's kty and alg; a kid naming a key of --jwks; iss; aud, or client_id only when aud is
absent; exp after now, nbf and iat not after now, without clock leeway; the route's scopes (scope or scp). A failed
check is 401 (403 for missing scopes).

IAM authorization (the construct's default) cannot be checked locally: the runner says so at start-up and serves
the API unauthenticated. Ctrl-C stops everything, DynamoDB Local included.

Every API's port also answers /_docs: its OpenAPI document (from the cloud assembly, servers pointing at the runner)
in Swagger UI shipped with this package, no CDN; "Try it out" sends requests to the local API. An API with a
resource named _docs gets no docs page.

${wrap(`Limits per API: ${describeLimits(DEFAULT_LIMITS)}. Throttling (429), routing (404) and token checks are decided before a body is read, too.`)}

As on API Gateway, the path is percent-decoded once before routing and reaches the function decoded (rawPath,
pathParameters); %2F becomes '/', so it matches no {id} route. A text body that is not valid UTF-8 reaches the
function base64-encoded, byte for byte.

The DynamoDB Local the runner starts listens on every network interface (it has no option to bind loopback only) on
a random port, with its CORS closed to every origin; keep it behind a firewall on shared networks, or pass --endpoint.`;

export interface CliOptions {
  appDir: string;
  assembly?: string;
  stack?: string;
  port: number;
  host: string;
  endpoint?: string;
  region: string;
  persist?: string;
  jwks?: string;
  issuer?: string;
  audience: string[];
  allowedHosts: string[];
  noAuth: boolean;
  functionLogs: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliOptions | 'help' {
  const args = [...argv];
  if (args[0] === 'local') args.shift();
  const o: CliOptions = {
    appDir: '.', port: 3000, host: '127.0.0.1', region: 'us-east-1', audience: [], allowedHosts: [], noAuth: false, functionLogs: false,
  };
  const value = (flag: string) => {
    const v = args.shift();
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  while (args.length) {
    const a = args.shift()!;
    switch (a) {
      case '--': break; // `npx projen local -- --port 4000` passes the separator through
      case '-h': case '--help': return 'help';
      case '--app-dir': o.appDir = value(a); break;
      case '--assembly': o.assembly = value(a); break;
      case '--stack': o.stack = value(a); break;
      case '--port': {
        const p = Number(value(a));
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
        o.port = p;
        break;
      }
      case '--host': o.host = value(a); break;
      case '--endpoint': o.endpoint = value(a); break;
      case '--region': o.region = value(a); break;
      case '--persist': o.persist = value(a); break;
      case '--jwks': o.jwks = value(a); break;
      case '--issuer': o.issuer = value(a); break;
      case '--audience': o.audience.push(value(a)); break;
      case '--allowed-host': o.allowedHosts.push(value(a)); break;
      case '--no-auth': o.noAuth = true; break;
      case '--function-logs': o.functionLogs = true; break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (o.endpoint && o.persist) throw new UsageError('--persist applies to the DynamoDB Local the runner starts; it cannot be combined with --endpoint');
  return o;
}

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const warn = (s: string) => (process.stderr.isTTY ? `\x1b[33m${s}\x1b[0m` : s);

const stdoutLines = new LineBuffer(process.stdout);

/** Environment names of the list-cursor key: the deployed functions' secret ARN, and the local stand-in. */
const CURSOR_SECRET_ARN_ENV = 'CRUD_CURSOR_SECRET_ARN';
const CURSOR_SECRET_ENV = 'CRUD_CURSOR_SECRET';

/** One random cursor key per runner process, given to every function (never printed). */
const cursorSecret = randomBytes(32).toString('hex');

/** Starts everything; resolves to a stop function. Cleans up after itself when start-up fails. */
export async function startLocal(o: CliOptions, out: (line: string) => void = stdoutLines.write): Promise<() => Promise<void>> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const step = (n: number, text: string) => out(`${dim(`[${n}/4]`)} ${text}`);

    step(1, o.assembly ? `reading cloud assembly ${o.assembly}` : `synthesizing ${path.resolve(o.appDir)}`);
    const assemblyDir = o.assembly ? path.resolve(o.assembly) : await synthesize(path.resolve(o.appDir), (l) => out(dim(`      ${l}`)));
    const apis = loadApis(assemblyDir, o.stack);
    if (apis.length === 0) {
      throw new AssemblyError(`no ServerlessCrudApi found in ${assemblyDir}${o.stack ? ` (stack ${o.stack})` : ''}`);
    }
    out(dim(`      found ${apis.map((a) => a.manifest.path).join(', ')}`));
    // Tokens are checked as API Gateway checks them, or not at all (--no-auth): never with an unknown issuer/audience.
    // Per API, per route key: resources of one API may have different authorizers.
    const jwtChecks = new Map<string, Map<string, { issuer: string; audience: string[] }>>();
    for (const api of apis) {
      const checks = new Map<string, { issuer: string; audience: string[] }>();
      jwtChecks.set(api.manifest.path, checks);
      for (const route of api.manifest.routes) {
        const where = `${api.manifest.path} (/${route.resource})`;
        if (o.noAuth || (route.auth.kind !== 'jwt' && route.auth.kind !== 'cognito')) continue;
        if (!o.jwks) throw new UsageError(`${where} uses ${route.auth.kind} authorization: pass --jwks <file|url> with the keys its tokens are signed with, or --no-auth`);
        try {
          checks.set(`${route.method} ${route.path}`, jwtExpectations(where, route.auth, o));
        } catch (e) {
          if (e instanceof JwtConfigError) throw new UsageError(e.message);
          throw e;
        }
      }
    }

    let endpoint = o.endpoint;
    if (!endpoint) {
      step(2, `starting DynamoDB Local${o.persist ? ` (data in ${o.persist})` : ' (in memory)'}`);
      const ddb: DynamoDbLocal = await startDynamoDbLocal({ persistDir: o.persist });
      cleanups.push(() => ddb.stop());
      endpoint = ddb.endpoint;
      out(dim(`      ${endpoint} (pid ${ddb.pid})`));
    } else {
      step(2, `using DynamoDB at ${endpoint}`);
    }
    const local = !o.endpoint;
    const credentials = local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
    const client = new DynamoDBClient({ endpoint, region: o.region, credentials });
    cleanups.push(async () => client.destroy());

    step(3, 'creating tables');
    for (const api of apis) {
      for (const t of api.tables) {
        const r = await ensureTable(client, t);
        out(dim(`      ${t.tableName}: ${r}`));
      }
    }

    step(4, 'starting functions and servers');
    const jwks = o.jwks ? await loadJwks(o.jwks) : undefined;
    const entry = __filename;
    const running: { api: LocalApi; server: RunningApi; noDocs?: string }[] = [];
    let port = o.port;
    for (const api of apis) {
      const refs = new Map<string, string>();
      for (const t of api.tables) if (t.logicalId) refs.set(t.logicalId, localTableName(api.stackName, t.logicalId));
      const specs: FunctionSpec[] = [];
      for (const fn of api.functions.values()) {
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(fn.environment)) {
          // The cursor key's secret lives in Secrets Manager; locally the per-run CRUD_CURSOR_SECRET stands in for it.
          if (k === CURSOR_SECRET_ARN_ENV) continue;
          const resolved = resolveLocalValue(v, refs, o.region);
          if (resolved === undefined) out(warn(`      ${fn.logicalId}: environment ${k} is only known at deploy time; left unset`));
          else env[k] = resolved;
        }
        const functionName = `${api.stackName}-${fn.logicalId}`.slice(0, 64);
        Object.assign(env, {
          AWS_REGION: o.region,
          AWS_DEFAULT_REGION: o.region,
          AWS_ENDPOINT_URL_DYNAMODB: endpoint!,
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_LOG_FORMAT: 'JSON',
          TZ: 'UTC',
          [CURSOR_SECRET_ENV]: cursorSecret,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...(local ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : pickAwsCredentials()),
        });
        specs.push({
          functionName,
          label: fn.logicalId,
          assetDir: fn.assetDir,
          handler: fn.handler,
          environment: env,
          timeoutSeconds: fn.timeoutSeconds,
          memoryMb: fn.memoryMb,
        });
      }
      const hosted = hostFunctions(specs, {
        allLogs: o.functionLogs, workerEntry: entry, onLog: (label, line) => out(dim(`      [${label}] `) + line),
      });
      const invokers = new Map<string, FunctionInvoker>();
      for (const spec of specs) {
        const fn = hosted.get(spec.functionName)!;
        cleanups.push(() => fn.stop());
        invokers.set(spec.label, fn);
      }
      const noDocs = docsUnavailable(api.manifest.routes.map((r) => r.path), api.openApiFile, defaultDocsAssetsDir());
      const server = await startApiServer({
        api,
        docs: noDocs ? undefined : { document: JSON.parse(fs.readFileSync(api.openApiFile, 'utf8')), assetsDir: defaultDocsAssetsDir() },
        functions: invokers,
        port,
        hostname: o.host,
        allowedHosts: o.allowedHosts,
        auth: { enforce: !o.noAuth, jwks, jwt: jwtChecks.get(api.manifest.path) },
        log: (line) => out(line),
        onFunctionError: (fn, id, e) => out(warn(`      [${fn}] ${id} ${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}`)),
      });
      cleanups.push(() => server.close());
      running.push({ api, server, noDocs });
      if (port !== 0) port++;
    }

    out('');
    for (const { api, server, noDocs } of running) {
      const m = api.manifest;
      out(`${bold(m.path)}  ${bold(server.url)}`);
      out(noDocs ? warn(`  docs   none: ${noDocs}`) : `  docs   ${server.url}${DOCS_PATH}  ${dim('(Swagger UI: every route, "Try it out" calls this API)')}`);
      for (const r of m.routes) out(`  ${r.method.padEnd(6)} ${server.url}${r.path}  ${dim(`→ ${r.functionLogicalId}`)}`);
      out(dim(`  throttle ${m.throttle.rateLimit}/s burst ${m.throttle.burstLimit}${m.cors ? `, CORS for ${(m.cors.allowOrigins ?? []).join(' ')}` : ''}`));
      // One line per resource: resources of one API may be authorized differently.
      for (const resource of [...new Set(m.routes.map((r) => r.resource))]) {
        const route = m.routes.find((r) => r.resource === resource)!;
        const kind = route.auth.kind;
        const where = `  /${resource}: `;
        if (o.noAuth) {
          out(warn(`${where}! AUTHORIZATION OFF (--no-auth): ${kind} is not checked`));
        } else if (kind === 'iam') {
          out(warn(`${where}! IAM AUTHORIZATION IS NOT ENFORCED LOCALLY: every request is served unauthenticated (SigV4 is not checked)`));
        } else if (kind === 'custom') {
          out(warn(`${where}! CUSTOM AUTHORIZER IS NOT RUN LOCALLY: every request is served unauthenticated`));
        } else if (kind === 'jwt' || kind === 'cognito') {
          const check = jwtChecks.get(m.path)!.get(`${route.method} ${route.path}`)!;
          out(`${where}JWT verified against ${o.jwks} (issuer ${check.issuer}, audience ${check.audience.join(' ')})`);
        } else {
          out(`${where}no authorization (ApiAuthorization.none())`);
        }
      }
    }
    if (!isLoopbackBind(o.host)) {
      out(warn(`! LISTENING ON ${o.host}, NOT ONLY LOOPBACK: other machines can reach these APIs` +
        `${apis.some((a) => o.noAuth || a.manifest.routes.some((r) => ['iam', 'custom', 'none'].includes(r.auth.kind))) ? ', and some serve every request unauthenticated' : ''}.`));
    }
    out(dim(`Hosts answered: localhost, *.localhost, 127.0.0.0/8, [::1], ${[o.host, ...o.allowedHosts].join(', ')} (others: 403; --allowed-host adds one).`));
    if (!o.endpoint) {
      out(warn('! DynamoDB Local listens on every network interface (it has no option to bind loopback only): its random port is ' +
        'reachable from other machines unless a firewall blocks it; its CORS is closed to every origin.'));
    }
    out(dim(`Limits per API: ${describeLimits(DEFAULT_LIMITS)}.`));
    out('');
    out(dim('Ctrl-C to stop.'));
    return stop;
  } catch (e) {
    await stop();
    throw e;
  }
}

function pickAwsCredentials(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    if (process.env[k]) out[k] = process.env[k]!;
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stdoutLines.write(dim('\nstopping…'));
    await stop?.();
    stdoutLines.flush();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    stop = await startLocal(options);
    if (stopping) await stop();
    return -1; // keep running
  } catch (e) {
    stdoutLines.flush();
    const known = e instanceof AssemblyError || e instanceof UsageError || e instanceof DynamoDbLocalUnavailableError;
    console.error(warn(`error: ${(e as Error).message}`));
    if (!known) console.error((e as Error).stack);
    return 1;
  }
}

// The AWS SDK warns once per process about Node 20's end of support; in a local tool that would drown the log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (isFunctionHostThread()) {
  runFunctionHost();
} else if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}

