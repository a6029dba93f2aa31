/**
 * One run of the local runner: the assembly, DynamoDB (Local), the tables, the functions and one server per API — and,
 * with `--watch`, the reloads that replace only what changed.
 *
 * Start-up overlaps what does not depend on each other: DynamoDB Local (Java's cold start) starts while the app is
 * synthesized and the functions are loaded; the tables are created together, while the servers start listening.
 *
 * The parts live beside it: the functions (session-functions.ts), `--watch` (session-reload.ts), DynamoDB Local's
 * supervision (session-ddb.ts) and the change events (session-events.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssemblyError, loadApis, LocalApi, synthesize } from './assembly';
import { defaultDocsAssetsDir, DOCS_PATH, DocsPage, docsUnavailable, loadDocsPage } from './docs';
import { DynamoDbLocal, freePort, startDynamoDbLocal } from './dynamodb-local';
import { EVENTS_PATH } from './event-feed';
import { changeEventLines } from './event-streams';
import { matchRouteKey } from './gateway';
import { isLoopbackBind } from './host-check';
import { Jwks, JwtConfigError, jwtExpectations, loadJwks } from './jwt';
import { DEFAULT_LIMITS, describeLimits } from './limits';
import { servedRoutes } from './served-routes';
import { AuthSettings, RunningApi, startApiServer } from './server';
import { DdbSupervisor } from './session-ddb';
import { SessionEvents } from './session-events';
import { FunctionContext, hostSpecs, invokersOf, ServedFunction, specsOf, workerEntry } from './session-functions';
import { Reloader } from './session-reload';
import { SynthProcess } from './synth-process';
import { describeOutcome, ensureTable } from './tables';
import { templateRouteLines } from './template-routes';

export { functionFingerprint } from './session-functions';

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

/** An API being served. */
export interface ServedApi {
  api: LocalApi;
  readonly server: RunningApi;
  readonly functions: Map<string, ServedFunction>;
  noDocs?: string;
}

/** JWT expectations per API path, per route key. */
export type JwtChecks = Map<string, Map<string, { issuer: string; audience: string[] }>>;

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

/** One run of the runner. Its parts (reload, supervision) reach its state through the members not marked private. */
export class LocalSession {
  readonly servers = new Map<string, ServedApi>();
  client?: DynamoDBClient;
  ddb?: DynamoDbLocal;
  events?: SessionEvents;
  stopping = false;
  readonly dim = dim;
  readonly warn = warn;
  private endpoint?: string;
  private jwks?: Jwks;
  private nextPort: number;
  /** The assembly folder being served, when the runner synthesized it (and may delete it once superseded). */
  private ownAssembly?: string;
  private readonly reloader = new Reloader(this);
  private readonly supervisor = new DdbSupervisor(this);
  /**
   * With --watch (and an app to synthesize), the app runs in one kept process: a reload then skips Node's start, the
   * TypeScript loader and aws-cdk-lib's load. The first synth starts it.
   */
  private readonly synthProcess?: SynthProcess;

  constructor(readonly o: CliOptions, readonly out: (line: string) => void) {
    this.nextPort = o.port;
    if (o.watch && !o.assembly) this.synthProcess = new SynthProcess(workerEntry());
  }

  async start(): Promise<void> {
    const { o, out } = this;
    const step = (n: number, text: string) => out(`${dim(`[${n}/4]`)} ${text}`);
    const t0 = Date.now();
    // Watching starts before the first synth, so that an edit made while the runner starts is not lost: it is
    // applied as soon as the runner is up.
    if (o.watch) this.reloader.watch();

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
    this.events = new SessionEvents({
      endpoint: this.endpoint, region: o.region, local: !o.endpoint, persist: o.persist, functionLogs: o.functionLogs, out, warn,
    });

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
    if (this.ddb) this.supervisor.supervise(this.ddb);

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
    this.reloader.startedUp();
    out('');
    out(dim(o.watch ? `Watching ${o.assembly ? `${path.resolve(o.assembly)}/manifest.json` : path.resolve(o.appDir)} for changes. Ctrl-C to stop.` : 'Ctrl-C to stop.'));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.reloader.stop();
    // The readers stop first: no event is delivered to a function being stopped.
    await this.events?.stop();
    const summary = this.events?.summary();
    if (summary) this.out(summary);
    for (const s of this.servers.values()) {
      await s.server.close().catch(() => undefined);
      for (const f of s.functions.values()) await f.fn.stop().catch(() => undefined);
    }
    this.servers.clear();
    await this.supervisor.settle();
    await this.ddb?.stop().catch(() => undefined);
    await this.synthProcess?.dispose();
    this.client?.destroy();
  }

  // ---- the assembly ----

  async loadAssembly(): Promise<{ assemblyDir: string; apis: LocalApi[] }> {
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

  /** The assembly now served; the one before goes once nothing runs from it any more. */
  supersede(assemblyDir: string, retiring: Promise<void>[]): void {
    const superseded = this.ownAssembly;
    this.ownAssembly = this.o.assembly ? undefined : assemblyDir;
    void Promise.all(retiring).then(() => { if (superseded && superseded !== this.ownAssembly) removeDir(superseded); });
  }

  /**
   * Tokens are checked as API Gateway checks them, or not at all (--no-auth): never with an unknown issuer/audience.
   * Per API, per route key: resources of one API may have different authorizers.
   */
  jwtChecksOf(apis: LocalApi[]): JwtChecks {
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
      if (r === 'created') this.events?.tableCreated(t.tableName);
      log(`${t.tableName}: ${describeOutcome(r)}${r === 'exists' ? '' : ` (${Date.now() - started} ms)`}`);
      return r;
    })));
  }

  // ---- functions ----

  functionContext(): FunctionContext {
    const { o } = this;
    return {
      endpoint: this.endpoint!, region: o.region, local: !o.endpoint, appDir: o.appDir, functionLogs: o.functionLogs, out: this.out, dim, warn,
    };
  }

  hostApiFunctions(api: LocalApi, warnUnset = true): Map<string, ServedFunction> {
    return hostSpecs(specsOf(api, this.functionContext(), warnUnset), this.functionContext());
  }

  // ---- servers ----

  docsOf(api: LocalApi): { docs?: DocsPage; noDocs?: string } {
    // A route of the user's own ($default, a greedy `{proxy+}`, a literal `/_docs`) that would answer there keeps it.
    const keys = [...servedRoutes(api).keys()];
    const shadowed = [DOCS_PATH, `${DOCS_PATH}/index.html`].some((p) => matchRouteKey(keys, 'GET', p) !== undefined);
    const paths = [...api.manifest.routes.map((r) => r.path), ...(shadowed ? [DOCS_PATH] : [])];
    const noDocs = docsUnavailable(paths, api.openApiFile, defaultDocsAssetsDir());
    // With change events, the page also shows the API's AsyncAPI document (beside the OpenAPI one in the assembly).
    return noDocs ? { noDocs } : { docs: loadDocsPage(api.openApiFile, defaultDocsAssetsDir()) };
  }

  authOf(api: LocalApi, jwtChecks: JwtChecks): AuthSettings {
    return { enforce: !this.o.noAuth, jwks: this.jwks, jwt: jwtChecks.get(api.manifest.path) };
  }

  async startServer(api: LocalApi, functions: Map<string, ServedFunction>, jwtChecks: JwtChecks): Promise<ServedApi> {
    const { o, out } = this;
    const port = this.nextPort;
    if (this.nextPort !== 0) this.nextPort++;
    const { docs, noDocs } = this.docsOf(api);
    const server = await startApiServer({
      api,
      docs,
      events: this.events?.feedOf(api),
      onWrite: () => this.events?.nudge(api.manifest.path),
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
    await this.serveEvents(api);
    return served;
  }

  /** Starts (or updates) the API's change events: its subscribers are its functions as served now. */
  async serveEvents(api: LocalApi): Promise<void> {
    const key = api.manifest.path;
    await this.events?.serve(api, this.client!, (logicalId) => this.servers.get(key)?.functions.get(logicalId)?.fn);
  }

  private printApi({ api, server, noDocs }: ServedApi, jwtChecks: JwtChecks): void {
    const { o, out } = this;
    const m = api.manifest;
    out(`${bold(m.path)}  ${bold(server.url)}`);
    out(noDocs ? warn(`  docs   none: ${noDocs}`) : `  docs   ${server.url}${DOCS_PATH}  ${dim('(Swagger UI: every route, "Try it out" calls this API)')}`);
    if (api.changeEvents.length) out(`  events ${server.url}${EVENTS_PATH}  ${dim('(Server-Sent Events: every change event, live)')}`);
    for (const r of m.routes) out(`  ${r.method.padEnd(6)} ${server.url}${r.path}  ${dim(`→ ${r.functionLogicalId}`)}`);
    for (const line of templateRouteLines(api, server.url, o.noAuth)) out(line.warn ? warn(line.text) : line.text);
    for (const line of changeEventLines(api)) out(line.warn ? warn(line.text) : line.text);
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
}

function removeDir(dir: string): void {
  // Only folders the runner made itself, under the temporary folder.
  if (path.basename(dir).startsWith('crud-api-local-') && path.dirname(dir) === os.tmpdir()) fs.rmSync(dir, { recursive: true, force: true });
}
