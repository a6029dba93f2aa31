// The peer of the local runner: serverless-offline 13 on the osls CLI (the open-source Serverless Framework v3 fork),
// serving the same bundled handler (the assembly's asset folder, index.js + crud-config.json) with the same function
// environment, against the same DynamoDB Local. Installed into bench/offline by `npm ci` on first use (its lock file is
// committed); nothing of it is a project dependency.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { awsEnv } from './ddb.mjs';
import { startServer } from './harness/server.mjs';

const LOCAL_MANIFEST = 'cdk-serverless-crud-api:local';

/** Installs osls and serverless-offline into bench/offline when they are not there yet. */
export function ensureOffline(root, log) {
  const dir = join(root, 'bench', 'offline');
  const bin = join(dir, 'node_modules', '.bin', 'osls');
  if (!existsSync(bin)) {
    log('bench: installing osls + serverless-offline into bench/offline (npm ci, once)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const version = (pkg) => JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  return { bin, versions: { osls: version('osls'), 'serverless-offline': version('serverless-offline') } };
}

/** The first API of the assembly: its functions (asset folder, handler, environment, timeout) and routes. */
function readApi(assemblyDir) {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8'));
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const file = artifact.additionalMetadataFile ?? artifact.properties?.additionalMetadataFile;
    const metadata = { ...(artifact.metadata ?? {}), ...(file ? JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) : {}) };
    const entry = Object.values(metadata).flat().find((e) => e.type === LOCAL_MANIFEST);
    if (!entry) continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    const functions = entry.data.functions.map((f) => {
      const res = template.Resources[f.logicalId];
      return { logicalId: f.logicalId, assetDir: join(assemblyDir, res.Metadata['aws:asset:path']), handler: f.handler, timeoutSeconds: f.timeoutSeconds,
        environment: res.Properties.Environment?.Variables ?? {} };
    });
    return { routes: entry.data.routes, functions, resources: entry.data.resources };
  }
  throw new Error(`no ServerlessCrudApi in ${assemblyDir}`);
}

/**
 * Writes a serverless.yml service for the API: one function per function of the assembly, httpApi events for its
 * routes, table references resolved to `tables` (logical id → name). Returns the service folder.
 */
function writeService(outDir, api, tables, ports) {
  const svc = join(outDir, 'offline-service');
  rmSync(svc, { recursive: true, force: true });
  mkdirSync(svc, { recursive: true });
  const lines = [
    'service: bench-offline',
    'provider:',
    '  name: aws',
    '  runtime: nodejs20.x',
    '  region: us-east-1',
    '  stage: local',
    'plugins:',
    '  - serverless-offline',
    'custom:',
    '  serverless-offline:',
    `    httpPort: ${ports.http}`,
    `    lambdaPort: ${ports.lambda}`,
    '    host: 127.0.0.1',
    '    noPrependStageInUrl: true',
    'functions:',
  ];
  const q = (s) => JSON.stringify(String(s));
  for (const fn of api.functions) {
    // One copy of each asset folder, named by its hash (all functions share the handler bundle).
    const asset = basename(fn.assetDir);
    if (!existsSync(join(svc, asset))) cpSync(fn.assetDir, join(svc, asset), { recursive: true });
    lines.push(`  ${fn.logicalId}:`, `    handler: ${asset}/${fn.handler}`, `    timeout: ${fn.timeoutSeconds}`, '    environment:');
    for (const [k, v] of Object.entries(fn.environment)) {
      if (k === 'CRUD_CURSOR_SECRET_ARN') continue;
      const value = typeof v === 'string' ? v : tables[v?.Ref];
      if (value === undefined) throw new Error(`${fn.logicalId}: cannot resolve ${k}=${JSON.stringify(v)}`);
      lines.push(`      ${k}: ${q(value)}`);
    }
    // The runner gives every function a per-run cursor key instead of the secret; the same here.
    lines.push(`      CRUD_CURSOR_SECRET: ${q('bench-cursor-key-0123456789abcdef0123456789abcdef')}`);
    const routes = api.routes.filter((r) => r.functionLogicalId === fn.logicalId);
    if (routes.length) lines.push('    events:');
    for (const r of routes) lines.push('      - httpApi:', `          method: ${r.method}`, `          path: ${q(r.path)}`);
  }
  writeFileSync(join(svc, 'serverless.yml'), `${lines.join('\n')}\n`);
  return svc;
}

/** The tables the API's functions reference (logical ids), from their environment. */
export function tableRefs(assemblyDir) {
  const api = readApi(assemblyDir);
  const refs = new Set();
  for (const fn of api.functions) for (const v of Object.values(fn.environment)) if (v?.Ref && /Table/.test(v.Ref)) refs.add(v.Ref);
  return [...refs];
}

/**
 * Starts `osls offline start` for the API of the assembly, its table references mapped to `tables`; resolves once it
 * says it is ready.
 */
export async function startOffline({ root, outDir, assemblyDir, endpoint, tables, ports, log }) {
  const { bin, versions } = ensureOffline(root, log);
  const svc = writeService(outDir, readApi(assemblyDir), tables, ports);
  const server = startServer('serverless-offline', process.execPath, [bin, 'offline', 'start'], {
    cwd: svc,
    env: { ...process.env, ...awsEnv(endpoint), SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', NO_COLOR: '1', FORCE_COLOR: '0' },
    outputLimit: 20_000,
  });
  await server.waitFor((out) => /Server ready/.test(out));
  return { ...server, url: `http://127.0.0.1:${ports.http}`, versions };
}
