/**
 * `cdk-serverless-crud-api local`: serves every ServerlessCrudApi of a CDK app on localhost — the exact bundled
 * handlers from the cloud assembly, DynamoDB Local underneath, API Gateway's routing, CORS, throttling and JWT
 * checks in front. No Docker, no AWS account.
 *
 * Bundled by esbuild into assets/local/cli/index.js (the package's `bin`); the same file is the worker thread that
 * hosts a function whose code is not this library's handler bundle (see function-host.ts).
 */
import { AssemblyError } from './assembly';
import { DynamoDbLocalUnavailableError } from './dynamodb-local';
import { isFunctionHostThread, runFunctionHost } from './function-host';
import { DEFAULT_LIMITS, describeLimits } from './limits';
import { LineBuffer } from './line-buffer';
import { CliOptions, startLocal, UsageError } from './session';
import { isSynthProcess, runSynthProcess } from './synth-process';

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
  --watch               Reload on change: when the app's sources change (with --assembly: when the assembly is written
                        anew), synthesize again and reload only the functions whose code or configuration changed,
                        create new tables and indexes, and print one line per change with its time. DynamoDB Local
                        and its data stay; a failed synth keeps the previous version serving; requests in flight
                        finish on the code they started on.
  -h, --help            Show this help.

JWT and Cognito tokens are checked as API Gateway's JWT authorizer does: RSA-based algorithms only (RS256/384/512,
PS256/384/512) fitting the key's kty and alg; a kid naming a key of --jwks; iss; aud, or client_id only when aud is
absent; exp after now, nbf and iat not after now, without clock leeway; the route's scopes (scope or scp). A failed
check is 401 (403 for missing scopes).

A function that throws, crashes or exceeds its timeout gets API Gateway's answer: 500 {"message":"Internal Server
Error"}; one still running after the integration timeout (30 s, as on HTTP APIs) gets 503 {"message":"Service
Unavailable"}. The runner keeps serving: a crashed or stuck function gets a fresh environment on its next request.
If the DynamoDB Local the runner started dies, requests answer 503 problem+json with Retry-After while it is
started again on the same port (with --persist, its data is kept).

IAM authorization (the construct's default) cannot be checked locally: the runner says so at start-up and serves
the API unauthenticated. Ctrl-C stops everything, DynamoDB Local included.

Change events (changeEvents): the tables of such resources get a stream, and the runner runs the same publisher as the
deployed function over it: each event goes to the subscribers in the app (rules on the API's bus whose target is a
Node.js function, matched with EventBridge's patterns; a failing one is retried twice, then given up) with one line
per event, and to GET /_events on the API's port (Server-Sent Events). With --persist, the readers checkpoint in the
folder: a runner killed and started again loses no event (some may come twice; they are counted).

Every API's port also answers /_docs: its OpenAPI document (from the cloud assembly, servers pointing at the runner)
in Swagger UI shipped with this package, no CDN; "Try it out" sends requests to the local API. An API with a
resource named _docs gets no docs page.

${wrap(`Limits per API: ${describeLimits(DEFAULT_LIMITS)}. Throttling (429), routing (404) and token checks are decided before a body is read, too.`)}

As on API Gateway, the path is percent-decoded once before routing and reaches the function decoded (rawPath,
pathParameters); %2F becomes '/', so it matches no {id} route. A text body that is not valid UTF-8 reaches the
function base64-encoded, byte for byte.

The DynamoDB Local the runner starts listens on every network interface (it has no option to bind loopback only) on
a random port, with its CORS closed to every origin; keep it behind a firewall on shared networks, or pass --endpoint.`;

export { startLocal, UsageError };
export type { CliOptions };

export function parseArgs(argv: string[]): CliOptions | 'help' {
  const args = [...argv];
  if (args[0] === 'local') args.shift();
  const o: CliOptions = {
    appDir: '.', port: 3000, host: '127.0.0.1', region: 'us-east-1', audience: [], allowedHosts: [], noAuth: false, functionLogs: false, watch: false,
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
      case '--watch': o.watch = true; break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (o.endpoint && o.persist) throw new UsageError('--persist applies to the DynamoDB Local the runner starts; it cannot be combined with --endpoint');
  return o;
}

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const warn = (s: string) => (process.stderr.isTTY ? `\x1b[33m${s}\x1b[0m` : s);

const stdoutLines = new LineBuffer(process.stdout);

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
    stop = await startLocal(options, stdoutLines.write);
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
} else if (isSynthProcess()) {
  runSynthProcess();
} else if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}

