/**
 * Runs the fuzzer: synthesizes the test app, starts the local runner (the bundled CLI) on it against DynamoDB Local,
 * reads each API's OpenAPI document from the assembly, and attacks every API in its own lane (the lanes run side by
 * side; each owns its tables). A lane is a series of fast-check runs; each run empties the lane's tables, then plays
 * one generated sequence of steps by two interleaved tenants, ending with a scan diff. A failure is reported with the
 * sequence fast-check shrank it to, and the seed and path that replay it.
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AttributeValue, BatchWriteItemCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { Acceptance, isHidden } from './acceptance';
import { FUZZ_APIS, FUZZ_AUDIENCE, FUZZ_ISSUER, synthFuzzApp } from './app';
import { readResources, ResourceSpec } from './contract';
import { ApiModel, canonical, Json } from './model';
import { runStep } from './run-step';
import { describe } from './step-support';
import { Step, stepsFor, Tenant, World } from './steps';
import { Wire } from './wire';
import { scanTable } from '../dynamodb-local/scan';
import { OpenApiResponseChecker } from '../local/support/openapi-responses';
import { Runner, signJwt, startRunner } from '../local/support/runner';

export interface FuzzOptions {
  /** Requests to send in all (the lanes share it). */
  readonly requests: number;
  readonly seed: number;
  /** Longest sequence of one run. */
  readonly maxSteps?: number;
  /** Called with progress lines. */
  readonly log?: (line: string) => void;
}

export interface LaneReport {
  readonly api: string;
  readonly requests: number;
  readonly runs: number;
  readonly failure?: string;
  /** Steps run, by kind. */
  readonly steps: Record<string, number>;
}

export interface FuzzReport {
  readonly seed: number;
  readonly requests: number;
  readonly seconds: number;
  readonly lanes: LaneReport[];
  readonly failures: string[];
  /** Distinct `route status` pairs answered. */
  readonly coverage: string[];
}

/** The app under attack, started: its runner, documents and resources. */
export interface FuzzTarget {
  readonly runner: Runner;
  readonly checker: OpenApiResponseChecker;
  readonly apis: { name: string; url: string; resources: ResourceSpec[]; tables: string[] }[];
  readonly tokens: Record<Tenant, string>;
  readonly subs: Record<Tenant, string>;
  readonly ddb: DynamoDBClient;
  stop(): Promise<void>;
}

/** Tenants' JWT subjects: one plain, one that needs every byte of UTF-8 handled right. */
const SUBS: Record<Tenant, string> = { a: 'tenant-a', b: 'tenant-\u202eb-🦄' };

export async function startTarget(endpoint: string): Promise<FuzzTarget> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
  const assembly = path.join(work, 'cdk.out');
  synthFuzzApp(assembly);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = path.join(work, 'jwks.json');
  fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  const tokens = {
    a: `Bearer ${signJwt({ iss: FUZZ_ISSUER, aud: FUZZ_AUDIENCE, sub: SUBS.a, exp }, rsa.privateKey, 'k1')}`,
    b: `Bearer ${signJwt({ iss: FUZZ_ISSUER, aud: FUZZ_AUDIENCE, sub: SUBS.b, exp }, rsa.privateKey, 'k1')}`,
  };
  const runner = await startRunner(['--assembly', assembly, '--port', '0', '--endpoint', endpoint, '--jwks', jwks]);
  const ddb = new DynamoDBClient({ endpoint });
  const allTables: string[] = [];
  let start: string | undefined;
  do {
    const page = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    allTables.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  const documents: { baseUrl: string; document: any }[] = [];
  const apis = FUZZ_APIS.map((name) => {
    const url = runner.urls[`Fuzz/${name}`];
    const document = JSON.parse(fs.readFileSync(path.join(assembly, `Fuzz.${name}.openapi.json`), 'utf8'));
    documents.push({ baseUrl: url, document });
    return { name, url, resources: readResources(name, document), tables: allTables.filter((t) => t.startsWith(`Fuzz-${name}`)) };
  });
  return {
    runner,
    checker: new OpenApiResponseChecker(documents),
    apis,
    tokens,
    subs: SUBS,
    ddb,
    stop: async () => {
      await runner.stop();
      ddb.destroy();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Plain JSON of a stored attribute value. */
function plain(v: AttributeValue): Json {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL) return null;
  if (v.L) return v.L.map(plain);
  if (v.M) return Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, plain(x)]));
  return `<${Object.keys(v)[0]}>`;
}

const keySchemas = new Map<string, Promise<string[]>>();

/** Empties a table (its key attributes from DescribeTable, asked once). */
async function empty(ddb: DynamoDBClient, table: string): Promise<void> {
  if (!keySchemas.has(table)) {
    keySchemas.set(table, ddb.send(new DescribeTableCommand({ TableName: table })).then((d) => d.Table!.KeySchema!.map((k) => k.AttributeName!)));
  }
  const keys = await keySchemas.get(table)!;
  const items = await scanTable(ddb, table);
  for (let i = 0; i < items.length; i += 25) {
    await ddb.send(new BatchWriteItemCommand({
      RequestItems: { [table]: items.slice(i, i + 25).map((it) => ({ DeleteRequest: { Key: Object.fromEntries(keys.map((k) => [k, it[k]])) } })) },
    }));
  }
}

/** The scan diff: every stored item of every resource table against the model (ids, versions, attributes). */
async function scanDiff(ddb: DynamoDBClient, tables: string[], resources: readonly ResourceSpec[], model: ApiModel): Promise<string[]> {
  const diffs: string[] = [];
  for (const r of resources) {
    const table = tables.find((t) => t.startsWith(`Fuzz-${r.api}${r.ancestors.length || resources.length > 1 ? r.name : 'DefaultResource'}Table`));
    if (!table) {
      diffs.push(`no table for ${r.name} among ${tables.join(', ')}`);
      continue;
    }
    const stored = new Map<string, string>();
    for (const raw of await scanTable(ddb, table)) {
      const item = plain({ M: raw }) as Record<string, Json>;
      if (item._deleting !== undefined) diffs.push(`${r.name} ${JSON.stringify(item.id)}: a delete lease left behind`);
      const attrs = Object.fromEntries(Object.entries(item).filter(([k]) => k !== r.idAttribute && !r.managed.includes(k) && !isHidden(k)));
      const owner = r.ownerAttribute ? item[r.ownerAttribute] : null;
      const ancestors = r.ancestors.map((a) => item[a.name]);
      stored.set(`${JSON.stringify([owner, ...ancestors])} ${String(item[r.idAttribute])}`, `v${item.version} ${canonical(attrs)}`);
    }
    const modelled = new Map(model.all(r).map(({ scope, item }) => [`${scope} ${String(item.id)}`, `v${item.version} ${canonical(item.attrs)}`]));
    for (const [k, v] of stored) if (modelled.get(k) !== v) diffs.push(`${r.name} ${k}: stored ${v.slice(0, 200)}, model ${modelled.get(k)?.slice(0, 200) ?? 'none'}`);
    for (const [k, v] of modelled) if (!stored.has(k)) diffs.push(`${r.name} ${k}: model ${v.slice(0, 200)}, not stored`);
  }
  return diffs;
}

/** Runs every lane until the lanes together have sent `requests`; never throws for a finding (it is reported). */
export async function fuzz(target: FuzzTarget, o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const perLane = Math.ceil(o.requests / target.apis.length);
  const lanes = await Promise.all(target.apis.map((api, i) => lane(target, api, o.seed + i * 1_000_003, perLane, o)));
  return {
    seed: o.seed,
    requests: lanes.reduce((n, l) => n + l.requests, 0),
    seconds: (Date.now() - started) / 1000,
    lanes,
    failures: lanes.filter((l) => l.failure).map((l) => `${l.api}: ${l.failure}`),
    coverage: target.checker.coverage(),
  };
}

async function lane(target: FuzzTarget, api: FuzzTarget['apis'][number], seed: number, quota: number, o: FuzzOptions): Promise<LaneReport> {
  const wire = new Wire(api.url, target.checker);
  const acceptance = new Acceptance(api.resources);
  const world: World = {
    wire,
    resources: api.resources,
    acceptance,
    auth: target.tokens,
    subs: target.subs,
    stats: new Map(),
    scanDiff: (model) => scanDiff(target.ddb, api.tables, api.resources, model),
  };
  const tenants: Tenant[] = ['a', 'b'];
  const step = fc.oneof(...api.resources.flatMap((r) => stepsFor(r, tenants)), fc.constant<Step>({ kind: 'check' }));
  // Long sequences reach deep states (many items, pages, stale tags) and amortise the tables' reset between runs.
  const sequence = fc.array(step, { minLength: 1, maxLength: o.maxSteps ?? 60, size: 'max' });
  let runs = 0;
  let shrinking = false;
  const property = fc.asyncProperty(sequence, async (steps) => {
    // The lane's quota is met: the chunk's remaining runs pass at once (fast-check has no early stop by count) —
    // unless a run failed, when every later run is a shrink attempt and must really run.
    if (wire.requests >= quota && !shrinking) return;
    runs++;
    await Promise.all(api.tables.map((t) => empty(target.ddb, t)));
    const model = new ApiModel(api.resources);
    try {
      for (const s of [...steps, { kind: 'check' } as Step]) await runStep(s, model, world);
    } catch (e) {
      shrinking = true;
      throw e;
    }
  });
  let chunk = 0;
  try {
    while (wire.requests < quota) {
      const chunkSeed = seed + chunk++;
      await fc.assert(property, {
        seed: chunkSeed,
        numRuns: 10,
        endOnFailure: false,
        reporter: (details) => {
          if (!details.failed) return;
          const shrunk = (details.counterexample?.[0] as Step[] | undefined) ?? [];
          throw new Error([
            `seed ${chunkSeed}, path ${details.counterexamplePath} (${details.numShrinks} shrinks): ${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)}`,
            `  shrunk sequence (${shrunk.length} steps, then a scan diff):`,
            ...shrunk.map((s, i) => `    ${i + 1}. ${describe(s)}`),
          ].join('\n'));
        },
      });
      o.log?.(`${api.name}: ${wire.requests} requests, ${runs} runs`);
    }
    return { api: api.name, requests: wire.requests, runs, steps: Object.fromEntries(world.stats) };
  } catch (e) {
    return { api: api.name, requests: wire.requests, runs, steps: Object.fromEntries(world.stats), failure: (e as Error).message };
  } finally {
    wire.close();
  }
}
