// Reading V8 CPU profiles (.cpuprofile from `node --cpu-prof`): self time grouped by the module it was spent in.
//
// Bundles are attributed through esbuild's `// <path>` comments, which it writes before each module when whitespace
// is not minified: the profiling builds use the handler's options with only `minifyWhitespace` off, so the code
// that runs is the same (identifiers and syntax minified alike) and every line maps back to its source module.
import { readFileSync } from 'node:fs';

const lineMaps = new Map();

/** Source module of a (0-based) line of an esbuild bundle, or undefined for files without path comments. */
function moduleAt(file, line) {
  if (!lineMaps.has(file)) {
    let map;
    try {
      const lines = readFileSync(file, 'utf8').split('\n');
      if (lines.some((l) => /^\/\/ (node_modules|src|bench|test)\//.test(l))) {
        map = [];
        let current = '(bundle prelude)';
        for (const l of lines) {
          const m = /^\/\/ ((?:node_modules|src|bench|test)\/\S+)$/.exec(l);
          if (m) current = m[1];
          map.push(current);
        }
      }
    } catch {
      map = undefined;
    }
    lineMaps.set(file, map);
  }
  return lineMaps.get(file)?.[line];
}

/** A module path as a group: the npm package (with @smithy/core's submodule), or our source file. */
export function packageOf(modulePath) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/dist-[a-z]+\/submodules\/([^/]+))?/.exec(modulePath);
  if (m) return m[2] ? `${m[1]}/${m[2]}` : m[1];
  return modulePath;
}

/**
 * Self time by group. `groupOf(callFrame)` may override the grouping; by default bundle lines map to packages,
 * node's own code to `node:<module>`, and V8's pseudo-frames keep their names ((garbage collector), (program)).
 */
export function selfTimeByGroup(profile, { groupOf, byFunction = false } = {}) {
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);
  }
  const groups = {};
  let idle = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (!us) continue;
    total += us;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') { idle += us; continue; }
    let group = groupOf?.(cf);
    if (!group) {
      const file = cf.url.replace(/^file:\/\//, '');
      const mod = file ? moduleAt(file, cf.lineNumber) : undefined;
      if (mod) group = packageOf(mod);
      else if (!cf.url) group = cf.functionName || '(native)';
      else group = cf.url.startsWith('node:') ? cf.url : file.replace(/.*\/node_modules\//, '');
    }
    if (byFunction) group = `${group} · ${cf.functionName || '(anonymous)'}`;
    groups[group] = (groups[group] ?? 0) + us / 1000;
  }
  const sorted = Object.fromEntries(Object.entries(groups).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number(v.toFixed(1))]));
  return { totalMs: total / 1000, idleMs: idle / 1000, busyMs: (total - idle) / 1000, groups: sorted };
}

/** Adds up several profiles' groups (e.g. one per cold start) into means per profile. */
export function meanGroups(summaries) {
  const sum = {};
  for (const s of summaries) for (const [k, v] of Object.entries(s.groups)) sum[k] = (sum[k] ?? 0) + v;
  const n = summaries.length || 1;
  return Object.fromEntries(Object.entries(sum).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number((v / n).toFixed(1))]));
}
