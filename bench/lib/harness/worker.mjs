// The parent side of a warm section: run its worker in a child process (the handler logs on the child's stdout,
// which is discarded), wait for its one IPC message, and summarise its samples per operation.
import { execFileSync, fork } from 'node:child_process';
import os from 'node:os';
import { awsEnv } from '../ddb.mjs';
import { summary } from '../stats.mjs';

/** The load average now, two decimals. */
export const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));
/** `node --version` of a Node binary. */
export const nodeVersion = (node) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

/**
 * Forks `file` with the input as JSON in argv[2] against DynamoDB Local at `endpoint`; resolves to its message.
 * `node`/`execArgv` run it on another Node binary or with flags (left out: the parent's, as fork does).
 */
export function runWorker(file, input, { name, endpoint, node, execArgv, env = {} }) {
  const child = fork(file, [JSON.stringify(input)], {
    ...(node ? { execPath: node } : {}), ...(execArgv ? { execArgv } : {}),
    env: { PATH: process.env.PATH, ...awsEnv(endpoint), TZ: 'UTC', ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let got;
    child.on('message', (m) => { got = m; });
    child.on('error', reject);
    child.on('exit', (code) => (got ? resolve(got) : reject(new Error(`${name} worker exited ${code} without a result`))));
  });
}

/** Per operation: `row` of the summaries of its variants' samples ({ variant: summary }). */
export function summariseOps(samples, row) {
  return Object.fromEntries(Object.entries(samples).map(([op, s]) => [op, row(Object.fromEntries(Object.entries(s).map(([v, xs]) => [v, summary(xs)])), op)]));
}

/** The operations whose A/A (`aaP50`) is off by more than `tolerance`. */
export const aaOffOps = (ops, tolerance) => Object.entries(ops).filter(([, o]) => Math.abs(o.aaP50 - 1) > tolerance).map(([op]) => op);

const r3 = (v) => Number(v.toFixed(3));
/** A setting off, on, and off again (off², the A/A): the ratios of on and off² to off (three decimals). */
export function onOffRow({ off, on, 'off²': aa }, { mean = false } = {}) {
  return {
    off, on, aa, ratioP50: r3(on.p50 / off.p50), aaP50: r3(aa.p50 / off.p50), ratioP99: r3(on.p99 / off.p99), aaP99: r3(aa.p99 / off.p99),
    ...(mean ? { ratioMean: r3(on.mean / off.mean), aaMean: r3(aa.mean / off.mean) } : {}), addedP50Us: Math.round((on.p50 - off.p50) * 1000),
  };
}
