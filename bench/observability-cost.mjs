#!/usr/bin/env node
// Where the cost of tracing + EMF (#23) goes, per request: each piece the `on` variant of bench/lib/observability.mjs
// adds to an `off` request, timed alone in a loop on the shipped build options (bench/lib/observability-cost-entry.ts),
// with the inputs of a real GET /items/{id} (one GetItem). Rounds of each piece in turn; the median of the rounds' ns
// per call. The UDP send goes to a socket of this process standing in for the daemon (counted).
//
//   node bench/observability-cost.mjs [--node=<node binary>] [--calls=20000] [--rounds=15]
//   node bench/observability-cost.mjs --cold [--node=<node binary>] [--runs=60]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_BUILD_OPTIONS } from './lib/build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', '.out', 'observability-cost');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const node = arg('node', process.execPath);
mkdirSync(OUT, { recursive: true });
await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: ROOT, entryPoints: ['bench/lib/observability-cost-entry.ts'], outfile: join(OUT, 'entry.js') });
writeFileSync(join(OUT, 'run.cjs'), `'use strict';
const dgram = require('dgram');
const fs = require('fs');
const m = require('./entry.js');
const calls = Number(process.argv[2]); const rounds = Number(process.argv[3]);
const devnull = fs.openSync('/dev/null', 'w');
const write = (line) => { fs.writeSync(devnull, line + '\\n'); };
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const trace = m.parseTraceHeader(HEADER);
const t = performance.timeOrigin + performance.now();
const call = { operation: 'GetItem', tables: ['bench-obs-on'], startMs: t, endMs: t + 0.8, kind: 'read',
  consumed: [{ TableName: 'bench-obs-on', CapacityUnits: 1 }], attempts: 1, status: 200, requestId: 'RID0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', conditionFailed: false, throttled: false };
const summary = { capacity: { 'bench-obs-on': { read: 1, write: 0 } }, readUnits: 1, writeUnits: 0, calls: 1, conditionFailures: 0, throttles: 0, sdkRetries: 0, unreported: 0 };
const outcome = { resource: 'items', operation: 'read', status: 200, latencyMs: 1, calls: summary, idempotentReplay: false, writeRetries: 0 };
const fields = { requestId: 'req-0123', awsRequestId: 'warm', route: 'GET /items/{id}', operation: 'read', status: 200, latencyMs: 1, itemId: 'warm-1',
  dynamodb: { calls: 1, readUnits: 1, writeUnits: 0, tables: { 'bench-obs-on': { read: 1, write: 0 } } } };
const daemon = dgram.createSocket('udp4'); let received = 0; daemon.on('message', () => { received++; });
daemon.bind(0, '127.0.0.1', async () => {
  const emitter = new m.XRayEmitter({ host: '127.0.0.1', port: daemon.address().port }, 'us-east-1');
  emitter.prepare();
  await new Promise((r) => setTimeout(r, 50));
  const datagram = '{"format":"json","version":1}\\n' + JSON.stringify(m.subsegmentOf(trace, call, 'us-east-1'));
  const sock = dgram.createSocket('udp4'); sock.unref(); sock.bind(0);
  await new Promise((r) => setTimeout(r, 50));
  const pieces = {
    'log line, off (baseline: build + stringify + write)': () => m.logRequest(write, fields),
    'log line, on: + traceId + EMF members (requestMetrics included)': () => m.logRequest(write, { ...fields, traceId: trace.traceId }, m.requestMetrics({ api: 'Bench/Todos' }, outcome, t)),
    'requestMetrics alone (the EMF members)': () => m.requestMetrics({ api: 'Bench/Todos' }, outcome, t),
    'parseTraceHeader (per invocation)': () => m.parseTraceHeader(HEADER),
    'subsegmentOf (the document, randomBytes id)': () => m.subsegmentOf(trace, call, 'us-east-1'),
    'subsegment: JSON.stringify': () => JSON.stringify(m.subsegmentOf(trace, call, 'us-east-1')),
    'UDP send of one datagram (socket.send)': () => sock.send(datagram, daemon.address().port, '127.0.0.1'),
    'XRayEmitter.emit (all of the above for one call)': () => emitter.emit(trace, call),
  };
  const names = Object.keys(pieces);
  const ns = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = -2; r < rounds; r++) {
    for (const name of names) {
      const f = pieces[name];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) f();
      const d = Number(process.hrtime.bigint() - t0) / calls;
      // Let queued sends leave before the next piece is timed (their completion runs on this loop).
      await new Promise((res) => setTimeout(res, 20));
      if (r >= 0) ns[name].push(d);
    }
  }
  await new Promise((res) => setTimeout(res, 200));
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(JSON.stringify({ node: process.version, calls, rounds, ns: Object.fromEntries(names.map((n) => [n, med(ns[n])])), received,
    sent: rounds * calls * 2 + 2 * calls * 2, bytes: { datagram: Buffer.byteLength(datagram), lineOff: 0 } }) + '\\n');
  process.exit(0);
});
`);
// --cold: the first use of each piece in a fresh process (what a cold start's first request pays), `off` and `on`
// processes alternating: off writes its first log line; on opens the socket, parses the header, sends its first
// subsegment, builds its first EMF members and writes its first line with them. Synchronous time only: the socket's
// bind and the datagram's send complete on the event loop while the request waits for DynamoDB or after the response.
writeFileSync(join(OUT, 'cold.cjs'), `'use strict';
const t0 = performance.now();
const m = require('./entry.js');
const tLoad = performance.now() - t0;
const fs = require('fs');
const devnull = fs.openSync('/dev/null', 'w');
const write = (line) => { fs.writeSync(devnull, line + '\\n'); };
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const t = performance.timeOrigin + performance.now();
const call = { operation: 'GetItem', tables: ['t'], startMs: t, endMs: t + 0.8, kind: 'read', consumed: [{ TableName: 't', CapacityUnits: 1 }], attempts: 1, status: 200, requestId: 'RID0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', conditionFailed: false, throttled: false };
const summary = { capacity: { t: { read: 1, write: 0 } }, readUnits: 1, writeUnits: 0, calls: 1, conditionFailures: 0, throttles: 0, sdkRetries: 0, unreported: 0 };
const outcome = { resource: 'items', operation: 'read', status: 200, latencyMs: 1, calls: summary, idempotentReplay: false, writeRetries: 0 };
const fields = { requestId: 'req-0123', awsRequestId: 'cold', route: 'GET /items/{id}', operation: 'read', status: 200, latencyMs: 1, itemId: 'x', dynamodb: { calls: 1, readUnits: 1, writeUnits: 0, tables: { t: { read: 1, write: 0 } } } };
const time = (f) => { const a = performance.now(); f(); return performance.now() - a; };
const out = { mode: process.argv[2], load: tLoad };
if (process.argv[2] === 'on') {
  const emitter = m.XRayEmitter.fromEnvironment({ AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:' + process.argv[3], AWS_REGION: 'us-east-1' });
  let trace;
  out.header = time(() => { trace = m.parseTraceHeader(HEADER); });
  out.prepare = time(() => emitter.prepare());
  out.emit = time(() => emitter.emit(trace, call));
  out.line = time(() => m.logRequest(write, { ...fields, traceId: trace.traceId }, m.requestMetrics({ api: 'Bench/Todos' }, outcome, t)));
} else {
  out.line = time(() => m.logRequest(write, fields));
}
setTimeout(() => { process.stdout.write(JSON.stringify(out) + '\\n'); process.exit(0); }, 20);
`);
if (process.argv.includes('--cold')) {
  const dgram = await import('node:dgram');
  const daemon = dgram.createSocket('udp4');
  await new Promise((r) => daemon.bind(0, '127.0.0.1', r));
  const port = String(daemon.address().port);
  const runs = Number(arg('runs', '60'));
  const got = { off: [], on: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 ? ['on', 'off'] : ['off', 'on']) got[mode].push(JSON.parse(execFileSync(node, [join(OUT, 'cold.cjs'), mode, port], { encoding: 'utf8' })));
  }
  daemon.close();
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const p = (mode, k) => med(got[mode].map((x) => x[k]));
  const onTotal = med(got.on.map((x) => x.header + x.prepare + x.emit + x.line));
  console.log(`Tracing + EMF, first use in a fresh process (${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}, ${runs} processes each, alternating; medians, ms):`);
  console.log(`  off: first log line ${p('off', 'line').toFixed(3)}`);
  console.log(`  on:  header ${p('on', 'header').toFixed(3)}, socket (create + bind) ${p('on', 'prepare').toFixed(3)}, first subsegment ${p('on', 'emit').toFixed(3)}, first line with EMF ${p('on', 'line').toFixed(3)}; all ${onTotal.toFixed(3)}`);
  console.log(`  => on adds ${(onTotal - p('off', 'line')).toFixed(3)} ms to the first request (synchronous)`);
  process.exit(0);
}
const calls = arg('calls', '20000');
const rounds = arg('rounds', '15');
const out = JSON.parse(execFileSync(node, [join(OUT, 'run.cjs'), calls, rounds], { encoding: 'utf8', maxBuffer: 1 << 24 }));
console.log(`Tracing + EMF, per piece (${out.node}, ${calls} calls × ${rounds} rounds, median round; datagram ${out.bytes.datagram} bytes; daemon received ${out.received})`);
for (const [k, v] of Object.entries(out.ns)) console.log(`  ${(v / 1000).toFixed(2).padStart(7)} µs  ${k}`);
const off = out.ns['log line, off (baseline: build + stringify + write)'];
const on = out.ns['log line, on: + traceId + EMF members (requestMetrics included)'];
console.log(`  => the line: +${((on - off) / 1000).toFixed(2)} µs; one subsegment: ${(out.ns['XRayEmitter.emit (all of the above for one call)'] / 1000).toFixed(2)} µs`);
