'use strict';
// The loop every warm worker runs (warm-worker, relations-worker, warm-calibrated-worker, ab-calibrated-worker):
// `warmup` unrecorded iterations, then `iterations` recorded ones; in each, every operation once, the operations
// rotating so that none always follows the same one, and within an operation every variant once, in the order of the
// iteration (`orders`, used in turn). Per operation and variant, the samples (ms). A worker says only what one
// variant of one operation does: build its event, invoke, check.

const now = () => process.hrtime.bigint();
/** Milliseconds since `t0` (a `now()`). */
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
/** A fixed cursor key (the runner and AWS use a secret per deployment): list functions refuse to start without one. */
const CURSOR_SECRET = 'bench-cursor-key-0123456789abcdef0123456789abcdef';
/** The Lambda context our handler reads. */
const lambdaContext = (awsRequestId) => ({ awsRequestId, getRemainingTimeInMillis: () => 10_000 });
/** A seeded linear congruential generator: the same ids in the same order on every run. */
function seededRandom(seed) {
  let rnd = seed >>> 0;
  return () => { rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0; return rnd / 4294967296; };
}
/** Every rotation of the variants and its reverse, in turn (for three: all six permutations). */
const rotations = (names) => names.flatMap((_, r) => { const rot = names.map((__, k) => names[(k + r) % names.length]); return [rot, [...rot].reverse()]; });

/** Times one invocation of a handler on an event (built before the clock starts: API Gateway builds it, not the handler). */
async function timeInvoke(handler, event, context, settle = false) {
  const t0 = now();
  const response = await handler(event, context);
  // settle: the clock also holds one event-loop turn, so that what a request deferred (a UDP send from
  // process.nextTick, its completion) is charged to it rather than to whichever variant runs next. Every variant
  // pays the same turn.
  if (settle) await new Promise((resolve) => setImmediate(resolve));
  return { ms: ms(t0), response };
}

/** Times a bare SDK call; a failure is an error of the run, the time is still recorded. */
async function timeBare(call, onError) {
  const t0 = now();
  try {
    await call();
  } catch (e) {
    onError(e);
  }
  return ms(t0);
}

/**
 * Runs the loop. `measure(variant, op, shared, i)` runs one variant of one operation and resolves to its ms (or
 * undefined: not run this iteration); `share(op, i)` builds what every variant of one request shares (its event).
 * The loop stops at the next operation once more than `maxErrors` errors are collected.
 * `opTurn(i)`: how far the operations are rotated in iteration i (default: i + warmup).
 */
async function interleave({ ops, variants, orders = rotations(variants), warmup, iterations, errors, measure, share = () => undefined,
  opTurn = (i) => i + warmup, afterIteration = async () => undefined, maxErrors = 20 }) {
  const samples = Object.fromEntries(ops.map((op) => [op, Object.fromEntries(variants.map((v) => [v, []]))]));
  for (let i = -warmup; i < iterations && errors.length <= maxErrors; i++) {
    const order = orders[((i % orders.length) + orders.length) % orders.length];
    for (let k = 0; k < ops.length && errors.length <= maxErrors; k++) {
      const op = ops[(k + opTurn(i)) % ops.length];
      const shared = share(op, i);
      for (const variant of order) {
        const d = await measure(variant, op, shared, i);
        if (i >= 0 && d !== undefined) samples[op][variant].push(d);
      }
    }
    await afterIteration(i, i >= 0);
  }
  return samples;
}

/** Sends the worker's one IPC message and exits (1 with the failure of `main` as its one error). */
function reply(main, empty) {
  main().then((message) => process.send(message, () => process.exit(0)),
    (e) => process.send({ ...empty, samples: {}, errors: [String(e.stack || e)] }, () => process.exit(1)));
}

module.exports = { CURSOR_SECRET, interleave, lambdaContext, ms, now, reply, rotations, seededRandom, timeBare, timeInvoke };
