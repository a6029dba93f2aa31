'use strict';
// One cold start, in this fresh node process: load the bundle (module init: SDK, client construction, config) and
// invoke it once against DynamoDB Local. Times are performance.now(), i.e. ms since this process started.
// argv: <bundle dir> <event JSON>. Prints one line `@@BENCH {...}` (handlers may log to stdout before it).
const tBoot = performance.now();
const [dir, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const context = {
  awsRequestId: 'cold-1', functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', logGroupName: '/aws/lambda/bench',
  logStreamName: 'local', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10_000,
};
const t0 = performance.now();
const mod = require(`${dir}/index.js`);
const t1 = performance.now();
Promise.resolve(mod.handler(event, context)).then((res) => {
  const t2 = performance.now();
  process.stdout.write(`\n@@BENCH ${JSON.stringify({
    boot: tBoot, load: t1 - t0, invoke: t2 - t1, total: t2, status: res && res.statusCode, body: res && res.body,
  })}\n`, () => process.exit(0)); // the SDK keeps its socket open; Lambda would freeze the sandbox here, we leave
}, (e) => {
  process.stdout.write(`\n@@BENCH ${JSON.stringify({ error: String((e && e.stack) || e) })}\n`);
  process.exit(1);
});
