import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmFactory, FIVE_MINUTES, ONE_MINUTE } from './alarm-factory';
import type { ChangePublisher } from './change-publisher';
import type { ChangeSubscriber } from './change-subscribers';
import type { AlarmThresholdsPlan } from './plan';

/*
 * The monitoring of change events: a publisher's alarms and dashboard row (on its resource), a subscriber's alarms
 * and row (added with it, after the API).
 */

/**
 * A change-event publisher's alarms: its errors (each one is a batch retried, bisected), stream lag over the
 * threshold, any record written to the failure bucket (the event source mapping's OnFailureDestinationDeliveredEventCount:
 * counted by Lambda as it writes, so it fires for every failed batch, with no S3 notification or metric filter to keep),
 * and any failed batch Lambda could not write to the bucket either (DestinationDeliveryFailures: those changes are lost).
 */
export function addPublisherAlarms(alarms: AlarmFactory, p: ChangePublisher, t: AlarmThresholdsPlan) {
  alarms.add('ChangeEventsErrors', p.function.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaErrors,
    'change-event publisher errors: its batches are retried (bisected); persistent errors end in the failure bucket');
  alarms.add('ChangeEventsIteratorAge', p.metricIteratorAge(), p.plan.iteratorAgeAlarmThreshold.toMilliseconds(),
    `change events lag: the publisher is ${p.plan.iteratorAgeAlarmThreshold.toHumanString()} or more behind the table's stream`);
  alarms.add('ChangeEventsFailureBucket', p.metricRecordsToFailureBucket(), 1,
    `change events not published: stream records were written to the failure bucket (${p.failureBucket.node.path}); ` +
    'publish or replay them from there');
  alarms.add('ChangeEventsFailed', p.metricFailedRecords(), 1,
    'change events late: the publisher gave up on records in an invocation (EventBridge refused them, or they cannot be ' +
    'published); Lambda delivers them again, and after its retries they go to the failure bucket');
  alarms.add('ChangeEventsLost', p.metricFailureBucketDeliveryFailures(), 1,
    'change events lost: a failed batch could not be written to the failure bucket either');
}

/** A subscriber's alarms: events its target never took, any message in its dead-letter queue, and events lost on the way there. */
export function createSubscriberAlarms(subscriber: ChangeSubscriber): cloudwatch.Alarm[] {
  const alarms = new AlarmFactory(subscriber);
  const id = subscriber.node.id;
  alarms.add('FailedInvocationsAlarm', subscriber.metricFailedInvocations(), 1, `subscriber ${id}: events its target failed to take after every retry`);
  alarms.add('DeadLetterQueueAlarm', subscriber.metricDeadLetterMessages(), 1, `subscriber ${id}: events waiting in its dead-letter queue`);
  alarms.add('DeadLetterFailuresAlarm', subscriber.metricDeadLetterFailures(), 1, `subscriber ${id}: events lost (not delivered, not dead-lettered)`);
  return alarms.alarms;
}

/** The change-events row of a resource: the publisher's invocations and errors, the stream lag, and failed records. */
export function publisherRow(p: ChangePublisher, prefix: string): cloudwatch.IWidget[] {
  const perMinute = { period: ONE_MINUTE };
  return [
    new cloudwatch.GraphWidget({
      title: `${prefix}Change events: publisher invocations and errors`,
      left: [p.function.metricInvocations({ ...perMinute, label: 'invocations' }), p.function.metricErrors({ ...perMinute, label: 'errors' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: `${prefix}Change events: stream lag (ms)`,
      left: [p.metricIteratorAge({ label: 'iterator age' })],
      leftAnnotations: [{ value: p.plan.iteratorAgeAlarmThreshold.toMilliseconds(), label: 'alarm' }],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: `${prefix}Change events: records to the failure bucket, lost`,
      left: [
        p.metricFailedRecords({ ...perMinute, label: 'given up in an invocation' }),
        p.metricRecordsToFailureBucket({ ...perMinute, label: 'to failure bucket' }),
        p.metricFailureBucketDeliveryFailures({ ...perMinute, label: 'lost' }),
      ],
      width: 8,
    }),
  ];
}

/** A subscriber's row: deliveries, failed deliveries and its dead-letter queue. */
export function subscriberRow(s: ChangeSubscriber): cloudwatch.IWidget[] {
  const perMinute = { period: ONE_MINUTE };
  return [
    new cloudwatch.GraphWidget({
      title: `Subscriber ${s.node.id}: deliveries`,
      left: [s.metricInvocations({ ...perMinute, label: 'invocations' }), s.metricFailedInvocations({ ...perMinute, label: 'failed' })],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: `Subscriber ${s.node.id}: dead-letter queue`,
      left: [s.metricDeadLetterMessages({ label: 'messages' }), s.metricDeadLetterFailures({ ...perMinute, label: 'lost' })],
      width: 12,
    }),
  ];
}
