/**
 * Staging of the built-in handler's code asset: never from a folder someone else could have prepared.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { BUILTIN_HANDLER_DIR, builtinHandlerCode } from '../../src/construct/handler-code';
import { CONFIG_FILE_NAME, HandlerConfig } from '../../src/shared/config';

const bundle = () => fs.readFileSync(path.join(BUILTIN_HANDLER_DIR, 'index.js'));
const assetDir = (code: lambda.Code) => (code as lambda.AssetCode).path;
const configOf = (resourceName: string) => ({ resourceName, idAttribute: 'id' }) as unknown as HandlerConfig;

describe('builtinHandlerCode stages into a private folder of its own', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-code-test-'));
    // Stands for the machine's shared temp folder. (The module object itself: `import * as` copies are read-only.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.spyOn(require('os') as typeof os, 'tmpdir').mockReturnValue(tmp);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a folder planted at the predictable <tmp>/cdk-serverless-crud-api/<hash> path is never used', () => {
    const config = configOf('planted');
    const configJson = JSON.stringify(config, null, 2) + '\n';
    const hash = createHash('sha256').update(bundle()).update('\0').update(configJson).digest('hex');
    for (const h of [hash.slice(0, 32), hash]) {
      const planted = path.join(tmp, 'cdk-serverless-crud-api', h);
      fs.mkdirSync(planted, { recursive: true });
      fs.writeFileSync(path.join(planted, 'index.js'), 'exports.handler = async () => "attacker"');
      fs.writeFileSync(path.join(planted, CONFIG_FILE_NAME), configJson);
    }
    const dir = assetDir(builtinHandlerCode(config));
    expect(dir.startsWith(path.join(tmp, 'cdk-serverless-crud-api') + path.sep)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'index.js')).equals(bundle())).toBe(true);
    expect(fs.readFileSync(path.join(dir, CONFIG_FILE_NAME), 'utf8')).toBe(configJson);
  });

  test('the folder is created fresh, private to the user (0700), with exactly the bundle and the config', () => {
    const dir = assetDir(builtinHandlerCode(configOf('fresh')));
    expect(path.dirname(dir)).toBe(tmp);
    expect((fs.statSync(dir).mode % 0o1000).toString(8)).toBe('700');
    expect(fs.readdirSync(dir).sort()).toEqual([CONFIG_FILE_NAME, 'index.js']);
  });

  test('a staged folder whose content changed is not reused', () => {
    const first = assetDir(builtinHandlerCode(configOf('tampered')));
    expect(assetDir(builtinHandlerCode(configOf('tampered')))).toBe(first); // same content: one folder per process
    fs.writeFileSync(path.join(first, 'index.js'), 'exports.handler = async () => "tampered"');
    const second = assetDir(builtinHandlerCode(configOf('tampered')));
    expect(second).not.toBe(first);
    expect(fs.readFileSync(path.join(second, 'index.js')).equals(bundle())).toBe(true);
    fs.writeFileSync(path.join(second, 'extra.js'), '');
    expect(assetDir(builtinHandlerCode(configOf('tampered')))).not.toBe(second);
  });
});
