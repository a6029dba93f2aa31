/**
 * `--watch`'s kept synth process (src/local/synth-process.ts): which `app` commands it runs, and — with the bundled
 * CLI as the child, as the runner starts it — that one process synthesizes edit after edit (the app's own modules
 * required anew), that an app's error comes back as a failed synth without losing the process, and that a dead
 * process makes `synthesize()` spawn the app instead.
 * Bundled CLI (`npx projen bundle`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CLI } from './support/runner';
import { synthesize } from '../../src/local/assembly';
import { appLaunchOf, SynthProcess } from '../../src/local/synth-process';

const REPO = path.join(__dirname, '..', '..');

describe('appLaunchOf: the app commands run in the kept process', () => {
  // Inside the repository, so that ts-node and aws-cdk-lib resolve from it; removed afterwards.
  const dir = fs.mkdtempSync(path.join(REPO, 'test', 'local', '.watch-app-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tsNode = require.resolve('ts-node', { paths: [REPO] });
  const register = require.resolve('ts-node/register/transpile-only', { paths: [REPO] });

  test.each<[string, object]>([
    ['npx ts-node --prefer-ts-exts app.ts', { tsNode: { module: tsNode, options: { preferTsExts: true } } }],
    ['npx ts-node --transpile-only app.ts', { tsNode: { module: tsNode, options: { transpileOnly: true } } }],
    ['ts-node -T -P tsconfig.app.json app.ts', { tsNode: { module: tsNode, options: { transpileOnly: true, project: path.join(dir, 'tsconfig.app.json') } } }],
    ['ts-node -O \'{"strict":false}\' app.ts', { tsNode: { module: tsNode, options: { compilerOptions: { strict: false } } } }],
    ['node app.js', { requires: [] }],
    [`${JSON.stringify(process.execPath)} -r ${JSON.stringify(register)} app.js`, { requires: [register] }],
  ])('%s', (command, expected) => {
    const launch = appLaunchOf(command, dir)!;
    expect(launch).toMatchObject(expected);
    expect(launch.entry).toBe(path.join(dir, command.endsWith('.js') ? 'app.js' : 'app.ts'));
    if (launch.tsNode) expect(launch.tsNode.options).toMatchObject({ projectSearchDir: dir, cwd: dir });
  });

  test.each([
    'npx ts-node app.ts && echo done',
    'npx ts-node --esm app.ts',
    'npx --yes ts-node app.ts',
    'ts-node app.ts --stage dev',
    'node --inspect app.js',
    'node app.mjs',
    'npx ts-node app.mts',
    'python3 app.py',
    'node -r ./not-there.js app.js',
    '/usr/local/bin/some-other-node app.js',
  ])('%s: spawned instead', (command) => {
    expect(appLaunchOf(command, dir)).toBeUndefined();
  });

  test('an app in an ES module package: spawned instead', () => {
    const esm = path.join(dir, 'esm');
    fs.mkdirSync(esm);
    fs.writeFileSync(path.join(esm, 'package.json'), '{"type":"module"}');
    expect(appLaunchOf('node app.js', esm)).toBeUndefined();
    expect(appLaunchOf('node app.js', dir)).toBeDefined();
  });
});

describe('the kept synth process', () => {
  const dir = fs.mkdtempSync(path.join(REPO, 'test', 'local', '.watch-app-'));
  const synthProcess = new SynthProcess(CLI);
  afterAll(async () => {
    await synthProcess.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const lib = JSON.stringify(require.resolve('aws-cdk-lib', { paths: [REPO] }));
  /** The app: its stack in a module of its own; synthesized by the App's exit hook (no explicit `app.synth()`). */
  const writeApp = (version: string, broken = false) => {
    fs.writeFileSync(path.join(dir, 'stack.js'), `
      const { CfnOutput, Stack } = require(${lib});
      ${broken ? 'this is not javascript;' : ''}
      exports.build = (app) => new CfnOutput(new Stack(app, 'Kept'), 'Version', { value: ${JSON.stringify(version)} });`);
    fs.writeFileSync(path.join(dir, 'app.js'), `
      const { App } = require(${lib});
      const app = new App();
      require('./stack').build(app);
      new (require(${lib}).CfnOutput)(app.node.findChild('Kept'), 'Context', { value: String(app.node.tryGetContext('greeting')) });
      new (require(${lib}).CfnOutput)(app.node.findChild('Kept'), 'Main', { value: String(require.main === module) });`);
  };
  const outputsOf = (outdir: string) => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Kept.template.json'), 'utf8'));
    return Object.fromEntries(Object.entries<any>(template.Outputs).map(([k, v]) => [k, v.Value]));
  };
  let n = 0;
  const synth = async () => {
    const outdir = path.join(dir, `out${++n}`);
    const context = JSON.stringify({ greeting: `hello ${n}` });
    const outcome = await synthProcess.synth('node app.js', dir, { CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context, JSII_DEPRECATED: 'quiet' });
    return { outcome, outdir };
  };

  test('edit after edit in one process: the edited module is required anew, with each synth\'s outdir and context', async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle`
    writeApp('v1');
    const first = await synth();
    expect(first.outcome.kind).toBe('synthesized');
    expect(outputsOf(first.outdir)).toEqual({ Version: 'v1', Context: 'hello 1', Main: 'true' });

    writeApp('v2');
    const second = await synth();
    expect(second.outcome).toEqual(first.outcome); // same pid: the process was kept
    expect(outputsOf(second.outdir)).toEqual({ Version: 'v2', Context: 'hello 2', Main: 'true' });
  }, 60_000);

  test('synths asked for together run one after the other, each with its own outdir', async () => {
    writeApp('v2b');
    const [a, b] = await Promise.all([synth(), synth()]);
    expect([a.outcome.kind, b.outcome.kind]).toEqual(['synthesized', 'synthesized']);
    expect(outputsOf(a.outdir).Context).not.toBe(outputsOf(b.outdir).Context);
  }, 60_000);

  test('an app that fails comes back failed with its error; the process stays and serves the next synth', async () => {
    const before = await synth();
    expect(before.outcome.kind).toBe('synthesized');
    writeApp('v3', true);
    const broken = await synth();
    expect(broken.outcome.kind).toBe('failed');
    expect(broken.outcome.kind === 'failed' && broken.outcome.error).toMatch(/SyntaxError/);
    expect(fs.existsSync(path.join(broken.outdir, 'manifest.json'))).toBe(false);

    writeApp('v4');
    const fixed = await synth();
    expect(fixed.outcome).toEqual(before.outcome);
    expect(outputsOf(fixed.outdir).Version).toBe('v4');
  }, 60_000);

  test('synthesize(): the kept process, a new one when it died between synths, the app spawned when it dies in one', async () => {
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js', context: { greeting: 'from cdk.json' } }));
    writeApp('v5');
    const logs: string[] = [];
    const pidIn = () => /in the kept synth process \(pid (\d+)\)/.exec(logs.join('\n'))?.[1];
    const kept = await synthesize(dir, (l) => logs.push(l), synthProcess);
    const pid = pidIn();
    expect(pid).toBeDefined();
    expect(outputsOf(kept)).toEqual({ Version: 'v5', Context: 'from cdk.json', Main: 'true' });

    process.kill(Number(pid), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    writeApp('v6');
    logs.length = 0;
    const restarted = await synthesize(dir, (l) => logs.push(l), synthProcess);
    expect(outputsOf(restarted).Version).toBe('v6');
    expect(pidIn()).toBeDefined();
    expect(pidIn()).not.toBe(pid);

    // An app that exits in the kept process (only there: it has an IPC channel) is spawned, and synthesizes.
    fs.appendFileSync(path.join(dir, 'app.js'), '\nif (process.send) process.exit(7);');
    logs.length = 0;
    const spawned = await synthesize(dir, (l) => logs.push(l), synthProcess);
    expect(outputsOf(spawned).Version).toBe('v6');
    expect(logs.join('\n')).toMatch(/the kept synth process is not used \(the synth process exited \(code 7\)\); spawning the app/);
    expect(pidIn()).toBeUndefined();
    [kept, restarted, spawned].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  }, 60_000);

  test('a process past its heap budget is replaced by a fresh one; a stopped one runs the app\'s exit hooks', async () => {
    const small = new SynthProcess(CLI, 1);
    const marker = path.join(dir, 'exited');
    writeApp('v7');
    fs.appendFileSync(path.join(dir, 'app.js'), `\nprocess.once('exit', () => require('fs').writeFileSync(${JSON.stringify(marker)}, ''));`);
    const env = (k: number) => ({ CDK_OUTDIR: path.join(dir, `small${k}`), CDK_CONTEXT_JSON: '{}' });
    try {
      const first = await small.synth('node app.js', dir, env(1));
      const second = await small.synth('node app.js', dir, env(2));
      expect(first.kind).toBe('synthesized');
      expect(second.kind).toBe('synthesized');
      expect(second).not.toEqual(first); // another pid
      expect(outputsOf(path.join(dir, 'small2')).Version).toBe('v7');
      // The first one's exit hook ran (it exits on its own once disconnected).
      for (let i = 0; i < 100 && !fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.existsSync(marker)).toBe(true);
      fs.rmSync(marker);
    } finally {
      await small.dispose();
    }
    expect(fs.existsSync(marker)).toBe(true);
  }, 60_000);
});
