import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { addToDeadLetterQueueResourcePolicy } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ChangeEventPatternOptions, ChangeEventType, SubscriberOptions } from './change-events';
import { CHANGE_TYPES, ChangeType, detailTypeOf } from '../shared/change-events';

/*
 * Consuming change events: the event pattern of a selection of resources and change types (`api.eventPattern`), and
 * a subscriber (`api.addSubscriber`): a rule on the bus with that pattern, a retry policy and a dead-letter queue on
 * its target, and alarms on what did not arrive.
 */

/** What the pattern and subscriber code needs of a resource. */
export interface EventResource {
  readonly name: string;
  /** Its bus, when it has change events. */
  readonly bus?: events.IEventBus;
  readonly ownerScoped: boolean;
}

/** The resources selected by a pattern, and the pattern. */
export interface SelectedPattern {
  readonly pattern: events.EventPattern;
  readonly resources: EventResource[];
}

/** EventBridge's most retries of a target, and its longest event age: the subscriber's defaults. */
const MAX_RETRY_ATTEMPTS = 185;
const MAX_EVENT_AGE = Duration.hours(24);

/** The pattern of the events of `options.resources` (default: all with events) of `options.types`, optionally one tenant. */
export function changeEventPattern(method: string, source: string, all: EventResource[], options: ChangeEventPatternOptions = {}): SelectedPattern {
  const fail = (m: string): never => {
    throw new Error(`ServerlessCrudApi.${method}: ${m}`);
  };
  const withEvents = all.filter((r) => r.bus);
  if (withEvents.length === 0) {
    fail('no resource has change events; turn them on with changeEvents: ChangeEvents.toEventBus() (on the API or a resource)');
  }
  let resources = withEvents;
  if (options.resources !== undefined) {
    if (options.resources.length === 0) fail("'resources' is empty; name at least one resource, or omit it for all with change events");
    resources = options.resources.map((name) => {
      const found = all.find((r) => r.name === name);
      if (!found) fail(`'resources' names '${name}', which is not a resource of this API (${all.map((r) => `'${r.name}'`).join(', ')})`);
      if (!found!.bus) fail(`'resources' names '${name}', which has no change events; turn them on for it, or leave it out`);
      return found!;
    });
  }
  const types = (options.types ?? CHANGE_TYPES.map((t) => t as string as ChangeEventType)).map((t) => {
    if (!(CHANGE_TYPES as readonly string[]).includes(t)) fail(`'types' contains '${t}', which is not a ChangeEventType; use the enum`);
    return t as string as ChangeType;
  });
  if (types.length === 0) fail("'types' is empty; list at least one ChangeEventType, or omit it for all");
  if (options.tenant !== undefined) {
    const unscoped = resources.filter((r) => !r.ownerScoped);
    if (unscoped.length > 0) {
      fail(`'tenant' matches the owner of owner-scoped items, but ${unscoped.map((r) => `'${r.name}'`).join(', ')} ` +
        `${unscoped.length > 1 ? 'are' : 'is'} not owner-scoped (its events carry no tenant); select owner-scoped resources with 'resources'`);
    }
    if (!Token.isUnresolved(options.tenant) && options.tenant.length === 0) fail("'tenant' is empty; pass the owner's JWT 'sub'");
  }
  const detailTypes = [...new Set(resources.flatMap((r) => CHANGE_TYPES.filter((t) => types.includes(t)).map((t) => detailTypeOf(r.name, t))))];
  return {
    resources,
    pattern: {
      source: [source],
      detailType: detailTypes,
      ...(options.tenant !== undefined ? { detail: { tenant: [options.tenant] } } : {}),
    },
  };
}

/** What {@link ChangeSubscriber} needs besides the user's options. */
export interface ChangeSubscriberInputs {
  readonly selected: SelectedPattern;
  readonly target: events.IRuleTarget;
  readonly options: SubscriberOptions;
  /** The API's customer-managed key (the dead-letter queue's), if any. */
  readonly encryptionKey?: kms.IKey;
  /** Path of the API construct, for descriptions. */
  readonly ownerPath: string;
}

/**
 * A subscriber of change events: the rule (`Rule`) on the bus of the resources it selects, with the target wrapped so
 * that its delivery retries and dead-letter queue (`DeadLetterQueue`, unless given) are the subscriber's.
 */
export class ChangeSubscriber extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly bus: events.IEventBus;

  constructor(scope: Construct, id: string, inputs: ChangeSubscriberInputs) {
    super(scope, id);
    const { options, selected } = inputs;
    const fail = (m: string): never => {
      throw new Error(`ServerlessCrudApi.addSubscriber('${id}'): ${m}`);
    };
    const buses = [...new Set(selected.resources.map((r) => r.bus!))];
    if (buses.length > 1) {
      fail(`the resources selected (${selected.resources.map((r) => `'${r.name}'`).join(', ')}) publish on ${buses.length} different buses, ` +
        "and a rule listens on one; add one subscriber per bus, selecting its resources with 'resources'");
    }
    this.bus = buses[0];
    const retryAttempts = options.retryAttempts ?? MAX_RETRY_ATTEMPTS;
    if (!Token.isUnresolved(retryAttempts) && (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RETRY_ATTEMPTS)) {
      fail(`'retryAttempts' must be an integer from 0 to ${MAX_RETRY_ATTEMPTS} (got ${retryAttempts})`);
    }
    const maxEventAge = options.maxEventAge ?? MAX_EVENT_AGE;
    if (!maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > MAX_EVENT_AGE.toSeconds())) {
      fail(`'maxEventAge' must be between 1 minute and 24 hours (got ${maxEventAge.toHumanString()})`);
    }

    this.deadLetterQueue = options.deadLetterQueue ?? this.createDeadLetterQueue(inputs.encryptionKey);
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: this.bus,
      eventPattern: selected.pattern,
      description: (options.description ??
        `${inputs.ownerPath} change events (${(selected.pattern.detailType ?? []).join(', ')}) to subscriber ${id}`).slice(0, 512),
    });
    this.rule.addTarget(new SubscriberTarget(inputs.target, this.deadLetterQueue, retryAttempts, maxEventAge, fail));
  }

  /** Events the target could not take after every retry (`FailedInvocations`, sum over 5 minutes). */
  public metricFailedInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('FailedInvocations', props);
  }

  /** Events that could not be put in the dead-letter queue either (`InvocationsFailedToBeSentToDlq`): lost. */
  public metricDeadLetterFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('InvocationsFailedToBeSentToDlq', props);
  }

  /** Deliveries to the target (`Invocations`, sum over 5 minutes). */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('Invocations', props);
  }

  /** Messages waiting in the dead-letter queue (`ApproximateNumberOfMessagesVisible`, maximum over 5 minutes). */
  public metricDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  private ruleMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // A rule on a custom bus reports with both dimensions; on the default bus with RuleName alone.
    const onDefaultBus = !Token.isUnresolved(this.bus.eventBusName) && this.bus.eventBusName === 'default';
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: { ...(onDefaultBus ? {} : { EventBusName: this.bus.eventBusName }), RuleName: this.rule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  private createDeadLetterQueue(key?: kms.IKey): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: key ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    if (key) {
      // EventBridge sends to a queue encrypted with a customer-managed key only if the key policy lets it (a key
      // created in this app gets the statement; the queue policy that allows the rule is added with the target).
      const stack = Stack.of(this);
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
        },
      }));
    }
    const reason = 'It is the dead-letter queue of an EventBridge rule target, not a work queue: nothing consumes it but an operator, ' +
      'and an alarm fires on any message in it.';
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
    return queue;
  }
}

/**
 * The user's target with the subscriber's delivery settings: EventBridge's retry policy and dead-letter queue are
 * properties of the target, so they are set here, once, rather than on each kind of target. A target that brings its
 * own is refused: one place decides how a subscriber's failures are retried and kept.
 */
class SubscriberTarget implements events.IRuleTarget {
  constructor(
    private readonly inner: events.IRuleTarget,
    private readonly queue: sqs.IQueue,
    private readonly retryAttempts: number,
    private readonly maxEventAge: Duration,
    private readonly fail: (m: string) => never,
  ) {}

  public bind(rule: events.IRule, id?: string): events.RuleTargetConfig {
    const config = this.inner.bind(rule, id);
    if (config.deadLetterConfig || config.retryPolicy) {
      this.fail("the target has its own deadLetterQueue/retryAttempts/maxEventAge; set them in addSubscriber's options instead");
    }
    addToDeadLetterQueueResourcePolicy(rule, this.queue);
    return {
      ...config,
      deadLetterConfig: { arn: this.queue.queueArn },
      retryPolicy: { maximumRetryAttempts: this.retryAttempts, maximumEventAgeInSeconds: this.maxEventAge.toSeconds() },
    };
  }
}
