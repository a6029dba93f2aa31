#!/usr/bin/env node
// The consumer-compatibility test: the library as users get it, in a fresh CDK app, with the aws-cdk-lib versions
// users have — the lowest our peer range allows, and the newest the registry serves today — synthesizing the README's
// examples with the CDK CLI under the checks the README promises clean.
//
//   node test/consumers/run.mjs [--only=floor|newest] [--keep]
//
// 1. `npm pack` of this checkout (lib/ and assets/ must be built: `npx projen compile` and `bundle`), so the tarball
//    is what .npmignore lets through, as published.
// 2. One fresh app (a temp folder): the tarball, the floor aws-cdk-lib (from package.json's peerDependencies), the
//    cdk-nag and cfn-guard validator our tests use, constructs from our peer range, the CDK CLI (aws-cdk@^2).
//    Its sources are the README's marked blocks (test/consumers/readme-examples.mjs), type-checked with tsc.
// 3. `cdk synth` of each entry point; then `npm install aws-cdk-lib@^2 cdk-nag@^3` in the same app (only those two
//    change; everything else comes from the same install and the npm cache) and again.
// Fails, printing each finding with the versions installed, when any check finds anything.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerSources } from './readme-examples.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const keep = args.includes('--keep');

/** The README stacks the test expects to find (a renamed or lost marker fails the test, not silently shrinks it). */
const README_STACKS = ['TodosStack', 'ShopStack', 'PlannerStack', 'EventsStack', 'RecordsStack'];

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const lockVersion = (name) => lock.packages[`node_modules/${name}`]?.version ?? fail(`${name} is not in package-lock.json`);

function fail(message) {
  console.error(`test:consumers: ${message}`);
  process.exit(1);
}

/** The lowest version a `^x.y.z` / `>=x.y.z` / `x.y.z` range allows. */
function floorOf(range, name) {
  const m = /^(?:\^|~|>=\s*)?(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!m) fail(`cannot read the lowest version of ${name}'s peer range '${range}'`);
  return m[1];
}
const major = (version) => version.split('.')[0];

const CDK_FLOOR = floorOf(pkg.peerDependencies['aws-cdk-lib'], 'aws-cdk-lib');
const VARIANTS = [
  // (a) the lowest aws-cdk-lib we claim to support, with the cdk-nag our own tests run
  { name: 'floor', install: { 'aws-cdk-lib': CDK_FLOOR, 'cdk-nag': lockVersion('cdk-nag') } },
  // (b) what `npm install aws-cdk-lib@^2 cdk-nag@^3` gives a new user today
  { name: 'newest', install: { 'aws-cdk-lib': `^${major(CDK_FLOOR)}`, 'cdk-nag': `^${major(lockVersion('cdk-nag'))}` } },
].filter((v) => !only || v.name === only);
if (VARIANTS.length === 0) fail(`--only must be one of floor, newest`);

const times = [];
function timed(label, fn) {
  const start = Date.now();
  try {
    return fn();
  } finally {
    times.push([label, (Date.now() - start) / 1000]);
  }
}

function run(cmd, argv, cwd, env = {}) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function runOrFail(what, cmd, argv, cwd, env) {
  const r = run(cmd, argv, cwd, env);
  if (r.code !== 0) fail(`${what} failed (exit ${r.code}):\n${r.out}`);
  return r;
}

// ---- 1. the package as published
for (const built of ['lib/index.js', '.jsii', 'assets/handler/crud.lambda/index.js']) {
  if (!fs.existsSync(path.join(ROOT, built))) fail(`${built} is missing: run \`npx projen compile\` and \`npx projen bundle\` first`);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumers-'));
const app = path.join(work, 'app');
fs.mkdirSync(app);
const tarball = timed('npm pack', () => {
  const r = runOrFail('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], ROOT);
  return path.join(work, JSON.parse(r.stdout)[0].filename);
});

// ---- 2. a fresh app from the README
const { files, entryStacks, others } = consumerSources(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), README_STACKS);
for (const [file, text] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
  fs.writeFileSync(path.join(app, file), text);
}
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
  name: 'consumer-app',
  version: '0.0.0',
  private: true,
  dependencies: {
    'cdk-serverless-crud-api': `file:${tarball}`,
    ...VARIANTS[0].install,
    'constructs': pkg.peerDependencies.constructs,
    '@cdklabs/cdk-validator-cfnguard': lockVersion('@cdklabs/cdk-validator-cfnguard'),
  },
  devDependencies: { 'aws-cdk': pkg.devDependencies['aws-cdk'] },
}, undefined, 2));
// As `cdk init app --language typescript` writes it (strict), compiled with this checkout's TypeScript; @types/node
// from here too. Library .d.ts files are not re-checked (skipLibCheck), as in most apps.
fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['es2022'], strict: true,
    noImplicitReturns: true, skipLibCheck: true, outDir: 'dist', rootDir: '.',
    typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'],
  },
  include: ['bin/**/*.ts', 'lib/**/*.ts'],
}, undefined, 2));
fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node dist/bin/entry.js' }, undefined, 2));

/** Every error annotation in a cloud assembly, as `{ at, message }` (metadata in the manifest or in its own file). */
function errorAnnotations(outdir) {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return [];
  const out = [];
  for (const artifact of Object.values(JSON.parse(fs.readFileSync(manifestFile, 'utf8')).artifacts ?? {})) {
    const metadata = { ...artifact.metadata };
    if (artifact.additionalMetadataFile) Object.assign(metadata, JSON.parse(fs.readFileSync(path.join(outdir, artifact.additionalMetadataFile), 'utf8')));
    for (const [at, entries] of Object.entries(metadata)) {
      for (const e of entries) if (e.type === 'aws:cdk:error') out.push({ at, message: String(e.data) });
    }
  }
  return out;
}

const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-online', '--loglevel=error'];
const installed = (name) => JSON.parse(fs.readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8')).version;

const results = [];
for (const [i, variant] of VARIANTS.entries()) {
  timed(`${variant.name}: npm install`, () => {
    if (i === 0) runOrFail('npm install', 'npm', ['install', ...NPM_FLAGS], app);
    else runOrFail('npm install', 'npm', ['install', ...NPM_FLAGS, ...Object.entries(variant.install).map(([n, v]) => `${n}@${v}`)], app);
  });
  const versions = Object.fromEntries(['aws-cdk-lib', 'cdk-nag', 'constructs', '@cdklabs/cdk-validator-cfnguard', 'aws-cdk', 'cdk-serverless-crud-api']
    .map((n) => [n, installed(n)]));
  versions.node = process.version;
  const label = `${variant.name} (aws-cdk-lib ${versions['aws-cdk-lib']}, cdk-nag ${versions['cdk-nag']})`;
  console.log(`\n== ${label}\n   ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')}`);

  const findings = [];
  const tsc = timed(`${variant.name}: tsc`, () => run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app));
  if (tsc.code !== 0) {
    findings.push(...tsc.out.trim().split('\n').filter((l) => /error TS\d+/.test(l)).map((l) => `tsc: ${l}`));
  } else {
    const apps = [['entry', entryStacks], ...(others.length ? [['examples', others]] : [])];
    for (const [entry, stacks] of apps) {
      const outdir = `cdk.out/${variant.name}-${entry}`;
      const synth = timed(`${variant.name}: cdk synth ${entry} (${stacks.join(', ')})`, () => run(process.execPath,
        [path.join(app, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '--app', `node dist/bin/${entry}.js`, '--output', outdir],
        app, { CI: 'true', FORCE_COLOR: '0' }));
      // Error annotations, from the assembly (the CLI prints them only when the app itself exits cleanly).
      const errors = errorAnnotations(path.join(app, outdir));
      for (const { at, message } of errors) findings.push(`${at}: ${message.split(': ')[0]}`);
      // The Control Tower controls: the README's entry point fails on any report; list what it holds.
      const reportFile = path.join(app, outdir, 'policy-validation-report.json');
      if (fs.existsSync(reportFile)) {
        for (const plugin of JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports ?? []) {
          for (const v of plugin.violations ?? []) {
            const where = [...new Set((v.violatingResources ?? []).map((r) => r.resourceLogicalId).filter(Boolean))];
            findings.push(`${plugin.pluginName ?? 'validator'}: ${v.ruleName} on ${where.join(', ') || '(no resource)'}`);
          }
        }
      }
      if (synth.code !== 0 && errors.length === 0 && !fs.existsSync(reportFile)) {
        findings.push(`cdk synth ${entry} exited ${synth.code}:\n${synth.out.trim().split('\n').slice(-30).join('\n')}`);
      }
      if (synth.code === 0 && findings.length > 0) findings.push(`cdk synth ${entry} exited 0 despite the findings above`);
    }
  }
  results.push({ label, versions, findings });
  console.log(findings.length === 0 ? '   clean: every README example synthesizes with zero findings' : `   ${findings.length} finding(s):`);
  for (const f of findings) console.log(`   - ${f}`);
}

console.log('\nTimings:');
for (const [label, s] of times) console.log(`   ${s.toFixed(1).padStart(6)} s  ${label}`);
console.log(`   ${times.reduce((a, [, s]) => a + s, 0).toFixed(1).padStart(6)} s  total`);

const failed = results.filter((r) => r.findings.length > 0);
if (failed.length > 0) {
  console.error(`\ntest:consumers FAILED: a fresh app with the README's examples is not clean`);
  for (const r of failed) {
    console.error(`\n  ${r.label}: ${r.findings.length} finding(s)`);
    console.error(`  versions: ${Object.entries(r.versions).map(([n, v]) => `${n}@${v}`).join(' ')}`);
    for (const f of r.findings) console.error(`    - ${f}`);
  }
  console.error(`\n  the app: ${app}`);
  process.exit(1);
}
if (!keep) fs.rmSync(work, { recursive: true, force: true });
else console.log(`\nthe app: ${app}`);
console.log(`\ntest:consumers: ${results.map((r) => r.label).join('; ')} — clean`);
