import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONFIG_FILE_NAME, HandlerConfig } from './shared/config';

/** Where projen's esbuild step puts the bundled handler (`npx projen bundle`); shipped inside the npm package. */
export const BUILTIN_HANDLER_DIR = path.join(__dirname, '..', 'assets', 'handler', 'crud.lambda');

/**
 * The code asset of the built-in handler for one API: the prebuilt bundle plus this API's config file beside it.
 *
 * The config cannot travel in environment variables — Lambda caps them at 4 KB in total and a JSON Schema alone
 * can be larger — so the construct stages `index.js` and `crud-config.json` in a content-addressed folder and lets
 * the CDK hash and copy that folder like any asset. Nothing is compiled at synth time: the bundle is the one built
 * with the library, which is what keeps Python and Java users free of esbuild.
 */
export function builtinHandlerCode(config: HandlerConfig): lambda.Code {
  const bundle = path.join(BUILTIN_HANDLER_DIR, 'index.js');
  if (!fs.existsSync(bundle)) {
    throw new Error(`The bundled CRUD handler is missing at ${bundle}. ` +
      "If you are working on cdk-serverless-crud-api itself, run 'npx projen bundle'; otherwise reinstall the package.");
  }
  const code = fs.readFileSync(bundle);
  const configJson = JSON.stringify(config, null, 2) + '\n';
  const hash = createHash('sha256').update(code).update('\0').update(configJson).digest('hex').slice(0, 32);
  const dir = path.join(os.tmpdir(), 'cdk-serverless-crud-api', hash);
  if (!fs.existsSync(path.join(dir, CONFIG_FILE_NAME))) {
    // Write into a private folder, then rename: a parallel synth never sees a half-written asset.
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-serverless-crud-api-staging-'));
    fs.writeFileSync(path.join(staging, 'index.js'), code);
    fs.writeFileSync(path.join(staging, CONFIG_FILE_NAME), configJson);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(path.join(dir, CONFIG_FILE_NAME))) throw e;
    }
  }
  return lambda.Code.fromAsset(dir);
}
