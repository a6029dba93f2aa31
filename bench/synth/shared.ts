/** What the synth-benchmark apps share: how many APIs, the stage throttle, and the size of the multi-resource API. */

/** Stage throttle of every benchmarked API: high enough that the local runner's load test is never throttled. */
export const BENCH_THROTTLE = { rateLimit: 10_000, burstLimit: 5_000 };

/** Number of APIs (one stack each), from BENCH_APIS. */
export function benchApiCount(): number {
  const n = Number(process.env.BENCH_APIS ?? '1');
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_APIS must be a positive integer (got ${process.env.BENCH_APIS})`);
  return n;
}

/** Resources of the multi-resource API (crud-resources.ts, hand-written-resources.ts). */
export const BENCH_RESOURCE_COUNT = 10;

/** Name of resource `i` of the multi-resource API. */
export function benchResourceName(i: number): string {
  return `things${i}`;
}
