// Process helpers: CPU time of a process from /proc (Linux), children with a JSON result line.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** User+system CPU ms a process (all its threads) has used so far; NaN where /proc is unavailable. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Runs `node file json` and resolves to the object of its `@@BENCH {...}` line, plus its own CPU time. */
export function runJsonChild(file, input, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, JSON.stringify(input)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Keep only the result line: handlers may log a line per request to stdout.
    let out = '';
    let partial = '';
    let err = '';
    let cpu = NaN;
    const timer = setInterval(() => { const c = cpuMs(child.pid); if (Number.isFinite(c)) cpu = c; }, 200);
    child.stdout.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const l of lines) if (l.startsWith('@@BENCH ')) out = l;
    });
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    child.on('error', reject);
    // 'close', not 'exit': only then has all of stdout been read.
    child.on('close', (code) => {
      clearInterval(timer);
      const line = partial.startsWith('@@BENCH ') ? partial : out;
      if (!line) return reject(new Error(`${file} exited ${code} without a result:\n${err}`));
      let result;
      try {
        result = JSON.parse(line.slice('@@BENCH '.length));
      } catch (e) {
        return reject(new Error(`${file} exited ${code} with an unreadable result (${e.message}):\n${err}`));
      }
      if (result.fatal) return reject(new Error(`${file}: ${result.fatal}`));
      resolve({ ...result, generatorCpuMs: cpu });
    });
  });
}
