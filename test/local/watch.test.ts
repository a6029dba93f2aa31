/**
 * The pure parts of `--watch` and of the faster start: which paths count as sources, what makes a function reload,
 * and `npx <bin>` resolved to the locally installed bin.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { withoutNpx } from '../../src/local/assembly';
import { functionFingerprint } from '../../src/local/session';
import { isWatchedPath } from '../../src/local/watch';

test('sources are every file but dependencies, version control, synthesized output and editor droppings', () => {
  for (const p of ['app.ts', 'lib/stack.ts', 'lambda/handler/index.js', 'cdk.json', 'schemas/item.json']) expect([p, isWatchedPath(p)]).toEqual([p, true]);
  for (const p of ['node_modules/x/index.js', 'cdk.out/manifest.json', 'sub/cdk.out/x.json', 'custom.out/tree.json', '.git/index',
    'app.ts~', '.app.ts.swp', '.#app.ts', 'coverage/lcov.info', '']) {
    expect([p, isWatchedPath(p)]).toEqual([p, false]);
  }
  // cdk.json's `output`, when it is not called cdk.out
  expect(isWatchedPath('synth/manifest.json', ['synth'])).toBe(false);
});

test('a function is reloaded when its code, handler, environment, timeout or memory change — not for a new assembly folder', () => {
  const base = { assetDir: '/tmp/a/asset.1234', handler: 'index.handler', environment: { A: '1', B: '2' }, timeoutSeconds: 10, memoryMb: 256 };
  const f = functionFingerprint(base);
  expect(functionFingerprint({ ...base, assetDir: '/tmp/b/asset.1234', environment: { B: '2', A: '1' } })).toBe(f);
  for (const change of [{ assetDir: '/tmp/a/asset.5678' }, { handler: 'index.other' }, { environment: { A: '1', B: '3' } }, { timeoutSeconds: 11 }, { memoryMb: 512 }]) {
    expect(functionFingerprint({ ...base, ...change })).not.toBe(f);
  }
});

test('npx <bin> runs the locally installed bin directly (what npx would run, without its start-up); anything else stays', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npx-'));
  const app = path.join(dir, 'apps', 'one');
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.mkdirSync(app, { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', '.bin', 'ts-node'), '');
  const bin = `'${path.join(dir, 'node_modules', '.bin', 'ts-node')}'`;
  expect(withoutNpx('npx ts-node --transpile-only app.ts', app)).toBe(`${bin} --transpile-only app.ts`);
  expect(withoutNpx('npx ts-node', app)).toBe(bin);
  expect(withoutNpx('npx --yes ts-node app.ts', app)).toBe('npx --yes ts-node app.ts');
  expect(withoutNpx('npx tsx app.ts', app)).toBe('npx tsx app.ts');
  expect(withoutNpx('node app.js', app)).toBe('node app.js');
  fs.rmSync(dir, { recursive: true, force: true });
});
