/**
 * Synth benchmark, our side: BENCH_APIS (default 1) ServerlessCrudApis with default props, one stack each (20 APIs
 * in one stack would pass CloudFormation's 500-resource limit). Throttling is raised so that the local-runner load
 * benchmark can serve this same assembly; hand-written.ts sets the same limits.
 */
import { App, Stack } from 'aws-cdk-lib';
import { BENCH_THROTTLE, benchApiCount } from './shared';
import { HandlerMode, ServerlessCrudApi } from '../../src';

// BENCH_HANDLER_MODE=SINGLE: one function for every operation, in stacks named BenchSingle<i> (the local-runner
// benchmark serves both modes side by side).
const single = process.env.BENCH_HANDLER_MODE === 'SINGLE';
const handlerMode = single ? HandlerMode.SINGLE : HandlerMode.PER_OPERATION;

const app = new App();
for (let i = 0; i < benchApiCount(); i++) {
  const stack = new Stack(app, `${single ? 'BenchSingle' : 'BenchCrud'}${i}`);
  new ServerlessCrudApi(stack, 'Api', { throttle: BENCH_THROTTLE, handlerMode });
}
app.synth();
