import { CfnOutput, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Operation } from './crud-operation';
import { CrudResource } from './crud-resource';
import { applyHardening } from './hardening';
import { createApiMonitoring, createResourceAlarms } from './monitoring';
import { ServerlessCrudApiProps } from './props';
import { resolvePlan } from './resolve-props';
import { runnerManifest } from './runner-manifest';
import { LOCAL_MANIFEST_METADATA_TYPE } from './shared/local-manifest';

/** The stage every route is served on. */
const STAGE_NAME = '$default';

/**
 * A production-grade CRUD backend: API Gateway HTTP API → bundled Node.js Lambda handler → DynamoDB, with alarms,
 * JSON logs with bounded retention and least-privilege IAM.
 *
 * @example
 * new ServerlessCrudApi(this, 'Todos');
 */
export class ServerlessCrudApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage (throttled, access-logged). */
  public readonly stage: apigwv2.HttpStage;
  /** URL of the API (execute-api endpoint), ending in `/`. */
  public readonly url: string;
  /** The items table. */
  public readonly table: dynamodb.ITableV2;
  /** The idempotency table (only when CREATE is enabled). */
  public readonly idempotencyTable?: dynamodb.TableV2;
  /**
   * The functions by operation (`create`, `read`, `list`, `update`, `delete`). In SINGLE mode every enabled
   * operation maps to the same function.
   */
  public readonly functions: { [operation: string]: lambda.Function };
  /** Each distinct function once. */
  public readonly handlerFunctions: lambda.Function[];
  /** Log group of each function, by operation (like `functions`). */
  public readonly functionLogGroups: { [operation: string]: logs.LogGroup };
  /** The API's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The alarms (empty when `alarms` is false). */
  public readonly alarms: cloudwatch.Alarm[];
  /** Composite alarm: in ALARM when any alarm is. */
  public readonly unhealthyAlarm?: cloudwatch.CompositeAlarm;
  /** The dashboard, when `dashboard` is true. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Enabled operations. */
  public readonly operations: Operation[];
  /**
   * The secret that keys the list cursors (only when LIST is enabled): generated at deploy time, read by the list
   * function once per execution environment. Rotate it with `put-secret-value`; the previous version stays accepted.
   */
  public readonly cursorKey?: secretsmanager.Secret;
  /** The customer-managed key of the tables and log groups, when `encryptionKey` is set. */
  public readonly encryptionKey?: kms.IKey;

  private readonly routeArns: string[];

  constructor(scope: Construct, id: string, props: ServerlessCrudApiProps = {}) {
    super(scope, id);
    const { api, resources: [resourcePlan] } = resolvePlan(this, props);
    this.encryptionKey = api.encryptionKey;

    // ------------------------------------------------------------ the HTTP API and its stage
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: `CRUD API ${this.node.path} (cdk-serverless-crud-api)`,
      createDefaultStage: false,
      corsPreflight: api.cors,
      disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    });
    if (api.authorization.kind === 'none') {
      Validations.of(this.httpApi).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'authorization disabled by configuration' });
    }
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: api.accessLogRetention,
      encryptionKey: api.encryptionKey,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle: api.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
      domainMapping: api.domainMapping,
    });
    this.url = this.stage.url;

    // ------------------------------------------------------------ the resource: table, functions, routes, grants
    const resource = new CrudResource(this, 'DefaultResource', {
      httpApi: this.httpApi, stageName: STAGE_NAME, api, plan: resourcePlan, ownerPath: this.node.path,
    });
    this.table = resource.table;
    this.idempotencyTable = resource.idempotencyTable;
    this.cursorKey = resource.cursorKey;
    this.operations = resourcePlan.operations.map((o) => o as string as Operation);
    this.handlerFunctions = resource.operationFunctions.map((f) => f.function);
    this.functions = {};
    this.functionLogGroups = {};
    for (const [op, fn] of Object.entries(resource.functionByOperation)) {
      this.functions[op] = fn.function;
      this.functionLogGroups[op] = fn.logGroup;
    }
    this.routeArns = resource.routes.map((r) => r.executeApiArn);
    this.node.addMetadata(LOCAL_MANIFEST_METADATA_TYPE, runnerManifest({ path: this.node.path, stageName: STAGE_NAME, api, resource }));

    // ------------------------------------------------------------ monitoring, hardening, output
    const resourceAlarms = !api.monitoring.alarms ? [] : createResourceAlarms(resource, {
      table: resource.table,
      thresholds: api.monitoring.thresholds,
      functions: resource.operationFunctions.map((fn) => ({
        // 'CreateFunction' → 'Create…' alarms; a resource's only function (single mode) → 'Errors', 'Throttles', …
        alarmIdPrefix: fn.operations.length > 1 ? '' : fn.node.id.replace(/Function$/, ''),
        label: fn.operations.length > 1 ? 'CRUD' : fn.operations[0],
        function: fn.function,
        timeout: resourcePlan.lambda.timeout,
      })),
    });
    const monitoring = createApiMonitoring(this, {
      stage: this.stage,
      plan: api.monitoring,
      resourceAlarms,
      functions: this.handlerFunctions,
      tables: [resource.table],
    });
    this.alarms = monitoring.alarms;
    this.unhealthyAlarm = monitoring.unhealthyAlarm;
    this.dashboard = monitoring.dashboard;

    applyHardening(this, {
      encryptionKey: api.encryptionKey,
      hardened: api.hardened,
      resources: [{ scope: resource, secretReader: resource.functionByOperation.list?.function }],
    });

    if (api.urlOutput) {
      new CfnOutput(this, 'Url', { value: this.url, description: `URL of ${this.node.path}` });
    }
  }

  /**
   * Grants `execute-api:Invoke` on exactly this API's routes (for `ApiAuthorization.iam()`, the default).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [...this.routeArns] });
  }

  /**
   * Requests to the API (`Count`): `HttpStage.metricCount` of the stage, as the L2 defines it (SampleCount over
   * 5 minutes unless `props` says otherwise).
   */
  public metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricCount(props);
  }

  /** Server errors (`5xx`, sum over 5 minutes unless `props` says otherwise): always a bug or an outage. */
  public metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricServerError(props);
  }

  /** Client errors (`4xx`, sum over 5 minutes unless `props` says otherwise). */
  public metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricClientError(props);
  }

  /** End-to-end latency (`Latency`, average over 5 minutes unless `props` says otherwise, e.g. `statistic: 'p99'`). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricLatency(props);
  }

  /** Latency of the Lambda integrations (`IntegrationLatency`, average over 5 minutes unless `props` says otherwise). */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricIntegrationLatency(props);
  }

  /** Bytes processed (`DataProcessed`, sum over 5 minutes unless `props` says otherwise). */
  public metricDataProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stage.metricDataProcessed(props);
  }
}

/** JSON access log line: one object per request with the fields an operator filters on. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  userAgent: '$context.identity.userAgent',
}));
