/**
 * One run of the local runner: the assembly, DynamoDB (Local), the tables, the functions and one server per API — and,
 * with `--watch`, the reloads that replace only what changed.
 *
 * Start-up overlaps what does not depend on each other: DynamoDB Local (Java's cold start) starts while the app is
 * synthesized and the functions are loaded; the tables are created together, while the servers start listening.
 *
 * The runner's own DynamoDB Local is supervised: when it dies, requests answer 503 (the handler's problem+json with
 * Retry-After) while it is started again on the same port, with the same `--persist` folder.
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssemblyError, loadApis, LocalApi, localTableName, resolveLocalValue, synthesize } from './assembly';
import { defaultDocsAssetsDir, DOCS_PATH, DocsPage, docsUnavailable } from './docs';
import { DynamoDbLocal, freePort, startDynamoDbLocal } from './dynamodb-local';
import { DrainingFunction, FunctionSpec, hostFunctions } from './function-host';
import { matchRouteKey } from './gateway';
import { isLoopbackBind } from './host-check';
import { Jwks, JwtConfigError, jwtExpectations, loadJwks } from './jwt';
import { DEFAULT_LIMITS, describeLimits } from './limits';
import { servedRoutes } from './served-routes';
import { AuthSettings, RunningApi, startApiServer } from './server';
import { SynthProcess } from './synth-process';
import { describeOutcome, ensureTable } from './tables';
import { templateRouteLines } from './template-routes';
import { watchAssembly, watchSources, Watcher } from './watch';

/** The options of `cdk-serverless-crud-api local` (see `USAGE` in cli.ts). */
export interface CliOptions {
  appDir: string;
  assembly?: string;
  stack?: string;
  port: number;
  host: string;
  endpoint?: string;
  region: string;
  persist?: string;
  jwks?: string;
  issuer?: string;
  audience: string[];
  allowedHosts: string[];
  noAuth: boolean;
  functionLogs: boolean;
  watch: boolean;
}

export class UsageError extends Error {}

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const warn = (s: string) => (process.stderr.isTTY ? `\x1b[33m${s}\x1b[0m` : s);

/** Environment names of the list-cursor key: the deployed functions' secret ARN, and the local stand-in. */
const CURSOR_SECRET_ARN_ENV = 'CRUD_CURSOR_SECRET_ARN';
const CURSOR_SECRET_ENV = 'CRUD_CURSOR_SECRET';

/** One random cursor key per runner process, given to every function (never printed). */
const cursorSecret = randomBytes(32).toString('hex');

/** How long DynamoDB Local is waited for before the next try, when it died and is being started again. */
const DDB_RESTART_DELAY_MS = 500;

/** A function being served, with what decides whether a reload must replace it. */
interface ServedFunction {
  readonly fingerprint: string;
  readonly fn: DrainingFunction;
  readonly timeoutSeconds: number;
}

/** An API being served. */
interface ServedApi {
  api: LocalApi;
  readonly server: RunningApi;
  readonly functions: Map<string, ServedFunction>;
  noDocs?: string;
}

/** JWT expectations per API path, per route key. */
type JwtChecks = Map<string, Map<string, { issuer: string; audience: string[] }>>;

/**
 * What decides whether a function is replaced on reload: its code (the asset folder is named by the hash of its
 * content), handler, resolved environment, timeout and memory.
 */
export function functionFingerprint(spec: Pick<FunctionSpec, 'assetDir' | 'handler' | 'environment' | 'timeoutSeconds' | 'memoryMb'>): string {
  const env = Object.keys(spec.environment).sort().map((k) => [k, spec.environment[k]]);
  return createHash('sha256')
    .update(JSON.stringify([path.basename(spec.assetDir), spec.handler, env, spec.timeoutSeconds, spec.memoryMb]))
    .digest('hex');
}

/** Starts everything; resolves to a stop function. Cleans up after itself when start-up fails. */
export async function startLocal(o: CliOptions, out: (line: string) => void): Promise<() => Promise<void>> {
  const session = new LocalSession(o, out);
  try {
    await session.start();
  } catch (e) {
    await session.stop();
    throw e;
  }
  return () => session.stop();
}

class LocalSession {
  private readonly servers = new Map<string, ServedApi>();
  private client?: DynamoDBClient;
  private ddb?: DynamoDbLocal;
  private endpoint?: string;
  private jwks?: Jwks;
  private nextPort: number;
  private stopping = false;
  private watcher?: Watcher;
  /** The assembly folder being served, when the runner synthesized it (and may delete it once superseded). */
  private ownAssembly?: string;
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private ddbRestarting?: Promise<void>;
  private started = false;
  /** What changed while the runner was starting (applied once it is up). */
  private changedDuringStart?: string;
  /**
   * With --watch (and an app to synthesize), the app runs in one kept process: a reload then skips Node's start, the
   * TypeScript loader and aws-cdk-lib's load. The first synth starts it.
   */
  private readonly synthProcess?: SynthProcess;

  constructor(private readonly o: CliOptions, private readonly out: (line: string) => void) {
    this.nextPort = o.port;
    if (o.watch && !o.assembly) this.synthProcess = new SynthProcess(workerEntry());
  }

  async start(): Promise<void> {
    const { o, out } = this;
    const step = (n: number, text: string) => out(`${dim(`[${n}/4]`)} ${text}`);
    const t0 = Date.now();
    // Watching starts before the first synth, so that an edit made while the runner starts is not lost: it is
    // applied as soon as the runner is up.
    if (o.watch) this.startWatching();

    // DynamoDB Local's Java start is the longest wait: it runs while the app is synthesized and the functions load.
    // Its port is picked first, so that the functions know their endpoint before it answers.
    let ddbStart: Promise<DynamoDbLocal> | undefined;
    if (!o.endpoint) {
      const port = await freePort();
      this.endpoint = `http://127.0.0.1:${port}`;
      ddbStart = startDynamoDbLocal({ persistDir: o.persist, port });
      ddbStart.catch(() => undefined); // awaited below; a failure must not be an unhandled rejection meanwhile
    } else {
      this.endpoint = o.endpoint;
    }
    const jwksLoad = o.jwks ? loadJwks(o.jwks) : undefined;
    jwksLoad?.catch(() => undefined);

    step(1, o.assembly ? `reading cloud assembly ${o.assembly}` : `synthesizing ${path.resolve(o.appDir)}`);
    const { assemblyDir, apis } = await this.loadAssembly();
    out(dim(`      found ${apis.map((a) => a.manifest.path).join(', ')}`));
    const jwtChecks = this.jwtChecksOf(apis);

    if (ddbStart) {
      step(2, `starting DynamoDB Local${o.persist ? ` (data in ${o.persist})` : ' (in memory)'}`);
    } else {
      step(2, `using DynamoDB at ${o.endpoint}`);
    }
    // The functions load (compile and init) while Java is still starting.
    const hosted = apis.map((api) => this.hostApiFunctions(api));
    if (ddbStart) {
      this.ddb = await ddbStart;
      out(dim(`      ${this.endpoint} (pid ${this.ddb.pid})`));
    }
    const local = !o.endpoint;
    this.client = new DynamoDBClient({
      endpoint: this.endpoint, region: o.region, credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
    });

    step(3, 'creating tables');
    // The tables are created together; the servers listen only then, so that no request meets a missing table.
    const [jwks] = await Promise.all([jwksLoad, this.createTables(apis, (line) => out(dim(`      ${line}`)))]);
    this.jwks = jwks;
    step(4, 'starting functions and servers');
    const started = await Promise.all(apis.map((api, i) => this.startServer(api, hosted[i], jwtChecks)));
    this.ownAssembly = o.assembly ? undefined : assemblyDir;
    if (this.ddb) this.superviseDdb(this.ddb);

    out('');
    for (const s of started) this.printApi(s, jwtChecks);
    if (!isLoopbackBind(o.host)) {
      out(warn(`! LISTENING ON ${o.host}, NOT ONLY LOOPBACK: other machines can reach these APIs` +
        `${apis.some((a) => o.noAuth || [...servedRoutes(a).values()].some((r) => ['iam', 'custom', 'none'].includes(r.auth.kind))) ? ', and some serve every request unauthenticated' : ''}.`));
    }
    out(dim(`Hosts answered: localhost, *.localhost, 127.0.0.0/8, [::1], ${[o.host, ...o.allowedHosts].join(', ')} (others: 403; --allowed-host adds one).`));
    if (!o.endpoint) {
      out(warn('! DynamoDB Local listens on every network interface (it has no option to bind loopback only): its random port is ' +
        'reachable from other machines unless a firewall blocks it; its CORS is closed to every origin.'));
    }
    out(dim(`Limits per API: ${describeLimits(DEFAULT_LIMITS)}.`));
    out(dim(`Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s.`));
    this.started = true;
    if (this.changedDuringStart) this.requestReload(`${this.changedDuringStart} (during start-up)`);
    out('');
    out(dim(o.watch ? `Watching ${o.assembly ? `${path.resolve(o.assembly)}/manifest.json` : path.resolve(o.appDir)} for changes. Ctrl-C to stop.` : 'Ctrl-C to stop.'));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.watcher?.close();
    await this.reloading?.catch(() => undefined);
    for (const s of this.servers.values()) {
      await s.server.close().catch(() => undefined);
      for (const f of s.functions.values()) await f.fn.stop().catch(() => undefined);
    }
    this.servers.clear();
    await this.ddbRestarting?.catch(() => undefined);
    await this.ddb?.stop().catch(() => undefined);
    await this.synthProcess?.dispose();
    this.client?.destroy();
  }

  // ---- the assembly ----

  private async loadAssembly(): Promise<{ assemblyDir: string; apis: LocalApi[] }> {
    const { o, out } = this;
    const assemblyDir = o.assembly ? path.resolve(o.assembly) : await synthesize(path.resolve(o.appDir), (l) => out(dim(`      ${l}`)), this.synthProcess);
    try {
      const apis = loadApis(assemblyDir, o.stack);
      if (apis.length === 0) {
        throw new AssemblyError(`no ServerlessCrudApi found in ${assemblyDir}${o.stack ? ` (stack ${o.stack})` : ''}`);
      }
      return { assemblyDir, apis };
    } catch (e) {
      if (!o.assembly) removeDir(assemblyDir);
      throw e;
    }
  }

  /**
   * Tokens are checked as API Gateway checks them, or not at all (--no-auth): never with an unknown issuer/audience.
   * Per API, per route key: resources of one API may have different authorizers.
   */
  private jwtChecksOf(apis: LocalApi[]): JwtChecks {
    const { o } = this;
    const jwtChecks: JwtChecks = new Map();
    for (const api of apis) {
      const checks = new Map<string, { issuer: string; audience: string[] }>();
      jwtChecks.set(api.manifest.path, checks);
      for (const [key, route] of servedRoutes(api)) {
        const where = `${api.manifest.path} (${route.resource !== undefined ? `/${route.resource}` : key})`;
        if (o.noAuth || route.unservable !== undefined || (route.auth.kind !== 'jwt' && route.auth.kind !== 'cognito')) continue;
        if (!o.jwks) throw new UsageError(`${where} uses ${route.auth.kind} authorization: pass --jwks <file|url> with the keys its tokens are signed with, or --no-auth`);
        try {
          checks.set(key, jwtExpectations(where, route.auth, o));
        } catch (e) {
          if (e instanceof JwtConfigError) throw new UsageError(e.message);
          throw e;
        }
      }
    }
    return jwtChecks;
  }

  private async createTables(apis: LocalApi[], log: (line: string) => void): Promise<void> {
    await Promise.all(apis.flatMap((api) => api.tables.map(async (t) => {
      const started = Date.now();
      const r = await ensureTable(this.client!, t);
      log(`${t.tableName}: ${describeOutcome(r)}${r === 'exists' ? '' : ` (${Date.now() - started} ms)`}`);
      return r;
    })));
  }

  // ---- functions ----

  /** The function specs of an API, its environment resolved for local use. */
  private specsOf(api: LocalApi, warnUnset: boolean): FunctionSpec[] {
    const endpoint = this.endpoint!;
    const { o, out } = this;
    const refs = new Map<string, string>();
    for (const t of api.tables) if (t.logicalId) refs.set(t.logicalId, localTableName(api.stackName, t.logicalId));
    const local = !o.endpoint;
    const specs: FunctionSpec[] = [];
    for (const fn of api.functions.values()) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(fn.environment)) {
        // The cursor key's secret lives in Secrets Manager; locally the per-run CRUD_CURSOR_SECRET stands in for it.
        if (k === CURSOR_SECRET_ARN_ENV) continue;
        const resolved = resolveLocalValue(v, refs, o.region);
        if (resolved === undefined) {
          if (warnUnset) out(warn(`      ${fn.logicalId}: environment ${k} is only known at deploy time; left unset`));
        } else {
          env[k] = resolved;
        }
      }
      const functionName = `${api.stackName}-${fn.logicalId}`.slice(0, 64);
      Object.assign(env, {
        AWS_REGION: o.region,
        AWS_DEFAULT_REGION: o.region,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_LAMBDA_FUNCTION_NAME: functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        TZ: 'UTC',
        [CURSOR_SECRET_ENV]: cursorSecret,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...(local ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : pickAwsCredentials()),
      });
      specs.push({
        functionName,
        label: fn.logicalId,
        assetDir: fn.assetDir,
        handler: fn.handler,
        environment: env,
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        // Lambda's runtime provides the AWS SDK; locally, the user's functions find it where the app finds its packages.
        moduleDirs: appModuleDirs(o.appDir),
      });
    }
    return specs;
  }

  /** Loads the functions of the given specs (init runs now, like a cold start); by logical id. */
  private host(specs: FunctionSpec[]): Map<string, ServedFunction> {
    const hosted = hostFunctions(specs, {
      allLogs: this.o.functionLogs, workerEntry: workerEntry(), onLog: (label, line) => this.out(dim(`      [${label}] `) + line),
    });
    const served = new Map<string, ServedFunction>();
    for (const spec of specs) {
      const fn = new DrainingFunction(hosted.get(spec.functionName)!);
      served.set(spec.label, { fingerprint: functionFingerprint(spec), fn, timeoutSeconds: spec.timeoutSeconds });
    }
    return served;
  }

  private hostApiFunctions(api: LocalApi, warnUnset = true): Map<string, ServedFunction> {
    return this.host(this.specsOf(api, warnUnset));
  }

  // ---- servers ----

  private docsOf(api: LocalApi): { docs?: DocsPage; noDocs?: string } {
    // A route of the user's own ($default, a greedy `{proxy+}`, a literal `/_docs`) that would answer there keeps it.
    const keys = [...servedRoutes(api).keys()];
    const shadowed = [DOCS_PATH, `${DOCS_PATH}/index.html`].some((p) => matchRouteKey(keys, 'GET', p) !== undefined);
    const paths = [...api.manifest.routes.map((r) => r.path), ...(shadowed ? [DOCS_PATH] : [])];
    const noDocs = docsUnavailable(paths, api.openApiFile, defaultDocsAssetsDir());
    return noDocs ? { noDocs } : { docs: { document: JSON.parse(fs.readFileSync(api.openApiFile, 'utf8')), assetsDir: defaultDocsAssetsDir() } };
  }

  private authOf(api: LocalApi, jwtChecks: JwtChecks): AuthSettings {
    return { enforce: !this.o.noAuth, jwks: this.jwks, jwt: jwtChecks.get(api.manifest.path) };
  }

  private async startServer(api: LocalApi, functions: Map<string, ServedFunction>, jwtChecks: JwtChecks): Promise<ServedApi> {
    const { o, out } = this;
    const port = this.nextPort;
    if (this.nextPort !== 0) this.nextPort++;
    const { docs, noDocs } = this.docsOf(api);
    const server = await startApiServer({
      api,
      docs,
      functions: invokersOf(functions),
      port,
      hostname: o.host,
      allowedHosts: o.allowedHosts,
      auth: this.authOf(api, jwtChecks),
      log: (line) => out(line),
      onFunctionError: (fn, id, e) => out(warn(`      [${fn}] ${id} ${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}`)),
    });
    const served: ServedApi = { api, server, functions, noDocs };
    this.servers.set(api.manifest.path, served);
    return served;
  }

  private printApi({ api, server, noDocs }: ServedApi, jwtChecks: JwtChecks): void {
    const { o, out } = this;
    const m = api.manifest;
    out(`${bold(m.path)}  ${bold(server.url)}`);
    out(noDocs ? warn(`  docs   none: ${noDocs}`) : `  docs   ${server.url}${DOCS_PATH}  ${dim('(Swagger UI: every route, "Try it out" calls this API)')}`);
    for (const r of m.routes) out(`  ${r.method.padEnd(6)} ${server.url}${r.path}  ${dim(`→ ${r.functionLogicalId}`)}`);
    for (const line of templateRouteLines(api, server.url, o.noAuth)) out(line.warn ? warn(line.text) : line.text);
    out(dim(`  throttle ${m.throttle.rateLimit}/s burst ${m.throttle.burstLimit}${m.cors ? `, CORS for ${(m.cors.allowOrigins ?? []).join(' ')}` : ''}`));
    // One line per resource: resources of one API may be authorized differently.
    for (const resource of [...new Set(m.routes.map((r) => r.resource))]) {
      const route = m.routes.find((r) => r.resource === resource)!;
      const kind = route.auth.kind;
      const where = `  /${resource}: `;
      if (o.noAuth) {
        out(warn(`${where}! AUTHORIZATION OFF (--no-auth): ${kind} is not checked`));
      } else if (kind === 'iam') {
        out(warn(`${where}! IAM AUTHORIZATION IS NOT ENFORCED LOCALLY: every request is served unauthenticated (SigV4 is not checked)`));
      } else if (kind === 'custom') {
        out(warn(`${where}! CUSTOM AUTHORIZER IS NOT RUN LOCALLY: every request is served unauthenticated`));
      } else if (kind === 'jwt' || kind === 'cognito') {
        const check = jwtChecks.get(m.path)!.get(`${route.method} ${route.path}`)!;
        out(`${where}JWT verified against ${o.jwks} (issuer ${check.issuer}, audience ${check.audience.join(' ')})`);
      } else {
        out(`${where}no authorization (ApiAuthorization.none())`);
      }
    }
  }

  // ---- --watch ----

  private startWatching(): void {
    const { o } = this;
    if (o.assembly) {
      this.watcher = watchAssembly(path.resolve(o.assembly), () => this.requestReload('the assembly was written'));
    } else {
      const appDir = path.resolve(o.appDir);
      let output: string[] = [];
      try {
        const cdkOut = JSON.parse(fs.readFileSync(path.join(appDir, 'cdk.json'), 'utf8')).output;
        if (typeof cdkOut === 'string') output = [path.basename(cdkOut)];
      } catch {
        // no output setting: cdk.out is ignored anyway
      }
      this.watcher = watchSources(appDir, (paths) => this.requestReload(paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '')), output);
    }
  }

  /** Runs a reload now, or once more after the one under way (changes during a synth are not lost). */
  private requestReload(why: string): void {
    if (this.stopping) return;
    if (!this.started) {
      this.changedDuringStart = why;
      return;
    }
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = this.reload(why).finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain && !this.stopping) {
        this.reloadAgain = false;
        this.requestReload('changes during the last reload');
      }
    });
  }

  /**
   * Synthesizes again and applies the difference: new tables and indexes, functions whose code or configuration
   * changed (loaded fresh; the old ones finish what they are serving), new and removed routes and APIs. A synth or
   * assembly that fails leaves everything as it was.
   */
  private async reload(why: string): Promise<void> {
    const { out } = this;
    const t0 = Date.now();
    out(dim(`watch: ${why} changed; ${this.o.assembly ? 'reading the assembly' : 'synthesizing'}…`));
    let assemblyDir: string;
    let apis: LocalApi[];
    let jwtChecks: JwtChecks;
    try {
      ({ assemblyDir, apis } = await this.loadAssembly());
      jwtChecks = this.jwtChecksOf(apis);
    } catch (e) {
      out(warn(`watch: ✗ ${this.o.assembly ? 'the assembly could not be read' : 'synth failed'} after ${ms(t0)}; still serving the previous version:\n${(e as Error).message}`));
      return;
    }
    if (this.stopping) return;
    const synthMs = Date.now() - t0;
    const lines: string[] = [];
    const line = (text: string, started: number) => lines.push(`watch: ${text} (${ms(started)})`);
    const retire: Promise<void>[] = [];
    try {
      // Tables first, so that new routes find theirs.
      await Promise.all(apis.flatMap((api) => api.tables.map(async (t) => {
        const started = Date.now();
        const r = await ensureTable(this.client!, t);
        if (r !== 'exists') line(`+ table ${t.tableName}: ${describeOutcome(r)}`, started);
      })));

      const seen = new Set<string>();
      for (const api of apis) {
        const key = api.manifest.path;
        seen.add(key);
        const served = this.servers.get(key);
        if (!served) {
          const started = Date.now();
          const s = await this.startServer(api, this.hostApiFunctions(api), jwtChecks);
          line(`+ API ${key} at ${s.server.url} (${api.manifest.routes.length} routes)`, started);
          continue;
        }
        const specs = this.specsOf(api, false);
        const next = new Map<string, ServedFunction>();
        for (const spec of specs) {
          const started = Date.now();
          const old = served.functions.get(spec.label);
          if (old && old.fingerprint === functionFingerprint(spec)) {
            next.set(spec.label, old);
            continue;
          }
          next.set(spec.label, this.host([spec]).get(spec.label)!);
          line(`${old ? '↻' : '+'} ${key} ${spec.label}: ${old ? 'reloaded' : 'added'}`, started);
        }
        for (const [label, old] of served.functions) {
          if (next.get(label) !== old) {
            retire.push(old.fn.retire(old.timeoutSeconds * 1000 + 1000));
            if (!next.has(label)) lines.push(`watch: - ${key} ${label}: removed`);
          }
        }
        // Every route, the user's own included.
        const before = new Set(servedRoutes(served.api).keys());
        const after = new Set(servedRoutes(api).keys());
        for (const r of after) if (!before.has(r)) lines.push(`watch: + ${key} route ${r}`);
        for (const r of before) if (!after.has(r)) lines.push(`watch: - ${key} route ${r}`);
        const { docs, noDocs } = this.docsOf(api);
        served.server.update({ api, functions: invokersOf(next), auth: this.authOf(api, jwtChecks), docs });
        served.api = api;
        served.noDocs = noDocs;
        served.functions.clear();
        for (const [k, v] of next) served.functions.set(k, v);
      }
      for (const [key, served] of [...this.servers]) {
        if (seen.has(key)) continue;
        const started = Date.now();
        await served.server.close();
        for (const f of served.functions.values()) retire.push(f.fn.retire(f.timeoutSeconds * 1000 + 1000));
        this.servers.delete(key);
        line(`- API ${key} removed`, started);
      }
    } catch (e) {
      out(warn(`watch: ✗ reload failed after ${ms(t0)}: ${(e as Error).message}`));
      return;
    }
    for (const l of lines) out(l);
    out(lines.length
      ? `watch: ✓ ${lines.length} change${lines.length > 1 ? 's' : ''} applied in ${ms(t0)} (${this.o.assembly ? 'reading' : 'synth'} ${(synthMs / 1000).toFixed(2)} s)`
      : dim(`watch: ✓ nothing to reload (${ms(t0)})`));
    // The superseded assembly goes once nothing runs from it any more.
    const superseded = this.ownAssembly;
    this.ownAssembly = this.o.assembly ? undefined : assemblyDir;
    void Promise.all(retire).then(() => { if (superseded && superseded !== this.ownAssembly) removeDir(superseded); });
  }

  // ---- DynamoDB Local's supervision ----

  /** When the runner's DynamoDB Local dies, it is started again on the same port (and --persist folder). */
  private superviseDdb(ddb: DynamoDbLocal): void {
    void ddb.exited.then((code) => {
      if (this.stopping || this.ddb !== ddb) return;
      const t0 = Date.now();
      this.out(warn(`! DynamoDB Local (pid ${ddb.pid}) exited${code === null ? '' : ` with code ${code}`}: requests answer 503 until it is back; starting it again on port ${ddb.port}`));
      this.ddbRestarting = this.restartDdb(ddb.port, t0);
    });
  }

  private async restartDdb(port: number, t0: number): Promise<void> {
    const { o, out } = this;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const ddb = await startDynamoDbLocal({ persistDir: o.persist, port });
        if (this.stopping) {
          await ddb.stop();
          return;
        }
        this.ddb = ddb;
        // In memory, everything is gone: the tables are created again. With --persist they are still there.
        const created: string[] = [];
        await Promise.all([...this.servers.values()].flatMap((s) => s.api.tables.map(async (t) => {
          if (await ensureTable(this.client!, t) !== 'exists') created.push(t.tableName);
        })));
        out(`DynamoDB Local back on port ${port} (pid ${ddb.pid}) after ${ms(t0)}` +
          (o.persist ? `, data kept in ${o.persist}` : warn(`; it ran in memory, so its data is gone (${created.length} tables created again; --persist keeps data)`)));
        this.superviseDdb(ddb);
        return;
      } catch (e) {
        out(warn(`! DynamoDB Local did not start again (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}`));
        await new Promise((r) => setTimeout(r, DDB_RESTART_DELAY_MS * Math.min(attempt, 10)));
      }
    }
  }
}

function invokersOf(functions: Map<string, ServedFunction>): Map<string, DrainingFunction> {
  return new Map([...functions].map(([k, v]) => [k, v.fn]));
}

/**
 * The file worker threads and the synth process start from: the runner's own bundle (cli.ts and this module are
 * bundled into one file).
 */
function workerEntry(): string {
  return __filename;
}

function ms(since: number): string {
  const d = Date.now() - since;
  return d < 1000 ? `${d} ms` : `${(d / 1000).toFixed(2)} s`;
}

function removeDir(dir: string): void {
  // Only folders the runner made itself, under the temporary folder.
  if (path.basename(dir).startsWith('crud-api-local-') && path.dirname(dir) === os.tmpdir()) fs.rmSync(dir, { recursive: true, force: true });
}

/** The `node_modules` folders the app's own code resolves packages from: its folder's and each parent's. */
function appModuleDirs(appDir: string): string[] {
  const dirs: string[] = [];
  for (let d = path.resolve(appDir); ; d = path.dirname(d)) {
    const modules = path.join(d, 'node_modules');
    if (fs.existsSync(modules)) dirs.push(modules);
    if (path.dirname(d) === d) return dirs;
  }
}

function pickAwsCredentials(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    if (process.env[k]) out[k] = process.env[k]!;
  }
  return out;
}
