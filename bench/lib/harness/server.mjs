// The one way the load set-up runs a server (the local runner, serverless-offline, the runner CLI of the start-up
// benchmark): start it, keep its output (and a count and tail of its lines), wait until it says it is ready, stop it
// (SIGINT, SIGKILL after 15 s), and never leave it behind, even when this process dies of an exception.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Starts `command args`. `outputLimit`: keep no more output once this many characters are kept;
 * `freezeOnceReady`: keep no more once `waitFor` has seen the server ready (its start output is what is read).
 */
export function startServer(name, command, args, { cwd, env, outputLimit = Infinity, freezeOnceReady = false } = {}) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let lines = 0;
  let frozen = false;
  const tail = [];
  const onData = (d) => {
    const s = String(d);
    if (!frozen && out.length < outputLimit) out += s;
    for (const l of s.split('\n')) {
      if (!l) continue;
      lines++;
      tail.push(l);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  return {
    child,
    pid: child.pid,
    output: () => out,
    logLines: () => lines,
    tail: () => tail.join('\n'),
    /** Polls the output every 50 ms until `ready(output)`; throws (the output attached) if it exits or is late. */
    waitFor: async (ready, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!ready(out)) {
        if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${out}`);
        if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`${name} did not start:\n${out}`); }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (freezeOnceReady) frozen = true;
      return out;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      process.removeListener('exit', killOnExit);
    },
  };
}

/** The bundled runner CLI's `local` command (assets/local/cli), started as `name`. */
export function startRunnerCli(name, root, args, options) {
  return startServer(name, process.execPath, [join(root, 'assets', 'local', 'cli', 'index.js'), 'local', ...args], options);
}
