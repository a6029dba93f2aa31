/**
 * #24: the API attacked from its own contract. A stateful fuzzer, generated from the OpenAPI documents of a test app
 * (test/fuzz/app.ts), drives the local runner over real HTTP (see harness.ts). Oracles: no 5xx; every response valid
 * against the document; a 4xx changes nothing (the model does not move, and scan diffs compare every table with it);
 * a 2xx agrees with the model (content, version, ETag new exactly on a write, listings exactly the model's items in
 * key order); one tenant's answers are computed from its own data only.
 *
 * The bounded run (part of the test command): FUZZ_REQUESTS requests (default 5,000) over a fixed seed and one random
 * seed, both printed. Replay one with FUZZ_SEED=<seed>. The long run: `npx projen bench:fuzz` (BENCHMARKS.md).
 */
import * as fs from 'fs';
import { fuzz, FuzzReport, FuzzTarget, startTarget } from './harness';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5_000);
const FIXED_SEED = 24;
const seeds = process.env.FUZZ_SEED !== undefined
  ? [Number(process.env.FUZZ_SEED)]
  : [FIXED_SEED, Math.floor(Math.random() * 2 ** 31)];
// Long runs (the bench) get the time they need; the bounded run stays within the suite's 60 s per test plus start-up.
const TIMEOUT_MS = Math.max(120_000, REQUESTS * 20);

describe('fuzzer generated from the OpenAPI documents (#24)', () => {
  let target: FuzzTarget;
  const reports: FuzzReport[] = [];

  beforeAll(async () => {
    target = await startTarget(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
  }, 120_000);

  afterAll(async () => {
    await target?.stop();
    if (process.env.FUZZ_REPORT) fs.writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(reports, null, 2));
  });

  test.each(seeds.map((seed, i) => [seed, i === 0 && seeds.length > 1 ? 'fixed' : 'random']))(
    'seed %d (%s): no 5xx, every response as documented, the model and the tables agree',
    async (seed) => {
      const report = await fuzz(target, { requests: Math.ceil(REQUESTS / seeds.length), seed });
      reports.push(report);
      // eslint-disable-next-line no-console
      console.log(`fuzz seed ${seed}: ${report.requests} requests in ${report.seconds.toFixed(1)} s ` +
        `(${Math.round(report.requests / report.seconds)} req/s), ${report.coverage.length} route×status pairs, ` +
        `${report.failures.length} findings${report.failures.length ? `; replay with FUZZ_SEED=${seed}` : ''}`);
      expect(report.failures).toEqual([]);
      expect(report.requests).toBeGreaterThanOrEqual(Math.ceil(REQUESTS / seeds.length));
    },
    TIMEOUT_MS,
  );
});
