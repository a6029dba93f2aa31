/**
 * The npm package as users get it: packed by `npm pack`, it must hold the compiled library, the jsii assembly, the
 * bundled handler and runner, and nothing else — and a consumer with only aws-cdk-lib and constructs (no esbuild,
 * no TypeScript) must be able to synthesize the one-liner from it. Needs `npx projen compile` and `bundle` first
 * (the build runs both before the tests).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

describe('npm package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pkg-'));
  let files: string[] = [];
  let tarball = '';

  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const info = JSON.parse(out)[0];
    files = info.files.map((f: { path: string }) => f.path).sort();
    tarball = path.join(work, info.filename);
  }, 120_000);

  test('contains lib/, .jsii, the bundled handler and runner with the Swagger UI files, API.md, README.md, LICENSE', () => {
    for (const f of ['.jsii', 'API.md', 'LICENSE', 'README.md', 'lib/index.js', 'lib/index.d.ts', 'assets/handler/crud.lambda/index.js', 'assets/local/cli/index.js', 'assets/local/docs/swagger-ui-bundle.js', 'assets/local/docs/swagger-ui.css', 'assets/local/docs/LICENSE', 'package.json']) {
      expect(files).toContain(f);
    }
  });

  test('contains nothing else: no sources, tests, examples, benchmarks or bundler metadata', () => {
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    const stray = own.filter((f) => /^(src|test|examples|bench|\.ci|\.projen)\//.test(f) || f.endsWith('.meta.json') || /^lib\/(handler|local)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(stray).toEqual([]);
  });

  test('bundles ajv and ajv-formats with their dependencies (jsii ships them to every language); the handler asset holds none', () => {
    const bundled = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));
    for (const dep of ['ajv', 'ajv-formats', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'require-from-string']) expect(bundled).toContain(dep);
    expect(files).toContain('assets/handler/validation-runtime/index.js');
  });

  test('a consumer with only aws-cdk-lib and constructs synthesizes the one-liner from the tarball', () => {
    const app = path.join(work, 'consumer');
    const pkg = path.join(app, 'node_modules', 'cdk-serverless-crud-api');
    fs.mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1']);
    for (const dep of ['aws-cdk-lib', 'constructs']) fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(app, 'node_modules', dep));
    fs.writeFileSync(path.join(app, 'app.js'), `
      const { App, Stack } = require('aws-cdk-lib');
      const { ServerlessCrudApi } = require('cdk-serverless-crud-api');
      const app = new App({ outdir: ${JSON.stringify(path.join(app, 'cdk.out'))} });
      new ServerlessCrudApi(new Stack(app, 'Consumer'), 'Todos');
      new ServerlessCrudApi(new Stack(app, 'WithSchema'), 'Notes', { schema: { type: 'object', properties: { title: { maxLength: 3 } } } });
      app.synth();`);
    execFileSync(process.execPath, ['app.js'], { cwd: app, env: { ...process.env, JSII_DEPRECATED: 'quiet', NODE_PATH: '' } });
    const assets = fs.readdirSync(path.join(app, 'cdk.out')).filter((d) => d.startsWith('asset.'));
    // The schema is compiled at synth with the ajv inside the package (the consumer has none).
    expect(assets.map((a) => fs.readdirSync(path.join(app, 'cdk.out', a)).sort().join(' ')).sort()).toEqual([
      'crud-config.json crud-validation-runtime.js crud-validators.js index.js',
      'crud-config.json index.js',
    ]);
  });

  test('the bin runs from the package', () => {
    const pkgJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkgJson.bin).toEqual({ 'cdk-serverless-crud-api': 'assets/local/cli/index.js' });
    const help = execFileSync(process.execPath, [path.join(work, 'consumer', 'node_modules', 'cdk-serverless-crud-api', 'assets', 'local', 'cli', 'index.js'), '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/^Usage: cdk-serverless-crud-api local/);
  });
});
