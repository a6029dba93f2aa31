/**
 * Reads a cloud assembly: synthesizes it from cdk.json's `app` the way the CDK CLI does (or takes an existing one),
 * and finds every ServerlessCrudApi in it through the manifest the construct records as metadata.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BusSubscribers, busSubscribers } from './event-rules';
import { SynthProcess } from './synth-process';
import { TemplateFunction, TemplateRoute, templateRoutes } from './template-routes';
import type { LocalChangeEvents } from '../shared/change-events';
import { CONFIG_FILE_NAME } from '../shared/config';
import { LOCAL_MANIFEST_METADATA_TYPE, LOCAL_MANIFEST_VERSION, LocalManifest, LocalResource } from '../shared/local-manifest';

/** A function of an API, ready to be run locally: as the template configures it, and what it serves. */
export interface LocalFunctionSpec extends TemplateFunction {
  /** What it serves, `<resource>:<operation>` (none: a function of the user's own routes). */
  readonly routes: string[];
}

/** A table to create locally, as the template defines it. */
export interface LocalTableSpec {
  readonly logicalId?: string;
  readonly tableName: string;
  readonly keySchema: { AttributeName: string; KeyType: string }[];
  readonly attributeDefinitions: { AttributeName: string; AttributeType: string }[];
  readonly globalSecondaryIndexes: { IndexName: string; KeySchema: { AttributeName: string; KeyType: string }[]; Projection: any }[];
  readonly ttlAttribute?: string;
  /** The stream the table has: NEW_AND_OLD_IMAGES when its resource publishes change events. */
  readonly stream?: 'NEW_AND_OLD_IMAGES';
}

/** A resource that publishes change events, and who receives them locally. */
export interface LocalResourceEvents {
  readonly resource: string;
  /** The local name of its items table. */
  readonly tableName: string;
  readonly source: string;
  /** The bus's name as the publisher puts it on entries (its name, or its logical id when only known at deploy time). */
  readonly eventBusName: string;
  readonly subscribers: BusSubscribers;
  /** The folder of the API's crud-config.json (the publisher's asset, or a CRUD function's: they are the same file). */
  readonly configDir: string;
}

/** One ServerlessCrudApi found in the assembly. */
export interface LocalApi {
  readonly stackName: string;
  readonly manifest: LocalManifest;
  readonly functions: Map<string, LocalFunctionSpec>;
  readonly tables: LocalTableSpec[];
  /** The API's OpenAPI document in the assembly (`<stack artifact id>.<path under the stack>.openapi.json`). */
  readonly openApiFile: string;
  /** The API's other Lambda-proxy routes (the user's own), servable or not (src/local/template-routes.ts). */
  readonly templateRoutes: TemplateRoute[];
  /** Its resources with change events (`changeEvents`), in the manifest's order. */
  readonly changeEvents: LocalResourceEvents[];
}

export class AssemblyError extends Error {}

/**
 * Synthesizes the app in `cdk.json` (in `dir`) into a fresh folder, like `cdk synth`, and returns that folder. With a
 * `synthProcess` (`--watch`), the app runs in that kept process when its command allows; otherwise it is spawned.
 */
export async function synthesize(dir: string, log: (line: string) => void, synthProcess?: SynthProcess): Promise<string> {
  const cdkJsonPath = path.join(dir, 'cdk.json');
  if (!fs.existsSync(cdkJsonPath)) {
    throw new AssemblyError(`No cdk.json in ${dir}: run from your CDK app's folder, or pass --assembly <cdk.out>`);
  }
  const cdkJson = JSON.parse(fs.readFileSync(cdkJsonPath, 'utf8'));
  if (typeof cdkJson.app !== 'string') {
    throw new AssemblyError(`${cdkJsonPath} has no "app" command`);
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'crud-api-local-'));
  // The CLI hands the app its output folder and context through these variables; asset metadata tells us where
  // each function's code is staged.
  const context = {
    ...cdkJson.context,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:enable-path-metadata': true,
  };
  const cdkEnv = { CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), JSII_DEPRECATED: 'quiet' };
  const outcome = await synthProcess?.synth(cdkJson.app, dir, cdkEnv);
  if (outcome?.kind === 'failed') throw new AssemblyError(`'${cdkJson.app}' failed (in the kept synth process):\n${outcome.error}`);
  if (outcome?.kind === 'synthesized') {
    log(`synthesized ${cdkJson.app} in the kept synth process (pid ${outcome.pid})`);
    return checkedAssembly(outdir, cdkJson.app);
  }
  if (outcome) log(`the kept synth process is not used (${outcome.reason.split('\n')[0]}); spawning the app`);
  const env = { ...process.env, ...cdkEnv };
  log(`synthesizing: ${cdkJson.app}`);
  const command = withoutNpx(cdkJson.app, dir);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, { cwd: dir, env, shell: true, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-8000); });
    child.on('error', reject);
    child.on('exit', (code) => code === 0 ? resolve() : reject(new AssemblyError(`'${cdkJson.app}' failed (exit ${code}):\n${stderr}`)));
  });
  return checkedAssembly(outdir, cdkJson.app);
}

function checkedAssembly(outdir: string, app: string): string {
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new AssemblyError(`'${app}' wrote no cloud assembly to ${outdir}`);
  }
  return outdir;
}

/**
 * `npx <bin> …` with `<bin>` installed in the app's node_modules (or a parent's) is what npx itself would run; calling
 * that file directly saves npx's own start-up (about a second per synth, measured on the example app). Anything
 * else — npx options, a package not installed locally — is left to npx.
 */
export function withoutNpx(command: string, dir: string): string {
  const m = /^npx\s+([A-Za-z0-9@][\w./@-]*)(\s|$)/.exec(command);
  if (!m || m[1].includes('/')) return command;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const bin = path.join(d, 'node_modules', '.bin', m[1]);
    if (fs.existsSync(bin)) return `'${bin.replace(/'/g, "'\\''")}'${command.slice(m[0].length - m[2].length)}`;
    if (path.dirname(d) === d) return command;
  }
}

/** Finds every ServerlessCrudApi in an assembly (optionally only in one stack). */
export function loadApis(assemblyDir: string, stackFilter?: string): LocalApi[] {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) throw new AssemblyError(`${assemblyDir} is not a cloud assembly (no manifest.json)`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const apis: LocalApi[] = [];
  const stacks = Object.entries<any>(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stackFilter && !stacks.some(([id, a]) => id === stackFilter || a.displayName === stackFilter || a.properties?.stackName === stackFilter)) {
    throw new AssemblyError(`No stack '${stackFilter}' in the assembly; stacks: ${stacks.map(([id]) => id).join(', ') || '(none)'}`);
  }
  for (const [id, artifact] of stacks) {
    const stackName = artifact.properties?.stackName ?? id;
    if (stackFilter && ![id, artifact.displayName, stackName].includes(stackFilter)) continue;
    const metadata = readStackMetadata(assemblyDir, artifact);
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    for (const entries of Object.values<any[]>(metadata)) {
      for (const entry of entries) {
        if (entry.type !== LOCAL_MANIFEST_METADATA_TYPE) continue;
        const data = entry.data as LocalManifest;
        const openApi = openApiFile(assemblyDir, id, artifact.displayName ?? id, data.path);
        apis.push({ ...toLocalApi(assemblyDir, stackName, data, template), openApiFile: openApi });
      }
    }
  }
  return apis;
}

function readStackMetadata(assemblyDir: string, artifact: any): Record<string, any[]> {
  const inline = artifact.metadata ?? {};
  const file = artifact.additionalMetadataFile ?? artifact.properties?.additionalMetadataFile;
  if (!file) return inline;
  const extra = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8'));
  return { ...inline, ...extra };
}

/** Where the construct wrote the API's OpenAPI document (named as `openApiFileName` in src/construct/openapi-contract.ts does). */
function openApiFile(assemblyDir: string, artifactId: string, stackPath: string, apiPath: string): string {
  const relative = (apiPath.startsWith(`${stackPath}/`) ? apiPath.slice(stackPath.length) : apiPath).split('/').filter(Boolean);
  return path.join(assemblyDir, `${[artifactId, ...relative].join('.').replace(/[^A-Za-z0-9._-]/g, '_')}.openapi.json`);
}

function toLocalApi(assemblyDir: string, stackName: string, manifest: LocalManifest, template: any): Omit<LocalApi, 'openApiFile'> {
  if (manifest.version !== LOCAL_MANIFEST_VERSION) {
    throw new AssemblyError(`${manifest.path}: manifest version ${manifest.version} is not supported by this runner (${LOCAL_MANIFEST_VERSION}); use the same cdk-serverless-crud-api version for the app and the runner`);
  }
  const resources = template.Resources ?? {};
  const functions = new Map<string, LocalFunctionSpec>();
  for (const fn of manifest.functions) {
    const res = resources[fn.logicalId];
    if (!res) throw new AssemblyError(`${manifest.path}: function ${fn.logicalId} is not in the template`);
    const assetPath = res.Metadata?.['aws:asset:path'];
    if (!assetPath) {
      throw new AssemblyError(`${manifest.path}: function ${fn.logicalId} has no asset metadata; synthesize with asset metadata on ` +
        "(the CDK CLI's default; do not pass --no-asset-metadata), or let this runner synthesize from cdk.json");
    }
    const assetDir = path.resolve(assemblyDir, assetPath);
    if (!fs.existsSync(assetDir)) throw new AssemblyError(`${manifest.path}: asset ${assetDir} of ${fn.logicalId} is missing`);
    functions.set(fn.logicalId, {
      logicalId: fn.logicalId,
      assetDir,
      handler: fn.handler,
      environment: res.Properties?.Environment?.Variables ?? {},
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      routes: fn.routes,
    });
  }
  // The user's own routes: their functions run beside ours (a worker each), by logical id like ours.
  const extra = templateRoutes(manifest, template, assemblyDir);
  for (const fn of extra.functions) {
    if (!functions.has(fn.logicalId)) functions.set(fn.logicalId, { ...fn, routes: [] });
  }
  const tables: LocalTableSpec[] = [];
  const changeEvents: LocalResourceEvents[] = [];
  const itemTables = new Set(manifest.resources.map((r) => r.table));
  const eventsOf = (r: LocalResource) => r.changeEvents;
  for (const r of manifest.resources) {
    const events = eventsOf(r);
    if (!events) continue;
    const subscribers = busSubscribers(events.bus, template, assemblyDir);
    // Subscribers run beside the API's functions (a worker each), by logical id.
    for (const fn of subscribers.functions) {
      if (!functions.has(fn.logicalId)) functions.set(fn.logicalId, { ...fn, routes: [] });
    }
    changeEvents.push({
      resource: r.name,
      tableName: tableNameOf(stackName, manifest, r.table),
      source: events.source,
      eventBusName: typeof events.bus === 'string' ? events.bus : subscribers.busLabel,
      subscribers,
      configDir: configDirOf(manifest, events, resources, assemblyDir, functions),
    });
  }
  const streamed = new Set(manifest.resources.filter((r) => eventsOf(r)).map((r) => r.table));
  for (const t of manifest.resources.flatMap((r) => [r.table, r.idempotencyTable])) {
    if (!t) continue;
    const stream = itemTables.has(t) && streamed.has(t) ? 'NEW_AND_OLD_IMAGES' as const : undefined;
    if (t.logicalId) {
      const res = resources[t.logicalId];
      if (!res) throw new AssemblyError(`${manifest.path}: table ${t.logicalId} is not in the template`);
      const p = res.Properties;
      tables.push({
        logicalId: t.logicalId,
        tableName: localTableName(stackName, t.logicalId),
        keySchema: p.KeySchema,
        attributeDefinitions: p.AttributeDefinitions,
        globalSecondaryIndexes: (p.GlobalSecondaryIndexes ?? [])
          .map((g: any) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
        ttlAttribute: p.TimeToLiveSpecification?.Enabled ? p.TimeToLiveSpecification.AttributeName : undefined,
        stream,
      });
    } else {
      // An existing table: create it locally from what the construct knows of it.
      const name = tableNameOf(stackName, manifest, t);
      // Key types from the manifest (numeric ids and sort keys); manifests without them have string keys only.
      const typeOf = (attribute: string) => t.attributeTypes?.[attribute] ?? 'S';
      const attrs = new Map<string, string>();
      for (const a of [t.partitionKey, t.sortKey, ...t.indexes.flatMap((ix) => [ix.partitionKey, ix.sortKey])]) {
        if (a !== undefined) attrs.set(a, typeOf(a));
      }
      tables.push({
        tableName: name,
        keySchema: [{ AttributeName: t.partitionKey, KeyType: 'HASH' }, ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: 'RANGE' }] : [])],
        attributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        globalSecondaryIndexes: t.indexes.map((ix) => ({
          IndexName: ix.indexName,
          KeySchema: [{ AttributeName: ix.partitionKey, KeyType: 'HASH' }, ...(ix.sortKey ? [{ AttributeName: ix.sortKey, KeyType: 'RANGE' }] : [])],
          Projection: { ProjectionType: 'ALL' },
        })),
        ttlAttribute: t.ttlAttribute,
        stream,
      });
    }
  }
  return { stackName, manifest, functions, tables, templateRoutes: extra.routes, changeEvents };
}

/** The local name of a resource's table. */
function tableNameOf(stackName: string, manifest: LocalManifest, t: LocalResource['table']): string {
  if (t.logicalId) return localTableName(stackName, t.logicalId);
  return typeof t.tableName === 'string' ? t.tableName : `${stackName}-${manifest.path.split('/').pop()}-ExistingTable`;
}

/** Where the API's crud-config.json is: beside the publisher's bundle, else beside a CRUD function's (the same file). */
function configDirOf(
  manifest: LocalManifest, events: LocalChangeEvents, resources: Record<string, any>, assemblyDir: string, functions: Map<string, LocalFunctionSpec>,
): string {
  const publisherAsset = resources[events.publisherLogicalId]?.Metadata?.['aws:asset:path'];
  const candidates = [
    ...(typeof publisherAsset === 'string' ? [path.resolve(assemblyDir, publisherAsset)] : []),
    ...manifest.functions.map((f) => functions.get(f.logicalId)?.assetDir).filter((d): d is string => d !== undefined),
  ];
  const dir = candidates.find((d) => fs.existsSync(path.join(d, CONFIG_FILE_NAME)));
  if (!dir) throw new AssemblyError(`${manifest.path}: no ${CONFIG_FILE_NAME} found for the change events' publisher (${events.publisherLogicalId})`);
  return dir;
}

/** The local name of a table the template creates: stable across runs, so `--persist` keeps working. */
export function localTableName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`.slice(0, 255);
}

/**
 * Resolves a template value of a function's environment for local use: strings stay, `{ Ref }` to a table becomes
 * its local name, pseudo parameters get local values. Anything else cannot be known locally: undefined.
 */
export function resolveLocalValue(value: unknown, refs: Map<string, string>, region: string): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') {
      if (refs.has(v.Ref)) return refs.get(v.Ref);
      if (v.Ref === 'AWS::Region') return region;
      if (v.Ref === 'AWS::AccountId') return '123456789012';
      if (v.Ref === 'AWS::Partition') return 'aws';
      if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
      return undefined;
    }
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'];
      const resolved = (parts as unknown[]).map((p) => resolveLocalValue(p, refs, region));
      return resolved.some((p) => p === undefined) ? undefined : resolved.join(sep);
    }
  }
  return undefined;
}
