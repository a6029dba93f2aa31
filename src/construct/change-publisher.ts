import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FailureBucketDestination } from './failure-bucket-destination';
import { FunctionRole } from './hardening';
import { LOG_GROUP_ACTIONS, STREAM_KEY_ACTIONS, STREAM_READ_ACTIONS, VPC_NETWORK_INTERFACE_ACTIONS } from './iam-actions';
import type { ChangeEventsPlan, LambdaPlan } from './plan';
import { requestMetric } from './resource-metrics';
import { CHANGE_EVENT_METRIC_NAMES, PUBLISHER_ENV, PUBLISHER_EVENT_BUS_ACTIONS } from '../shared/change-events';

/**
 * The publisher's timeout. It is not the CRUD functions' (at most 30 s, API Gateway's limit): a batch of up to 10,000
 * records is put 10 entries per PutEvents request, with in-invocation retries of throttled entries. A timeout fails
 * the batch, which Lambda then retries (bisected), so it bounds a stuck invocation rather than sizing normal work.
 */
export const PUBLISHER_TIMEOUT = Duration.minutes(1);

/** Inputs of a {@link ChangePublisher}. */
export interface ChangePublisherProps {
  /** The resource's name (its path segment). */
  readonly resourceName: string;
  /** Its items table, with a NEW_AND_OLD_IMAGES stream. */
  readonly table: dynamodb.ITableV2;
  readonly plan: ChangeEventsPlan;
  /** The resource's Lambda settings (runtime, architecture, memory, tracing, logs, VPC, layers, environment). */
  readonly lambda: LambdaPlan;
  /** The publisher bundle with the API's config file. */
  readonly code: lambda.Code;
  /** Where the events go. */
  readonly bus: events.IEventBus;
  /** The events' source. */
  readonly source: string;
  /** The API's customer-managed key (log group, failure bucket), if any. */
  readonly encryptionKey?: kms.IKey;
  /** The strict compliance packs' mode: the role's statements in a customer-managed policy, and their acknowledgements. */
  readonly hardened: boolean;
  /** Path of the API construct, for descriptions. */
  readonly ownerPath: string;
}

/**
 * The change-event publisher of one table, with what it owns: its log group (`LogGroup`), its role (`Role`), the
 * function (`Resource`), the bucket that keeps failed batches (`FailureBucket`) and the event source mapping
 * (`StreamMapping`) that feeds it the table's stream. The role reads that one stream, puts events on that one bus
 * and writes (only writes) to that one bucket.
 */
export class ChangePublisher extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** Where Lambda writes a batch that still fails after its retries (or is older than `maxRecordAge`). */
  public readonly failureBucket: s3.Bucket;
  public readonly mapping: lambda.EventSourceMapping;
  public readonly bus: events.IEventBus;
  /** The events' source. */
  public readonly source: string;
  public readonly plan: ChangeEventsPlan;
  /** The `Api` and `Resource` dimensions of the publisher's metrics (src/shared/change-events.ts). */
  private readonly metricsApi: string;
  private readonly resourceName: string;

  constructor(scope: Construct, id: string, props: ChangePublisherProps) {
    super(scope, id);
    const plan = this.plan = props.plan;
    const fn = props.lambda;
    this.bus = props.bus;
    this.source = props.source;
    this.metricsApi = props.ownerPath;
    this.resourceName = props.resourceName;
    const streamArn = props.table.tableStreamArn!;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: fn.logRetention, encryptionKey: props.encryptionKey });
    this.role = new FunctionRole(this, 'Role', {
      managedPolicy: props.hardened,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.ownerPath} ${props.resourceName} change events: reads its table's stream, puts events on its bus`.slice(0, 1000),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: LOG_GROUP_ACTIONS, resources: [this.logGroup.logGroupArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: STREAM_READ_ACTIONS, resources: [streamArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...PUBLISHER_EVENT_BUS_ACTIONS], resources: [props.bus.eventBusArn] }));
    // The stream is encrypted with the table's key: a customer-managed one must let the role decrypt.
    if (props.table.encryptionKey) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: STREAM_KEY_ACTIONS, resources: [props.table.encryptionKey.keyArn] }));
    }

    this.function = new lambda.Function(this, 'Resource', {
      description: `${props.resourceName} change events — ${props.ownerPath} (cdk-serverless-crud-api)`.slice(0, 256),
      runtime: fn.runtime,
      architecture: fn.architecture,
      code: props.code,
      handler: 'index.handler',
      memorySize: fn.memorySize,
      timeout: PUBLISHER_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: fn.logLevel,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: fn.tracing,
      reservedConcurrentExecutions: fn.reservedConcurrency,
      environment: {
        ...fn.environment,
        [PUBLISHER_ENV.RESOURCE]: props.resourceName,
        // The ARN, not the name: PutEvents then reaches a bus of another account or region too.
        [PUBLISHER_ENV.EVENT_BUS]: props.bus.eventBusArn,
        [PUBLISHER_ENV.SOURCE]: props.source,
      },
      layers: fn.layers,
      vpc: fn.vpc,
      vpcSubnets: fn.vpcSubnets,
      securityGroups: fn.securityGroups,
    });
    if (fn.vpc) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: VPC_NETWORK_INTERFACE_ACTIONS, resources: ['*'] }));
    }

    this.failureBucket = new s3.Bucket(this, 'FailureBucket', {
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey !== undefined,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Objects are written once each; versions only protect them from being overwritten or deleted by mistake.
      versioned: true,
      // Failed batches are changes nobody has seen yet: they outlive the stack, like the table.
      removalPolicy: RemovalPolicy.RETAIN,
      // Current objects stay until an operator replays them; only leftovers go: versions replaced or deleted by
      // mistake (after 90 days) and unfinished uploads.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      // Hardened (Control Tower CT.S3.PR.9): objects under Object Lock; without a default retention it only lets an
      // operator place holds, it never keeps anything by itself.
      objectLockEnabled: props.hardened || undefined,
    });
    if (props.hardened) {
      // Control Tower CT.S3.PR.4: the bucket's events go to EventBridge (the account's default bus), where a failed
      // batch's arrival can start a replay. Set on the bucket itself: CDK's `eventBridgeEnabled` adds a custom-resource
      // Lambda outside the VPC, which CT.LAMBDA.PR.3 rejects.
      (this.failureBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }

    this.mapping = new lambda.EventSourceMapping(this, 'StreamMapping', {
      target: this.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: plan.batchSize,
      maxBatchingWindow: plan.batchingWindow,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: plan.retryAttempts,
      maxRecordAge: plan.maxRecordAge,
      onFailure: new FailureBucketDestination(this.failureBucket, props.encryptionKey),
      // The event counts, among them OnFailureDestinationDeliveredEventCount: the failure-bucket alarm's signal.
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    this.acknowledge(fn, props.hardened);
  }

  /** How far behind the newest change the publisher is (`IteratorAge`, maximum over 1 minute), in ms. */
  public metricIteratorAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1), ...props });
  }

  /** Stream records Lambda wrote to the failure bucket (`OnFailureDestinationDeliveredEventCount`, sum over 5 minutes). */
  public metricRecordsToFailureBucket(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.mappingMetric('OnFailureDestinationDeliveredEventCount', props);
  }

  /**
   * Failed batches Lambda could not write to the failure bucket either (`DestinationDeliveryFailures`, sum over 5
   * minutes): those records are lost.
   */
  public metricFailureBucketDeliveryFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metric('DestinationDeliveryFailures', { statistic: 'Sum', period: Duration.minutes(5), ...props });
  }

  /**
   * Records the publisher gave up on in an invocation (`ChangeEventsFailed` in its batch log line: entries EventBridge
   * kept refusing, records it cannot publish), sum over 5 minutes. Lambda delivers them again, so they are late, not
   * lost; but they are no Lambda `Errors`, so only this metric shows them before they reach the failure bucket.
   */
  public metricFailedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return requestMetric(this.metricsApi, this.resourceName, CHANGE_EVENT_METRIC_NAMES.FAILED, 'Sum', props);
  }

  private mappingMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { EventSourceMappingUUID: this.mapping.eventSourceMappingId },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** What the publisher leaves out, and why (each acknowledgement carries its reason). */
  private acknowledge(fn: LambdaPlan, hardened: boolean) {
    const stack = Stack.of(this);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by its DynamoDB stream event source mapping, whose on-failure destination (the FailureBucket) ' +
        'keeps every batch that still fails; a DLQ only receives failed asynchronous invocations.',
    });
    const wildcards: string[] = [];
    if (fn.tracing !== lambda.Tracing.DISABLED) wildcards.push('xray:PutTraceSegments/PutTelemetryRecords do not support resource-level permissions');
    if (fn.vpc) wildcards.push('EC2 network-interface actions Lambda needs in a VPC do not support resource-level permissions');
    if (wildcards.length > 0) Validations.of(this.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: wildcards.join('; ') });
    const bucketId = stack.resolve((this.failureBucket.node.defaultChild as s3.CfnBucket).logicalId);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason: "Lambda names each failed batch's object when it writes it; the bucket holds only this publisher's failed batches, " +
        'and the role may only put objects there (no read, no delete).',
    });
    const bucket = this.failureBucket;
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: "Only Lambda writes here, with the publisher's role (s3:PutObject); every record that lands raises an alarm. " +
        'Server access logs would need a second bucket that nothing reads.',
    });
    if (hardened) {
      const reason = 'The bucket holds copies of stream records until an operator replays them; the items themselves live in the ' +
        'table (point-in-time recovery), the system of record, so a replica would only add copies of the data to protect.';
      Validations.of(bucket).acknowledge(...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({ id: `${pack}-S3BucketReplicationEnabled`, reason })));
    }
  }
}
