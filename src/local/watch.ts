/**
 * `--watch`: notices when the CDK app's sources change (or, with `--assembly`, when the assembly is written anew) and
 * calls back once per burst of changes.
 *
 * A watcher per folder rather than `fs.watch(dir, { recursive: true })`: on Linux Node's recursive mode watches every
 * folder under the app, `node_modules` and `cdk.out` included — thousands of inotify watches for a typical CDK app.
 * Here the ignored folders are never entered.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Folders never watched: dependencies, version control, and synthesized output (which a synth itself writes). */
const IGNORED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'cdk.out', '.cdk.staging', 'coverage', 'dist', '.idea', '.vscode']);

/** Editor droppings that are not sources: swap and backup files, lock files of Emacs. */
const IGNORED_FILE = /(^\.#|~$|\.sw[px]$|^4913$|\.tmp$)/;

/** How long a burst of file events is collected before the callback runs (editors write a file in several steps). */
export const DEBOUNCE_MS = 150;

export interface Watcher {
  close(): void;
}

/** Whether a path under the watched folder is a source whose change means a new synth. */
export function isWatchedPath(relative: string, extraIgnored: readonly string[] = []): boolean {
  const parts = relative.split(/[\\/]/).filter(Boolean);
  if (!parts.length) return false;
  if (parts.slice(0, -1).some((p) => IGNORED_DIRS.has(p) || extraIgnored.includes(p) || p.endsWith('.out'))) return false;
  const name = parts[parts.length - 1];
  return !IGNORED_DIRS.has(name) && !extraIgnored.includes(name) && !IGNORED_FILE.test(name);
}

/**
 * Watches the sources of a CDK app (every file under `dir` but the ignored folders, and cdk.json's `output`) and calls
 * `onChange` with the changed paths, once per burst.
 */
export function watchSources(dir: string, onChange: (paths: string[]) => void, extraIgnored: readonly string[] = []): Watcher {
  const watchers = new Map<string, fs.FSWatcher>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = () => {
    timer = undefined;
    // Only what is still there is named (an editor's or sed's temporary file is gone by now); a deletion still counts.
    const all = [...changed];
    changed.clear();
    const existing = all.filter((p) => fs.existsSync(path.join(dir, p)));
    const paths = existing.length ? existing : all;
    if (paths.length && !closed) onChange(paths);
  };
  const watchDir = (d: string) => {
    if (closed || watchers.has(d)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(d, (_event, name) => {
        if (!name) return;
        const full = path.join(d, name.toString());
        const rel = path.relative(dir, full);
        if (!isWatchedPath(rel, extraIgnored)) return;
        // A new folder gets a watcher of its own (and its files are a change).
        try {
          if (fs.statSync(full).isDirectory()) walk(full);
        } catch {
          // deleted: the event itself is the change
        }
        changed.add(rel);
        clearTimeout(timer);
        timer = setTimeout(fire, DEBOUNCE_MS);
      });
    } catch {
      return; // gone already, or not readable
    }
    w.on('error', () => { w.close(); watchers.delete(d); });
    watchers.set(d, w);
  };
  const walk = (d: string) => {
    watchDir(d);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && isWatchedPath(path.relative(dir, path.join(d, e.name, 'x')), extraIgnored)) walk(path.join(d, e.name));
    }
  };
  walk(dir);
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

/**
 * Watches a cloud assembly folder (`--assembly`): `cdk synth` writes manifest.json last, so a new or rewritten
 * manifest is the change. Calls `onChange` once per burst.
 */
export function watchAssembly(dir: string, onChange: () => void): Watcher {
  let timer: NodeJS.Timeout | undefined;
  const w = fs.watch(dir, (_event, name) => {
    if (name?.toString() !== 'manifest.json') return;
    clearTimeout(timer);
    timer = setTimeout(onChange, DEBOUNCE_MS);
  });
  return { close: () => { clearTimeout(timer); w.close(); } };
}
