import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONFIG_FILE_NAME, HandlerConfig } from './shared/config';

/** Where projen's esbuild step puts the bundled handler (`npx projen bundle`); shipped inside the npm package. */
export const BUILTIN_HANDLER_DIR = path.join(__dirname, '..', 'assets', 'handler', 'crud.lambda');

/** Folders this process staged, by content hash; removed when the process exits. */
const staged = new Map<string, string>();

/**
 * The code asset of the built-in handler for one API: the prebuilt bundle plus this API's config file beside it.
 *
 * The config cannot travel in environment variables — Lambda caps them at 4 KB in total and a JSON Schema alone
 * can be larger — so the construct stages `index.js` and `crud-config.json` in a folder and lets the CDK hash and
 * copy that folder like any asset. Nothing is compiled at synth time: the bundle is the one built with the library,
 * which is what keeps Python and Java users free of esbuild.
 *
 * The folder is always one this process created itself with `mkdtemp` (mode 0700, a random name): a predictable path
 * under a shared temp folder could be created first by another user of the machine, with their own `index.js` in it,
 * which would then ship as the function's code. A folder is reused within the process only while its files still
 * hold exactly the expected bytes.
 */
export function builtinHandlerCode(config: HandlerConfig): lambda.Code {
  const bundle = path.join(BUILTIN_HANDLER_DIR, 'index.js');
  if (!fs.existsSync(bundle)) {
    throw new Error(`The bundled CRUD handler is missing at ${bundle}. ` +
      "If you are working on cdk-serverless-crud-api itself, run 'npx projen bundle'; otherwise reinstall the package.");
  }
  const code = fs.readFileSync(bundle);
  const configJson = Buffer.from(JSON.stringify(config, null, 2) + '\n');
  const hash = createHash('sha256').update(code).update('\0').update(configJson).digest('hex');
  let dir = staged.get(hash);
  if (!dir || !holds(dir, code, configJson)) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-serverless-crud-api-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code, { flag: 'wx', mode: 0o600 });
    fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), configJson, { flag: 'wx', mode: 0o600 });
    if (staged.size === 0) process.once('exit', removeStaged);
    staged.set(hash, dir);
  }
  return lambda.Code.fromAsset(dir);
}

/** True when `dir` holds exactly the two files with exactly these bytes. */
function holds(dir: string, code: Buffer, configJson: Buffer): boolean {
  try {
    const names = fs.readdirSync(dir).sort();
    return names.length === 2 && names[0] === CONFIG_FILE_NAME && names[1] === 'index.js' &&
      fs.readFileSync(path.join(dir, 'index.js')).equals(code) && fs.readFileSync(path.join(dir, CONFIG_FILE_NAME)).equals(configJson);
  } catch {
    return false;
  }
}

function removeStaged(): void {
  for (const dir of staged.values()) fs.rmSync(dir, { recursive: true, force: true });
  staged.clear();
}
