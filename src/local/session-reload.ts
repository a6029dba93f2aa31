/**
 * `--watch`: the runner watches the app's sources (or the assembly's manifest), synthesizes again on change and applies
 * only the difference: new tables, indexes and streams, functions whose code or configuration changed (loaded fresh;
 * the old ones finish what they are serving), new and removed routes, APIs and change-event subscribers. A synth or
 * assembly that fails leaves everything as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LocalApi } from './assembly';
import { servedRoutes } from './served-routes';
import type { JwtChecks, LocalSession } from './session';
import { functionFingerprint, hostSpecs, invokersOf, ServedFunction, specsOf } from './session-functions';
import { describeOutcome, ensureTable } from './tables';
import { watchAssembly, watchSources, Watcher } from './watch';

export class Reloader {
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private watcher?: Watcher;
  /** What changed while the runner was starting (applied once it is up). */
  private changedDuringStart?: string;
  private started = false;

  constructor(private readonly s: LocalSession) {}

  /** Starts watching (before the first synth, so that an edit made while the runner starts is not lost). */
  watch(): void {
    const { o } = this.s;
    if (o.assembly) {
      this.watcher = watchAssembly(path.resolve(o.assembly), () => this.request('the assembly was written'));
    } else {
      const appDir = path.resolve(o.appDir);
      let output: string[] = [];
      try {
        const cdkOut = JSON.parse(fs.readFileSync(path.join(appDir, 'cdk.json'), 'utf8')).output;
        if (typeof cdkOut === 'string') output = [path.basename(cdkOut)];
      } catch {
        // no output setting: cdk.out is ignored anyway
      }
      this.watcher = watchSources(appDir, (paths) => this.request(paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '')), output);
    }
  }

  /** The runner is up: what changed meanwhile is applied now. */
  startedUp(): void {
    this.started = true;
    if (this.changedDuringStart) this.request(`${this.changedDuringStart} (during start-up)`);
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    await this.reloading?.catch(() => undefined);
  }

  /** Runs a reload now, or once more after the one under way (changes during a synth are not lost). */
  private request(why: string): void {
    if (this.s.stopping) return;
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
      if (this.reloadAgain && !this.s.stopping) {
        this.reloadAgain = false;
        this.request('changes during the last reload');
      }
    });
  }

  private async reload(why: string): Promise<void> {
    const { s } = this;
    const { out, dim, warn } = s;
    const t0 = Date.now();
    out(dim(`watch: ${why} changed; ${s.o.assembly ? 'reading the assembly' : 'synthesizing'}…`));
    let assemblyDir: string;
    let apis: LocalApi[];
    let jwtChecks: JwtChecks;
    try {
      ({ assemblyDir, apis } = await s.loadAssembly());
      jwtChecks = s.jwtChecksOf(apis);
    } catch (e) {
      out(warn(`watch: ✗ ${s.o.assembly ? 'the assembly could not be read' : 'synth failed'} after ${ms(t0)}; still serving the previous version:\n${(e as Error).message}`));
      return;
    }
    if (s.stopping) return;
    const synthMs = Date.now() - t0;
    const lines: string[] = [];
    const line = (text: string, started: number) => lines.push(`watch: ${text} (${ms(started)})`);
    const retire: Promise<void>[] = [];
    try {
      // Tables first, so that new routes find theirs.
      await Promise.all(apis.flatMap((api) => api.tables.map(async (t) => {
        const started = Date.now();
        const r = await ensureTable(s.client!, t);
        if (r === 'created') s.events?.tableCreated(t.tableName);
        if (r !== 'exists') line(`+ table ${t.tableName}: ${describeOutcome(r)}`, started);
      })));

      const seen = new Set<string>();
      for (const api of apis) {
        const key = api.manifest.path;
        seen.add(key);
        const served = s.servers.get(key);
        if (!served) {
          const started = Date.now();
          const added = await s.startServer(api, s.hostApiFunctions(api), jwtChecks);
          line(`+ API ${key} at ${added.server.url} (${api.manifest.routes.length} routes)`, started);
          continue;
        }
        const next = new Map<string, ServedFunction>();
        for (const spec of specsOf(api, s.functionContext(), false)) {
          const started = Date.now();
          const old = served.functions.get(spec.label);
          if (old && old.fingerprint === functionFingerprint(spec)) {
            next.set(spec.label, old);
            continue;
          }
          next.set(spec.label, hostSpecs([spec], s.functionContext()).get(spec.label)!);
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
        const subscribersBefore = subscriberLines(served.api);
        const subscribersAfter = subscriberLines(api);
        for (const r of subscribersAfter) if (!subscribersBefore.has(r)) lines.push(`watch: + ${key} subscriber ${r}`);
        for (const r of subscribersBefore) if (!subscribersAfter.has(r)) lines.push(`watch: - ${key} subscriber ${r}`);
        const { docs, noDocs } = s.docsOf(api);
        served.server.update({ api, functions: invokersOf(next), auth: s.authOf(api, jwtChecks), docs, events: s.events?.feedOf(api) });
        served.api = api;
        served.noDocs = noDocs;
        served.functions.clear();
        for (const [k, v] of next) served.functions.set(k, v);
        await s.serveEvents(api);
      }
      for (const [key, served] of [...s.servers]) {
        if (seen.has(key)) continue;
        const started = Date.now();
        await s.events?.remove(key);
        await served.server.close();
        for (const f of served.functions.values()) retire.push(f.fn.retire(f.timeoutSeconds * 1000 + 1000));
        s.servers.delete(key);
        line(`- API ${key} removed`, started);
      }
    } catch (e) {
      out(warn(`watch: ✗ reload failed after ${ms(t0)}: ${(e as Error).message}`));
      return;
    }
    for (const l of lines) out(l);
    out(lines.length
      ? `watch: ✓ ${lines.length} change${lines.length > 1 ? 's' : ''} applied in ${ms(t0)} (${s.o.assembly ? 'reading' : 'synth'} ${(synthMs / 1000).toFixed(2)} s)`
      : dim(`watch: ✓ nothing to reload (${ms(t0)})`));
    s.supersede(assemblyDir, retire);
  }
}

/** The subscribers of an API's change events, one string each (for the reload's lines). */
function subscriberLines(api: LocalApi): Set<string> {
  return new Set(api.changeEvents.flatMap((e) => e.subscribers.subscribers.map((x) => `/${e.resource} ${x.rule} → ${x.functionLogicalId}`)));
}

export function ms(since: number): string {
  const d = Date.now() - since;
  return d < 1000 ? `${d} ms` : `${(d / 1000).toFixed(2)} s`;
}
