// Synth: the time to synthesize an app with N ServerlessCrudApis against the same resources written by hand with
// L2 constructs (bench/synth/*.ts), in fresh node processes, interleaved. Two ways to run the apps:
//  - ts-node: `node -r ts-node/register/transpile-only bench/synth/<app>.ts`; our construct comes from ../../src, so
//    our ~1,800 lines of TypeScript are transpiled in every run (the hand-written app transpiles only itself);
//  - compiled: each app bundled by esbuild to plain JS (aws-cdk-lib and constructs external), the way a consumer
//    runs the published, compiled library.
// The CDK CLI (`cdk synth`) would add the same fixed start-up cost to both; asset and path metadata are on, as the
// CLI sets them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ratio, summary } from './stats.mjs';

/** The apps compared: one default API per stack, and one API of ten resources per stack (bench/synth/). */
export const APPS = { ours: 'crud-apis', hand: 'hand-written' };
export const RESOURCES_APPS = { ours: 'crud-resources', hand: 'hand-written-resources' };

/** Where prepareSynth bundles an app (compiled mode). */
export const appBundle = (jsDir, app) => join(jsDir, 'lib', 'construct', `${app}.js`);

function resourceCounts(outdir) {
  const counts = { stacks: 0, resources: 0 };
  for (const f of readdirSync(outdir).filter((x) => x.endsWith('.template.json'))) {
    counts.stacks++;
    counts.resources += Object.keys(JSON.parse(readFileSync(join(outdir, f), 'utf8')).Resources ?? {}).length;
  }
  return counts;
}

export async function prepareSynth(root, outDir) {
  const shipped = join(root, 'assets', 'handler', 'crud.lambda', 'index.js');
  const js = join(outDir, 'synth-js');
  rmSync(js, { recursive: true, force: true });
  // The construct finds its handler bundle at <its file>/../../assets/handler/crud.lambda (src/construct/handler-code.ts;
  // lib/construct/ in the package): each app is bundled into lib/construct/ below synth-js (appBundle), as in the package.
  mkdirSync(join(js, 'assets', 'handler', 'crud.lambda'), { recursive: true });
  copyFileSync(shipped, join(js, 'assets', 'handler', 'crud.lambda', 'index.js'));
  // The hand-written app deploys the same bundle as its function code.
  const handlerDir = join(outDir, 'synth-handler');
  mkdirSync(handlerDir, { recursive: true });
  copyFileSync(shipped, join(handlerDir, 'index.js'));
  for (const app of [...Object.values(APPS), ...Object.values(RESOURCES_APPS)]) {
    await build({
      absWorkingDir: root, entryPoints: [`bench/synth/${app}.ts`], outfile: appBundle(js, app), bundle: true,
      platform: 'node', target: 'node20', format: 'cjs', external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], logLevel: 'error',
    });
  }
  return { jsDir: js, handlerDir };
}

function synthOnce(root, outDir, prep, mode, app, n, extraEnv = {}) {
  const outdir = mkdtempSync(join(outDir, 'synth-run-'));
  const args = mode === 'ts-node'
    ? ['-r', 'ts-node/register/transpile-only', `bench/synth/${app}.ts`]
    : [appBundle(prep.jsDir, app)];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true }),
      BENCH_APIS: String(n),
      BENCH_HANDLER_DIR: prep.handlerDir,
      JSII_DEPRECATED: 'quiet',
      ...extraEnv,
    },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    rmSync(outdir, { recursive: true, force: true });
    return { error: `synth ${mode} ${app} N=${n} exited ${r.status}: ${(r.stderr ?? '').slice(-2000)}` };
  }
  return { ms, outdir };
}

/**
 * @param plan [{ n, runs }]: measured runs per variant and mode
 * @param warmupRuns runs of each variant first, reported apart (asset staging cache, page cache)
 * @param apps the apps compared (APPS or RESOURCES_APPS)
 * Keeps the assembly of an N=1 run of our app at `<outDir>/<assemblyName>` for the local-runner benchmark.
 */
export async function runSynth({ root, outDir, prep, plan, modes, warmupRuns, log, env = {}, assemblyName = 'assembly', apps = APPS }) {
  const errors = [];
  const results = [];
  const assembly = join(outDir, assemblyName);
  rmSync(assembly, { recursive: true, force: true });
  for (const { n, runs } of plan) {
    for (const mode of modes) {
      const times = { ours: [], hand: [] };
      const warmup = { ours: [], hand: [] };
      const counts = {};
      for (let round = -warmupRuns; round < runs; round++) {
        const order = round % 2 === 0 ? ['ours', 'hand'] : ['hand', 'ours'];
        for (const variant of order) {
          const r = synthOnce(root, outDir, prep, mode, apps[variant], n, env);
          if (r.error) { errors.push(r.error); continue; }
          (round < 0 ? warmup : times)[variant].push(r.ms);
          counts[variant] ??= resourceCounts(r.outdir);
          if (n === 1 && variant === 'ours' && mode === modes[0] && round === runs - 1) {
            renameSync(r.outdir, assembly);
          } else {
            rmSync(r.outdir, { recursive: true, force: true });
          }
        }
      }
      const ours = summary(times.ours);
      const hand = summary(times.hand);
      results.push({ n, mode, runs, ours, hand, ratioP50: ratio(ours.p50, hand.p50), warmupMs: warmup, templates: counts });
      log(`  synth N=${n} ${mode}: ours ${ours.p50.toFixed(0)} ms, hand-written ${hand.p50.toFixed(0)} ms`);
    }
  }
  return { results, errors, assembly };
}
