/**
 * The request metrics on the construct side: the Api dimension the handler is configured with is the one the
 * resource's `metric…` methods name, the methods follow the L2 naming and defaults, and the dashboard has a cost row.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { synth } from './util';
import { CrudResourceProps, Operation, ServerlessCrudApi } from '../../src';
import { METRICS_NAMESPACE } from '../../src/shared/metrics';

const resources: CrudResourceProps[] = [
  { name: 'orders', operations: [Operation.CREATE, Operation.READ, Operation.LIST] },
  { name: 'customers' },
];

describe('request metrics', () => {
  test("the handler's config names the Api dimension the metric methods use: the API construct's path", () => {
    const s = synth({ resources });
    s.app.synth();
    const assetPath = (s.api.handlerFunctions[0].node.findChild('Code') as any).assetPath as string;
    const config = JSON.parse(fs.readFileSync(path.join(s.app.outdir, assetPath, 'crud-config.json'), 'utf8'));
    expect(config.metrics).toEqual({ api: 'TestStack/Todos' });
    const m = s.api.resource('orders').metricConsumedReadCapacityUnits();
    expect(m.dimensions).toEqual({ Api: config.metrics.api, Resource: 'orders' });
  });

  test('metricConsumedReadCapacityUnits / WriteCapacityUnits: sums over 5 minutes, per resource or per operation', () => {
    const orders = synth({ resources }).api.resource('orders');
    const read = orders.metricConsumedReadCapacityUnits();
    expect([read.namespace, read.metricName, read.statistic, read.period.toMinutes()]).toEqual([
      METRICS_NAMESPACE, 'ConsumedReadCapacityUnits', 'Sum', 5,
    ]);
    const write = orders.metricConsumedWriteCapacityUnits({ operation: Operation.CREATE, statistic: 'Average' });
    expect([write.metricName, write.statistic, write.dimensions]).toEqual([
      'ConsumedWriteCapacityUnits', 'Average', { Api: 'TestStack/Todos', Resource: 'orders', Operation: 'create' },
    ]);
  });

  test('metricConsumedCapacity adds read and write units', () => {
    const stack = synth({ resources }).stack;
    const m = (stack.node.findChild('Todos') as any).resource('customers').metricConsumedCapacity({ operation: Operation.UPDATE });
    expect(m).toBeInstanceOf(cloudwatch.MathExpression);
    const config = m.toMetricConfig().mathExpression;
    expect(config.expression).toBe('r + w');
    expect(Object.values(config.usingMetrics).map((x: any) => [x.metricName, x.dimensions])).toEqual([
      ['ConsumedReadCapacityUnits', { Api: 'TestStack/Todos', Resource: 'customers', Operation: 'update' }],
      ['ConsumedWriteCapacityUnits', { Api: 'TestStack/Todos', Resource: 'customers', Operation: 'update' }],
    ]);
  });

  test.each([
    ['metricRequests', 'Requests', 'Sum'],
    ['metricClientError', '4xx', 'Sum'],
    ['metricServerError', '5xx', 'Sum'],
    ['metricLatency', 'Latency', 'Average'],
    ['metricConditionalCheckFailures', 'ConditionalCheckFailures', 'Sum'],
    ['metricIdempotentReplays', 'IdempotentReplays', 'Sum'],
    ['metricDynamoDbThrottles', 'DynamoDbThrottles', 'Sum'],
    ['metricDynamoDbRetries', 'DynamoDbRetries', 'Sum'],
    ['metricWriteRetries', 'WriteRetries', 'Sum'],
  ])('%s is %s (%s)', (method, name, statistic) => {
    const orders = synth({ resources }).api.resource('orders') as any;
    const m: cloudwatch.Metric = orders[method]();
    expect([m.namespace, m.metricName, m.statistic, m.dimensions]).toEqual([METRICS_NAMESPACE, name, statistic, { Api: 'TestStack/Todos', Resource: 'orders' }]);
    const p99 = orders[method]({ statistic: 'p99', operation: Operation.READ });
    expect([p99.statistic, p99.dimensions.Operation]).toEqual(['p99', 'read']);
  });

  test('an alarm on a resource metric synthesizes with its dimensions', () => {
    const stack = new Stack(new App(), 'Shop');
    const api = new ServerlessCrudApi(stack, 'Api', { resources });
    new cloudwatch.Alarm(stack, 'Conflicts', {
      metric: api.resource('orders').metricConditionalCheckFailures(), threshold: 10, evaluationPeriods: 1,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ConditionalCheckFailures',
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'Api', Value: 'Shop/Api' }, { Name: 'Resource', Value: 'orders' }],
    });
  });

  test('the dashboard has a cost row per resource: units per request of each of its operations', () => {
    const s = synth({ resources, dashboard: true });
    const body = JSON.parse(JSON.stringify(s.stack.resolve((s.api.dashboard!.node.defaultChild as any).dashboardBody)));
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((x: any) => (typeof x === 'string' ? x : '')).join('');
    const widgets = JSON.parse(text).widgets;
    const titled = (title: string) => widgets.find((w: any) => w.properties.title === title);
    const readRow = titled('orders: Cost: read units per request');
    expect(readRow).toBeDefined();
    expect(readRow.properties.metrics.map((m: any) => m.slice(0, 8))).toEqual(['create', 'read', 'list'].map((op) => [
      METRICS_NAMESPACE, 'ConsumedReadCapacityUnits', 'Api', 'TestStack/Todos', 'Operation', op, 'Resource', 'orders',
    ]));
    // Average (units per request) is the dashboard's default statistic, so the widget names none.
    expect(readRow.properties.metrics.map((m: any) => m[8].stat ?? 'Average')).toEqual(['Average', 'Average', 'Average']);
    expect(titled('customers: Cost: write units per request').properties.metrics).toHaveLength(5);
    expect(titled('customers: Cost: units consumed per minute')).toBeDefined();
  });
});
