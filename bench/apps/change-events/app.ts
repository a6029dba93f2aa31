/**
 * The app of the change-events benchmark (bench/lib/change-events.mjs): one resource with change events on, and one
 * subscriber that records when it received each event (in the file named by BENCH_EVENTS_FILE at synth time).
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization, ChangeEvents, ServerlessCrudApi } from '../../../src';

const app = new App();
const stack = new Stack(app, 'BenchEvents');
const api = new ServerlessCrudApi(stack, 'Api', {
  authorization: ApiAuthorization.none(),
  throttle: { rateLimit: 100_000, burstLimit: 100_000 },
  changeEvents: ChangeEvents.toEventBus(),
  changeEventSource: 'bench',
  resources: [{ name: 'orders' }],
});
const recorder = new lambda.Function(stack, 'Recorder', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'recorder')),
  environment: { RECORD_FILE: process.env.BENCH_EVENTS_FILE ?? '/dev/null' },
});
api.addSubscriber('Recorder', new targets.LambdaFunction(recorder));
app.synth();
