// What the cursor key costs a cold start: a list function's first listing (process start → first response, which
// issues a cursor) with the key given directly (CRUD_CURSOR_SECRET, no network) against the key read from Secrets
// Manager (CRUD_CURSOR_SECRET_ARN: the lazily loaded SDK client and its two GetSecretValue calls, AWSCURRENT and
// AWSPREVIOUS in parallel, to a local stand-in on loopback). Interleaved fresh processes. A real Secrets Manager adds
// its network round trip (one, the two calls are parallel) on top of the loopback figure.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { awsEnv, createItemsTable, handlerLikeItem, seed } from './ddb.mjs';
import { summary } from './stats.mjs';

const require = createRequire(import.meta.url);
const HARNESS = new URL('./cold-harness.cjs', import.meta.url).pathname;
const TABLE = 'bench-cursor-key';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-cursor-key-AbCdEf';

/** A loopback Secrets Manager answering GetSecretValue for one secret (AWSPREVIOUS: not found, as before a rotation). */
function fakeSecretsManager() {
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls++;
      const input = JSON.parse(body);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (input.VersionStage === 'AWSPREVIOUS') {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no previous version' }));
        return;
      }
      res.end(JSON.stringify({ ARN, Name: 'bench-cursor-key', SecretString: 'bench-cursor-key-0123456789abcdef0123456789abcdef', VersionId: 'v1' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    endpoint: `http://127.0.0.1:${server.address().port}`, calls: () => calls, close: () => new Promise((r) => server.close(r)),
  })));
}

function run(dir, env, event) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HARNESS, dir, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('close', (code) => {
      const line = out.split('\n').reverse().find((l) => l.startsWith('@@BENCH '));
      if (!line) return resolve({ error: `no result (exit ${code}): ${err.slice(-1000)}` });
      const r = JSON.parse(line.slice('@@BENCH '.length));
      if (r.error) return resolve({ error: r.error });
      if (r.status !== 200 || !JSON.parse(r.body).nextCursor) return resolve({ error: `status ${r.status}, no cursor: ${String(r.body).slice(0, 200)}` });
      resolve(r);
    });
  });
}

export async function runCursorKey({ ddb, endpoint, oursDir, libDir, runs, log }) {
  await createItemsTable(ddb, TABLE);
  await seed(ddb, TABLE, Array.from({ length: 30 }, (_, i) => handlerLikeItem(`ck-${i}`, `item ${i}`)));
  const { apiEvent } = require(join(libDir, 'events.cjs'));
  const event = apiEvent('GET', '/items', { query: { limit: 10 } });
  const sm = await fakeSecretsManager();
  const base = {
    PATH: process.env.PATH, ...awsEnv(endpoint), TZ: 'UTC', AWS_LAMBDA_FUNCTION_NAME: 'bench-list', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    CRUD_TABLES: TABLE, CRUD_ROUTES: 'items:list',
  };
  const variants = {
    'key in CRUD_CURSOR_SECRET': { ...base, CRUD_CURSOR_SECRET: 'bench-cursor-key-0123456789abcdef0123456789abcdef' },
    'key from Secrets Manager (loopback)': { ...base, CRUD_CURSOR_SECRET_ARN: ARN, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
  };
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const errors = [];
  try {
    for (let round = -1; round < runs; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const r = await run(oursDir, variants[name], event);
        if (r.error) errors.push(`cursor key ${name}: ${r.error}`);
        else if (round >= 0) samples[name].push(r);
      }
    }
  } finally {
    await sm.close();
  }
  log(`  cursor key: ${runs} rounds, ${sm.calls()} Secrets Manager calls`);
  const result = {};
  for (const name of names) {
    result[name] = { runs: samples[name].length, total: summary(samples[name].map((x) => x.total)), invoke: summary(samples[name].map((x) => x.invoke)) };
  }
  const [direct, fetched] = names.map((n) => result[n]);
  return {
    event: 'GET /items?limit=10 (30 items: the page issues a cursor), list function, fresh process each',
    runsPerVariant: runs,
    variants: result,
    addedP50Ms: fetched.total.p50 - direct.total.p50,
    secretsManagerCallsPerColdStart: sm.calls() / (runs + 1),
    errors,
  };
}
