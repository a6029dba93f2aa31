/**
 * Synth benchmark with several resources, our side: BENCH_APIS (default 1) ServerlessCrudApis of BENCH_RESOURCE_COUNT
 * (10) resources each, one stack each, in HandlerMode.PER_RESOURCE (one function per resource: ten resources with a
 * function per operation would pass CloudFormation's 500 resources per stack). hand-written-resources.ts builds the
 * same resources with L2 constructs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { BENCH_RESOURCE_COUNT, BENCH_THROTTLE, benchApiCount, benchResourceName } from './shared';
import { HandlerMode, ServerlessCrudApi } from '../../src';

const app = new App();
for (let i = 0; i < benchApiCount(); i++) {
  const stack = new Stack(app, `BenchResources${i}`);
  new ServerlessCrudApi(stack, 'Api', {
    throttle: BENCH_THROTTLE,
    handlerMode: HandlerMode.PER_RESOURCE,
    resources: Array.from({ length: BENCH_RESOURCE_COUNT }, (_, r) => ({ name: benchResourceName(r) })),
  });
}
app.synth();
