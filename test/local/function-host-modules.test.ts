/**
 * User functions (issue #20) are loaded as Lambda's Node.js runtime loads them: `<file>.js`, `.mjs` or `.cjs`; an ES
 * module when `.mjs` or under a package.json of `"type": "module"`, CommonJS otherwise; packages the asset does not
 * bring (the AWS SDK, which Lambda provides) from the app's node_modules, for both module kinds. Worker threads start
 * from the bundled CLI (`npx projen bundle`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionSpec, HostedFunction, hostFunctions } from '../../src/local/function-host';

const CLI = path.join(__dirname, '..', '..', 'assets', 'local', 'cli', 'index.js');

describe('a user function, by module kind', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'function-modules-'));
  // A package only reachable through moduleDirs (stands for the SDK in the app's node_modules), CJS and ESM at once.
  const modules = path.join(work, 'app', 'node_modules');
  fs.mkdirSync(path.join(modules, 'fake-sdk'), { recursive: true });
  fs.writeFileSync(path.join(modules, 'fake-sdk', 'package.json'), JSON.stringify({ name: 'fake-sdk', main: 'index.js' }));
  fs.writeFileSync(path.join(modules, 'fake-sdk', 'index.js'), "exports.name = 'fake-sdk';");
  const hosted: HostedFunction[] = [];

  const asset = (name: string, files: Record<string, string>) => {
    const dir = path.join(work, name);
    for (const [file, code] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), code);
    }
    return dir;
  };
  const invoke = async (assetDir: string, handler = 'index.handler') => {
    const spec: FunctionSpec = {
      functionName: path.basename(assetDir),
      label: path.basename(assetDir),
      assetDir,
      handler,
      environment: { GREETING: 'hi' },
      timeoutSeconds: 5,
      memoryMb: 128,
      moduleDirs: [modules],
    };
    const fn = hostFunctions([spec], { allLogs: false, workerEntry: CLI, onLog: () => undefined }).get(spec.functionName)!;
    hosted.push(fn);
    return fn.invoke({ rawPath: '/x' }, 'r1');
  };

  afterAll(async () => {
    for (const h of hosted) await h.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('CommonJS index.js, with a package from the app', async () => {
    const dir = asset('cjs', { 'index.js': "const sdk = require('fake-sdk'); exports.handler = async (e) => ({ kind: typeof module, sdk: sdk.name, env: process.env.GREETING, path: e.rawPath });" });
    expect((await invoke(dir)).result).toEqual({ kind: 'object', sdk: 'fake-sdk', env: 'hi', path: '/x' });
  });

  test('an ES module: index.mjs, with a package from the app', async () => {
    const dir = asset('mjs', { 'index.mjs': "import sdk from 'fake-sdk'; export const handler = async () => ({ esm: typeof require === 'undefined', sdk: sdk.name, env: process.env.GREETING });" });
    expect((await invoke(dir)).result).toEqual({ esm: true, sdk: 'fake-sdk', env: 'hi' });
  });

  test('an ES module: index.js under "type": "module", in a subfolder, with top-level await', async () => {
    const dir = asset('esm-js', {
      'package.json': JSON.stringify({ type: 'module' }),
      'src/main.js': "const ready = await Promise.resolve('ready'); export async function handler() { return { esm: typeof require === 'undefined', ready }; }",
    });
    expect((await invoke(dir, 'src/main.handler')).result).toEqual({ esm: true, ready: 'ready' });
  });

  test('index.cjs under "type": "module" is CommonJS', async () => {
    const dir = asset('cjs-in-esm', { 'package.json': JSON.stringify({ type: 'module' }), 'index.cjs': 'exports.handler = async () => ({ cjs: typeof require === "function" });' });
    expect((await invoke(dir)).result).toEqual({ cjs: true });
  });

  test('an AWS SDK package nowhere to be found: the error says Lambda provides it and how to install it locally', async () => {
    const dir = asset('no-sdk', { 'index.js': "require('@aws-sdk/client-not-installed'); exports.handler = async () => ({});" });
    const { error } = await invoke(dir);
    expect(error?.message).toMatch(/Cannot find module '@aws-sdk\/client-not-installed'[\s\S]*provided by Lambda's Node.js runtime; .*npm install --save-dev @aws-sdk\/client-not-installed/);
  });

  test('no handler file: Runtime.ImportModuleError naming it', async () => {
    const dir = asset('missing', { 'other.js': '' });
    expect((await invoke(dir)).error).toMatchObject({ name: 'Runtime.ImportModuleError', message: expect.stringContaining("Cannot find module 'index'") });
  });
});
