// Builds every bundle the benchmarks run, in the same run and with the same esbuild options as the projen task
// `bundle:handler/crud.lambda` (bundle, platform node, target node24, minify, AWS SDK bundled, tsconfig.dev.json).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Options of `npx projen bundle:handler/crud.lambda` (see .projen/tasks.json). */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true, platform: 'node', target: 'node24', minify: true, tsconfig: 'tsconfig.dev.json', metafile: true, logLevel: 'error',
};

/** The resource the construct configures for `new ServerlessCrudApi(this, 'Todos')` (defaults). */
export const DEFAULT_RESOURCE = {
  name: 'items', idAttribute: 'id', operations: ['create', 'read', 'list', 'update', 'delete'],
  indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400,
};

/** The handler config the construct writes for `new ServerlessCrudApi(this, 'Todos')`. */
export const DEFAULT_CONFIG = { version: 4, resources: [DEFAULT_RESOURCE] };

/**
 * The config of an API with ten resources, each with a JSON Schema and an index: the read function of the first one
 * must not pay for the nine it does not serve (cold-init row "10 resources").
 */
/** A JSON Schema of 20 properties (the ten-resource API's, and the first validated create's). */
export const SCHEMA_20 = {
  type: 'object',
  properties: Object.fromEntries(Array.from({ length: 20 }, (__, k) => [`field${k}`, { type: 'string', maxLength: 200 }])),
  required: ['field0'],
};

export const TEN_RESOURCES_CONFIG = {
  version: 4,
  resources: Array.from({ length: 10 }, (_, i) => ({
    ...DEFAULT_RESOURCE,
    name: i === 0 ? 'items' : `things${i}`,
    indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'updatedAt' }],
    schema: SCHEMA_20,
  })),
};

/** The default API with SCHEMA_20 on its resource: the asset the construct stages for it (with its validation code). */
export const SCHEMA_CONFIG = { version: 4, resources: [{ ...DEFAULT_RESOURCE, schema: SCHEMA_20 }] };

/** The handler bundles compared by the cold-init benchmark; `ours` is the product. */
export const VARIANTS = {
  ours: { entry: 'src/handler/crud.lambda.ts', label: 'ours (SDK bundled)' },
  'ours-sdk-external': { entry: 'src/handler/crud.lambda.ts', label: 'ours, SDK external', external: ['@aws-sdk/*'] },
  'ours-10-resources': { entry: 'src/handler/crud.lambda.ts', label: 'ours, API of 10 resources (serves 1)', config: TEN_RESOURCES_CONFIG },
  floor: { entry: 'bench/references/floor.ts', label: '(a) floor: DocumentClient + 1 GetItem' },
  'floor-noop': { entry: 'bench/references/floor-noop.ts', label: 'floor, no call (info)' },
  naive: { entry: 'bench/references/naive.ts', label: '(b) naive tutorial CRUD' },
  powertools: { entry: 'bench/references/powertools.ts', label: '(c) Powertools Router + Logger' },
};

/** Groups a metafile's output bytes by npm package (or `src` for our own code). */
export function bytesByPackage(metafile) {
  const out = Object.values(metafile.outputs)[0];
  const by = {};
  for (const [file, v] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.startsWith('src/') ? 'src (ours)' : file.startsWith('bench/') ? 'bench reference' : file;
    by[key] = (by[key] ?? 0) + v.bytesInOutput;
  }
  return Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]));
}

/** Builds everything into `outDir`; returns paths and sizes. */
export async function buildAll(root, outDir) {
  rmSync(join(outDir, 'bundles'), { recursive: true, force: true });
  const bundles = {};
  for (const [name, v] of Object.entries(VARIANTS)) {
    const dir = join(outDir, 'bundles', name);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'index.js');
    const result = await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: root, entryPoints: [v.entry], outfile, external: v.external ?? [] });
    if (v.entry === VARIANTS.ours.entry) writeFileSync(join(dir, 'crud-config.json'), JSON.stringify(v.config ?? DEFAULT_CONFIG, null, 2) + '\n');
    const code = readFileSync(outfile);
    bundles[name] = {
      label: v.label,
      dir,
      rawBytes: code.length,
      gzipBytes: gzipSync(code).length,
      byPackage: bytesByPackage(result.metafile),
    };
  }
  // The same bundle with an owner-scoped config (ownerScoping: true): the owner-mode warm rows.
  const ownerDir = join(outDir, 'bundles', 'ours-owner');
  mkdirSync(ownerDir, { recursive: true });
  writeFileSync(join(ownerDir, 'index.js'), readFileSync(join(bundles.ours.dir, 'index.js')));
  writeFileSync(join(ownerDir, 'crud-config.json'),
    JSON.stringify({ ...DEFAULT_CONFIG, resources: [{ ...DEFAULT_RESOURCE, ownerScoping: { attribute: 'owner' } }] }, null, 2) + '\n');

  // The bare-SDK baseline of the warm and load benchmarks, built the same way.
  const bareDir = join(outDir, 'bundles', 'bare-sdk');
  mkdirSync(bareDir, { recursive: true });
  await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: root, entryPoints: ['bench/references/bare-sdk.ts'], outfile: join(bareDir, 'index.js') });

  // Helpers shared with the tests, transpiled rather than copied: DynamoDB Local's launcher and the event builder.
  const libDir = join(outDir, 'lib');
  mkdirSync(libDir, { recursive: true });
  const helper = (entry, name) => build({
    absWorkingDir: root, entryPoints: [entry], outfile: join(libDir, name), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error',
  });
  await helper('src/local/dynamodb-local.ts', 'dynamodb-local.cjs');
  await helper('test/handler/support/events.ts', 'events.cjs');

  // The asset of an API with a 20-property schema, as the construct stages it: the same bundle, its config, and the
  // validation code compiled from the schema (by the construct's own module) with ajv's runtime helpers beside it.
  await build({ absWorkingDir: root, entryPoints: ['src/construct/schema-code.ts'], outfile: join(libDir, 'schema-code.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
  const runtime = join(outDir, 'bundles', 'validation-runtime', 'index.js');
  const runtimeBuild = await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: root, entryPoints: ['src/handler/validation-runtime.ts'], outfile: runtime });
  const { compileSchemaCode, validatorsModule } = createRequire(import.meta.url)(join(libDir, 'schema-code.cjs'));
  const schemaDir = join(outDir, 'bundles', 'ours-schema');
  mkdirSync(schemaDir, { recursive: true });
  writeFileSync(join(schemaDir, 'index.js'), readFileSync(join(bundles.ours.dir, 'index.js')));
  writeFileSync(join(schemaDir, 'crud-config.json'), JSON.stringify(SCHEMA_CONFIG, null, 2) + '\n');
  writeFileSync(join(schemaDir, 'crud-validators.js'), validatorsModule([{ resource: 'items', code: compileSchemaCode(SCHEMA_20) }]));
  writeFileSync(join(schemaDir, 'crud-validation-runtime.js'), readFileSync(runtime));
  const files = ['index.js', 'crud-validators.js', 'crud-validation-runtime.js'].map((f) => readFileSync(join(schemaDir, f)));
  bundles['ours-schema'] = {
    label: 'ours + a 20-property schema\'s code (index.js + crud-validators.js + crud-validation-runtime.js)',
    dir: schemaDir,
    sizeOnly: true,
    rawBytes: files.reduce((n, b) => n + b.length, 0),
    gzipBytes: files.reduce((n, b) => n + gzipSync(b).length, 0),
    byPackage: { 'index.js': files[0].length, 'crud-validators.js': files[1].length, 'crud-validation-runtime.js': files[2].length, ...bytesByPackage(runtimeBuild.metafile) },
  };

  // Is our bench bundle the one the construct ships (assets/, from `npx projen bundle`)?
  const shipped = join(root, 'assets', 'handler', 'crud.lambda', 'index.js');
  const sameAsShipped = existsSync(shipped) ? readFileSync(shipped).equals(readFileSync(join(bundles.ours.dir, 'index.js'))) : null;
  return { bundles, ownerDir, bareSdk: join(bareDir, 'index.js'), libDir, sameAsShipped };
}
