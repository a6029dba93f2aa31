import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ResourceValidatorCode, validatorsModule } from './schema-code';
import { CONFIG_FILE_NAME, HandlerConfig } from '../shared/config';
import { VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../shared/validation-code';

/** Where projen's esbuild step puts the bundled handler (`npx projen bundle`); shipped inside the npm package. */
export const BUILTIN_HANDLER_DIR = path.join(__dirname, '..', '..', 'assets', 'handler', 'crud.lambda');

/** Where projen's esbuild step puts the bundled change-event publisher (src/handler/change-publisher.lambda.ts). */
export const PUBLISHER_HANDLER_DIR = path.join(__dirname, '..', '..', 'assets', 'handler', 'change-publisher.lambda');

/** ajv's runtime helpers for the generated validation code, bundled beside the handler (shipped only with a schema). */
export const VALIDATION_RUNTIME_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'handler', 'validation-runtime', 'index.js');

/** Folders this process staged, by content hash; removed when the process exits. */
const staged = new Map<string, string>();

/**
 * The code asset of the built-in handler for one API: the prebuilt bundle plus this API's config file beside it.
 *
 * The config cannot travel in environment variables — Lambda caps them at 4 KB in total and a JSON Schema alone
 * can be larger — so the construct stages `index.js` and `crud-config.json` (and, with a JSON Schema, the validation code compiled from
 * it at synth and ajv's runtime helpers for it) in a folder and lets the CDK hash and
 * copy that folder like any asset. Nothing is bundled at synth time: the bundle is the one built with the library,
 * which is what keeps Python and Java users free of esbuild (ajv, which compiles the schemas, is bundled in the package).
 *
 * The folder is always one this process created itself with `mkdtemp` (mode 0700, a random name): a predictable path
 * under a shared temp folder could be created first by another user of the machine, with their own `index.js` in it,
 * which would then ship as the function's code. A folder is reused within the process only while its files still
 * hold exactly the expected bytes.
 */
export function builtinHandlerCode(config: HandlerConfig, validators: readonly ResourceValidatorCode[] = []): lambda.Code {
  const files = new Map<string, Buffer>([
    ['index.js', readBundle(path.join(BUILTIN_HANDLER_DIR, 'index.js'))],
    [CONFIG_FILE_NAME, Buffer.from(JSON.stringify(config, null, 2) + '\n')],
  ]);
  // The schemas compiled at synth, and the ajv helpers their code needs: only in the asset of an API with a schema,
  // so the functions of an API without one ship (and load) no validation code at all.
  if (validators.length > 0) {
    files.set(VALIDATORS_FILE_NAME, Buffer.from(validatorsModule(validators)));
    files.set(VALIDATION_RUNTIME_FILE_NAME, readBundle(VALIDATION_RUNTIME_BUNDLE));
  }
  return stagedCode(files);
}

/**
 * The code asset of the change-event publisher of one API: its prebuilt bundle with the same config file as the CRUD
 * functions beside it (it presents items as the API does, so it needs the resources' settings), staged like
 * {@link builtinHandlerCode}.
 */
export function publisherCode(config: HandlerConfig): lambda.Code {
  return stagedCode(new Map<string, Buffer>([
    ['index.js', readBundle(path.join(PUBLISHER_HANDLER_DIR, 'index.js'))],
    [CONFIG_FILE_NAME, Buffer.from(JSON.stringify(config, null, 2) + '\n')],
  ]));
}

/** A folder holding exactly these files, created by this process (see builtinHandlerCode), as a code asset. */
function stagedCode(files: Map<string, Buffer>): lambda.Code {
  const names = [...files.keys()].sort();
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update('\0').update(files.get(name)!).update('\0');
  const key = hash.digest('hex');
  let dir = staged.get(key);
  if (!dir || !holds(dir, files)) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-serverless-crud-api-'));
    for (const name of names) fs.writeFileSync(path.join(dir, name), files.get(name)!, { flag: 'wx', mode: 0o600 });
    if (staged.size === 0) process.once('exit', removeStaged);
    staged.set(key, dir);
  }
  return lambda.Code.fromAsset(dir);
}

function readBundle(file: string): Buffer {
  if (!fs.existsSync(file)) {
    throw new Error(`The bundled handler code is missing at ${file}. ` +
      "If you are working on cdk-serverless-crud-api itself, run 'npx projen bundle'; otherwise reinstall the package.");
  }
  return fs.readFileSync(file);
}

/** True when `dir` holds exactly these files with exactly these bytes. */
function holds(dir: string, files: ReadonlyMap<string, Buffer>): boolean {
  try {
    const names = fs.readdirSync(dir).sort();
    return names.join('\0') === [...files.keys()].sort().join('\0') &&
      names.every((name) => fs.readFileSync(path.join(dir, name)).equals(files.get(name)!));
  } catch {
    return false;
  }
}

function removeStaged(): void {
  for (const dir of staged.values()) fs.rmSync(dir, { recursive: true, force: true });
  staged.clear();
}
