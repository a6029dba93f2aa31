/**
 * Test support for the local runner: start the bundled CLI (assets/local/cli/index.js, built by `npx projen bundle`)
 * and wait for its route table; sign JWTs with locally generated keys.
 */
import { ChildProcess, spawn } from 'child_process';
import { KeyObject, sign } from 'crypto';
import * as http from 'http';
import * as path from 'path';

export const CLI = path.join(__dirname, '..', '..', '..', 'assets', 'local', 'cli', 'index.js');

export interface Runner {
  child: ChildProcess;
  output: () => string;
  urls: Record<string, string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the CLI and resolves once it prints the route table. */
export async function startRunner(args: string[]): Promise<Runner> {
  const child = spawn(process.execPath, [CLI, 'local', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`runner exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`runner did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const urls: Record<string, string> = {};
  for (const m of out.matchAll(/^(\S+\/\S+)\s+(http:\/\/[^\s]+:\d+)$/gm)) urls[m[1]] = m[2];
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  };
  return { child, output: () => out, urls, exited, stop };
}

/** Runs the CLI to its exit (for start-up refusals); resolves with the exit code and everything it printed. */
export async function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'local', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout!.on('data', (d) => { output += String(d); });
  child.stderr!.on('data', (d) => { output += String(d); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

/** Signs a JWT (RS256 unless `alg` says otherwise) with a locally generated key; `header` overrides header fields. */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string | undefined, header: Record<string, unknown> = {}): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'RS256', kid, typ: 'JWT', ...header })}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request with full control of the headers (Host included), through node:http. */
export function rawRequest(url: string, o: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
