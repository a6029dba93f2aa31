/**
 * Test support for change events in the local runner: a CDK app with change events on (`ChangeEvents.toEventBus()`),
 * two subscribers (`addSubscriber`) that append every event they receive to a file, synthesized once into an
 * assembly that several runner start-ups share; the files read back; the `/_events` feed read as a client would.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..', '..');

/** What a subscriber wrote for one event it received. */
export interface Received {
  readonly subscriber: string;
  readonly event: any;
}

/** The subscriber's code: each event appended as one JSON line (synchronously: it is on disk before the function returns). */
const SUBSCRIBER = `
const fs = require('fs');
exports.handler = async (event) => {
  if (process.env.FAIL_SUBJECT && event.detail.subject === process.env.FAIL_SUBJECT) throw new Error('refused on purpose');
  if (process.env.SLOW_MS) await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS)));
  fs.appendFileSync(process.env.RECEIVED_FILE, JSON.stringify({ subscriber: process.env.NAME, event }) + '\\n');
};`;

/**
 * Writes and synthesizes the app into `dir`/cdk.out (`dir` inside the repository: the library's sources load through
 * ts-node with its tsconfig): API `EventsE2E/Shop` (no authorization, resources orders and
 * projects → tasks), subscriber `Created` (orders.created only; it refuses `/orders/refused`) and `Everything` (every
 * event of the API; 25 ms each).
 */
export function synthChangeEventsApp(dir: string, receivedFile: string): string {
  fs.mkdirSync(path.join(dir, 'subscriber'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'subscriber', 'index.js'), SUBSCRIBER);
  const lib = (m: string) => JSON.stringify(require.resolve(m, { paths: [REPO] }));
  fs.writeFileSync(path.join(dir, 'app.js'), `
    const { App, Stack } = require(${lib('aws-cdk-lib')});
    const lambda = require(${lib('aws-cdk-lib/aws-lambda')});
    const targets = require(${lib('aws-cdk-lib/aws-events-targets')});
    const { ApiAuthorization, ChangeEvents, ChangeEventType, ServerlessCrudApi } = require(${JSON.stringify(path.join(REPO, 'src'))});
    const app = new App();
    const stack = new Stack(app, 'EventsE2E');
    const api = new ServerlessCrudApi(stack, 'Shop', {
      authorization: ApiAuthorization.none(),
      throttle: { rateLimit: 10000, burstLimit: 10000 },
      changeEvents: ChangeEvents.toEventBus(),
      changeEventSource: 'shop.e2e',
      resources: [{ name: 'orders' }, { name: 'projects', pathParameter: 'projectId' }, { name: 'tasks', parent: 'projects' }],
    });
    const subscriber = (id, env) => new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(${JSON.stringify(path.join(dir, 'subscriber'))}),
      environment: { RECEIVED_FILE: ${JSON.stringify(receivedFile)}, NAME: id, ...env },
    });
    api.addSubscriber('OnOrderCreated', new targets.LambdaFunction(subscriber('Created', { FAIL_SUBJECT: '/orders/refused' })), {
      resources: ['orders'], types: [ChangeEventType.CREATED],
    });
    // A slow subscriber: a backlog builds up under writes, so that the kill test kills the runner mid-stream.
    api.addSubscriber('OnEverything', new targets.LambdaFunction(subscriber('Everything', { SLOW_MS: '25' })));
    app.synth();
  `);
  const out = path.join(dir, 'cdk.out');
  const register = require.resolve('ts-node/register/transpile-only', { paths: [REPO] });
  const r = spawnSync(process.execPath, ['-r', register, path.join(dir, 'app.js')], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: out,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true }),
      JSII_DEPRECATED: 'quiet',
    },
  });
  if (r.status !== 0) throw new Error(`synth failed:\n${r.stderr}`);
  return out;
}

/** Every event the subscribers wrote so far. */
export function readReceived(file: string): Received[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A client of `/_events`: the frames received so far, parsed. */
export interface FeedClient {
  readonly frames: { id?: string; event?: string; data?: any }[];
  readonly comments: string[];
  readonly status: Promise<{ status: number; contentType?: string }>;
  close(): void;
}

export function openFeed(url: string, headers: Record<string, string> = {}): FeedClient {
  const frames: FeedClient['frames'] = [];
  const comments: string[] = [];
  let buffer = '';
  let resolveStatus: (s: { status: number; contentType?: string }) => void;
  const status = new Promise<{ status: number; contentType?: string }>((r) => { resolveStatus = r; });
  const req = http.get(url, { headers, agent: false }, (res) => {
    resolveStatus({ status: res.statusCode!, contentType: res.headers['content-type'] });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: FeedClient['frames'][number] = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) frame.id = line.slice(4);
          else if (line.startsWith('event: ')) frame.event = line.slice(7);
          else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
        }
        if (frame.data !== undefined) frames.push(frame);
      }
    });
  });
  req.on('error', () => undefined);
  return { frames, comments, status, close: () => req.destroy() };
}

/** Waits until `cond` holds (polling), or fails naming what was waited for. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs: number, context: () => string = () => ''): Promise<number> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}
