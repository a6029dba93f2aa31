/**
 * `--watch`'s long-lived synth process. Spawning cdk.json's `app` for every edit pays Node's start, the TypeScript
 * loader and aws-cdk-lib's load each time (most of a reload, measured on the example app). Instead one child Node
 * process is started with the interpreter setup the `app` command implies, and each synth clears the app's own
 * modules (everything outside node_modules: the app, and any linked library's sources) from `require.cache` and
 * requires the entry again, with the environment the CDK CLI hands an app.
 *
 * Only the common forms of `app` are run this way — `[npx] ts-node [flags] <file>` and `node [-r <module>] <file>`;
 * anything else (and any surprise: the process dies, an ES module) is left to the spawn-per-synth path.
 *
 * Both sides live here: the runner's (`SynthProcess`) and the child's (`runSynthProcess`), which runs from the
 * runner's own bundle like the function hosts do.
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as path from 'path';
import * as util from 'util';

/** How the child runs the app: its entry file, ts-node's registration (if any) and modules required first. */
export interface AppLaunch {
  /** Absolute path of the app's entry, as the command names it (resolved by Node, so `app` finds `app.ts`). */
  readonly entry: string;
  /** The ts-node module (resolved from the app's folder) and the register options its CLI flags stand for. */
  readonly tsNode?: { readonly module: string; readonly options: Record<string, unknown> };
  /** `-r`/`--require` modules, resolved from the app's folder. */
  readonly requires: string[];
}

/** ts-node CLI flags without a value, as register options. */
const TS_NODE_SWITCHES: Record<string, string> = {
  '-T': 'transpileOnly',
  '--transpile-only': 'transpileOnly',
  '--transpileOnly': 'transpileOnly',
  '--prefer-ts-exts': 'preferTsExts',
  '--files': 'files',
  '--swc': 'swc',
  '--skip-project': 'skipProject',
  '-H': 'compilerHost',
  '--compiler-host': 'compilerHost',
  '--pretty': 'pretty',
  '--log-error': 'logError',
};

/** ts-node CLI flags with a value. */
const TS_NODE_VALUES: Record<string, string> = {
  '-P': 'project',
  '--project': 'project',
  '-O': 'compilerOptions',
  '--compiler-options': 'compilerOptions',
  '-r': 'require',
  '--require': 'require',
};

/**
 * How cdk.json's `app` is run in the synth process, or undefined when it is not one of the forms this runs (then each
 * synth spawns the command, as before). Conservative: shell syntax, unknown flags, arguments after the entry, ES
 * modules and a `node` other than the runner's own all say no.
 */
export function appLaunchOf(command: string, dir: string): AppLaunch | undefined {
  if (/[;&|<>$`()*?!\\\n]/.test(command)) return undefined;
  const tokens: string[] = [];
  for (const m of command.trim().matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) tokens.push(m[1] ?? m[2] ?? m[3]);
  const resolveFrom = (request: string): string | undefined => {
    try {
      return require.resolve(request, { paths: [dir] });
    } catch {
      return undefined;
    }
  };
  let rest: string[];
  let tsNode: boolean;
  if (tokens[0] === 'npx' && tokens[1] === 'ts-node') {
    [rest, tsNode] = [tokens.slice(2), true];
  } else if (tokens[0] === 'ts-node') {
    [rest, tsNode] = [tokens.slice(1), true];
  } else if (tokens[0] === 'node' || (path.isAbsolute(tokens[0] ?? '') && sameFile(tokens[0], process.execPath))) {
    [rest, tsNode] = [tokens.slice(1), false];
  } else {
    return undefined;
  }
  const options: Record<string, unknown> = {};
  const requires: string[] = [];
  let entry: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].startsWith('--') && rest[i].includes('=') ? [rest[i].slice(0, rest[i].indexOf('=')), rest[i].slice(rest[i].indexOf('=') + 1)] : [rest[i], undefined];
    if (!flag.startsWith('-')) {
      if (i !== rest.length - 1) return undefined; // the app's own arguments: run as a command
      entry = path.resolve(dir, flag);
      break;
    }
    const option = tsNode ? TS_NODE_SWITCHES[flag] : undefined;
    if (option && inline === undefined) {
      options[option] = true;
      continue;
    }
    const valued = tsNode ? TS_NODE_VALUES[flag] : (flag === '-r' || flag === '--require' ? 'require' : undefined);
    const value = inline ?? rest[++i];
    if (!valued || value === undefined) return undefined;
    if (valued === 'require') {
      const resolved = resolveFrom(value.startsWith('.') ? path.resolve(dir, value) : value);
      if (!resolved) return undefined;
      requires.push(resolved);
    } else if (valued === 'project') {
      options.project = path.resolve(dir, value);
    } else {
      try {
        options.compilerOptions = JSON.parse(value);
      } catch {
        return undefined;
      }
    }
  }
  if (!entry || /\.(mjs|mts)$/.test(entry) || isEsmPackage(path.dirname(entry))) return undefined;
  if (!tsNode) return { entry, requires };
  const module = resolveFrom('ts-node');
  if (!module) return undefined;
  // ts-node's CLI looks for tsconfig.json from the script's folder (its default "script mode").
  return { entry, requires, tsNode: { module, options: { ...options, projectSearchDir: path.dirname(entry), cwd: dir } } };
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

/** Whether the nearest package.json says `"type": "module"` (then `.js` and ts-node's output are ES modules). */
function isEsmPackage(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(d) === d) return false;
  }
}

/** What a synth in the synth process came to. */
export type SynthOutcome =
  | { readonly kind: 'synthesized'; readonly pid: number }
  /** The app failed (threw, or set a non-zero exit code): its error, as the spawned app would have printed it. */
  | { readonly kind: 'failed'; readonly error: string }
  /** Not run here (another form of command, or the process died): spawn the command instead. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Environment variable naming the child's role, and the one carrying its `AppLaunch`. */
const ROLE_ENV = 'CRUD_API_LOCAL_ROLE';
const LAUNCH_ENV = 'CRUD_API_LOCAL_SYNTH_LAUNCH';

/** After this many deaths in a row, the app is not run in a synth process any more (it keeps calling process.exit…). */
const MAX_DEATHS = 3;

/**
 * Heap (after a synth) past which the process is replaced by a fresh one: aws-cdk-lib keeps some state per app in
 * module-level maps (the token map), so a kept process grows by a few MB per synth (5 MB on the example app).
 */
const RECYCLE_HEAP_BYTES = 1024 * 1024 * 1024;

/** How long a stopped process gets to run its exit hooks (the app's temporary folders) before it is killed. */
const EXIT_GRACE_MS = 2000;

/** Messages between the runner and the synth process. */
type ToChild = { type: 'synth'; id: number; env: Record<string, string> };
type FromChild =
  | { type: 'done'; id: number; error?: string; esm?: boolean; heapUsed?: number }
  | { type: 'fatal'; error: string };

/** The runner's side: one child per app command, started on the first synth and kept for the next ones. */
export class SynthProcess {
  private child?: ChildProcess;
  private launch?: AppLaunch;
  private command?: string;
  private nextId = 1;
  private deaths = 0;
  private stderr = '';
  private disabled?: string;
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param entry the file the child runs: the runner's bundle (`runSynthProcess` is called from it)
   * @param recycleHeapBytes heap after a synth past which the process is replaced
   */
  constructor(private readonly entry: string, private readonly recycleHeapBytes = RECYCLE_HEAP_BYTES) {}

  /**
   * Synthesizes cdk.json's `app` in `dir` with `env` (CDK_OUTDIR, CDK_CONTEXT_JSON …) in the kept process; starts it
   * when there is none for this command. Never rejects: what cannot be run here comes back `unavailable`.
   */
  synth(command: string, dir: string, env: Record<string, string>): Promise<SynthOutcome> {
    // One at a time: the child runs one app at a time (the runner's reloads are serialized already).
    const next = this.queue.then(() => this.synthNow(command, dir, env));
    this.queue = next.then(() => undefined, () => undefined);
    return next;
  }

  private async synthNow(command: string, dir: string, env: Record<string, string>): Promise<SynthOutcome> {
    if (this.disabled) return { kind: 'unavailable', reason: this.disabled };
    if (this.command !== command) void this.dispose();
    if (!this.child) {
      const launch = appLaunchOf(command, dir);
      if (!launch) return { kind: 'unavailable', reason: 'not a `ts-node <file>` or `node <file>` command' };
      this.command = command;
      this.launch = launch;
      this.child = this.start(launch, dir);
    }
    const child = this.child;
    const id = this.nextId++;
    this.stderr = '';
    let heapUsed = 0;
    const outcome = await new Promise<SynthOutcome>((resolve) => {
      const done = (o: SynthOutcome) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(o);
      };
      const onMessage = (m: FromChild) => {
        if (m.type === 'fatal') {done({ kind: 'unavailable', reason: m.error });} else if (m.type === 'done' && m.id === id && m.esm) {done({ kind: 'unavailable', reason: 'the app is an ES module' });} else if (m.type === 'done' && m.id === id) {
          heapUsed = m.heapUsed ?? 0;
          done(m.error === undefined ? { kind: 'synthesized', pid: child.pid! } : { kind: 'failed', error: m.error });
        }
      };
      const onExit = (code: number | null, signal: string | null) => done({ kind: 'unavailable', reason: `the synth process exited (${signal ?? `code ${code}`})` });
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ type: 'synth', id, env } satisfies ToChild, (e) => { if (e) done({ kind: 'unavailable', reason: e.message }); });
    });
    if (outcome.kind === 'unavailable') {
      void this.dispose();
      if (++this.deaths >= MAX_DEATHS || /ES module/.test(outcome.reason)) this.disabled = outcome.reason;
      return outcome;
    }
    this.deaths = 0;
    if (heapUsed > this.recycleHeapBytes) {
      // A fresh one, set up now (ts-node, aws-cdk-lib) while the developer edits.
      const launch = this.launch!;
      void this.dispose();
      this.command = command;
      this.launch = launch;
      this.child = this.start(launch, dir);
    }
    if (outcome.kind === 'failed') {
      // What the app wrote to stderr belongs with its error (it is piped, so it may trail the message a little).
      await new Promise((r) => setTimeout(r, 20));
      const written = this.stderr.trim();
      return { kind: 'failed', error: written && !outcome.error.includes(written) ? `${written}\n${outcome.error}` : outcome.error };
    }
    return outcome;
  }

  /**
   * Stops the child (the next synth starts a new one): disconnected, it exits and runs the app's exit hooks (which
   * remove what the app staged in temporary folders); killed when it does not within a moment.
   */
  dispose(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.command = undefined;
    this.launch = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill('SIGKILL');
    });
  }

  private start(launch: AppLaunch, dir: string): ChildProcess {
    const child = fork(this.entry, [], {
      cwd: dir,
      env: { ...process.env, [ROLE_ENV]: 'synth', [LAUNCH_ENV]: JSON.stringify(launch) },
      // The app's stdout is the runner's, as when spawned; stderr is kept for its error.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      execArgv: [],
    });
    child.stderr!.on('data', (d) => { this.stderr = (this.stderr + String(d)).slice(-8000); });
    child.on('error', () => undefined); // reported as its exit
    child.on('exit', () => { if (this.child === child) void this.dispose(); });
    return child;
  }
}

// ---- the child ----

/** Whether this process is a synth process started by `SynthProcess`. */
export function isSynthProcess(): boolean {
  return process.env[ROLE_ENV] === 'synth' && typeof process.send === 'function';
}

/**
 * The synth process: sets up the interpreter once (ts-node registered, `-r` modules and aws-cdk-lib loaded), then
 * for each request clears the app's modules, sets the CDK environment and requires the entry as the main module. The
 * app synthesizes as a spawned one does: explicitly (`app.synth()`), or when the event loop empties (the App's
 * `beforeExit` hook) — the IPC channel is unref'd during a synth so that the loop can empty.
 */
export function runSynthProcess(): void {
  const send = (m: FromChild) => process.send!(m);
  const launch = JSON.parse(process.env[LAUNCH_ENV]!) as AppLaunch;
  delete process.env[ROLE_ENV];
  delete process.env[LAUNCH_ENV];
  // Parent gone: nothing left to synthesize for.
  process.on('disconnect', () => process.exit(0));
  try {
    const load = nodeModule.createRequire(launch.entry);
    if (launch.tsNode) load(launch.tsNode.module).register(launch.tsNode.options);
    for (const r of launch.requires) load(r);
  } catch (e) {
    send({ type: 'fatal', error: `setting up the synth process failed: ${util.inspect(e)}` });
    process.exit(1);
  }
  try {
    // Loaded once here, kept across synths (it is under node_modules); an app without it finds out when it runs.
    nodeModule.createRequire(launch.entry)('aws-cdk-lib');
  } catch {
    // not there
  }
  const own = new Set([__filename, require.main?.filename]);
  const baseEnv = new Set(Object.keys(process.env));
  let current: { id: number; errors: unknown[]; listeners: Set<Function> } | undefined;
  const fail = (e: unknown) => {
    if (current) current.errors.push(e);
    else send({ type: 'fatal', error: `unexpected error in the synth process: ${util.inspect(e)}` });
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);

  const finish = () => {
    const c = current;
    if (!c) return;
    current = undefined;
    // Hooks the app left behind (the App's own ones run once) must not pile up.
    for (const l of process.listeners('beforeExit')) if (!c.listeners.has(l)) process.off('beforeExit', l as any);
    process.channel?.ref();
    const code = process.exitCode;
    process.exitCode = undefined;
    const first = c.errors[0] as NodeJS.ErrnoException | undefined;
    if (first?.code === 'ERR_REQUIRE_ESM') {
      send({ type: 'done', id: c.id, esm: true });
    } else if (first !== undefined) {
      send({ type: 'done', id: c.id, error: util.inspect(first) });
    } else {
      send({ type: 'done', id: c.id, error: code ? `the app set exit code ${code}` : undefined, heapUsed: process.memoryUsage().heapUsed });
    }
  };
  process.on('beforeExit', () => { if (current) setImmediate(finish); });

  process.on('message', (m: ToChild) => {
    if (m.type !== 'synth' || current) return;
    current = { id: m.id, errors: [], listeners: new Set(process.listeners('beforeExit')) };
    for (const key of Object.keys(require.cache)) {
      if (!own.has(key) && !key.split(path.sep).includes('node_modules')) delete require.cache[key];
    }
    for (const key of Object.keys(process.env)) if (!baseEnv.has(key)) delete process.env[key];
    Object.assign(process.env, m.env);
    process.argv = [process.execPath, launch.entry];
    try {
      // As `node <entry>` loads it: the main module (`require.main === module` holds in the app).
      (nodeModule as any).Module._load(launch.entry, null, true);
    } catch (e) {
      current.errors.push(e);
      finish();
      return;
    }
    process.channel?.unref();
  });
}
