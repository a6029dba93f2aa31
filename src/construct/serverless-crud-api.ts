import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ACCESS_LOG_FORMAT } from './access-log-format';
import { addChangePublishers } from './api-change-events';
import { OpenApiRoute, RouteRef, addFunctionsAndRoutes, crudRouteRefs } from './api-routes';
import { AsyncApiContract, attachAsyncApiContract } from './asyncapi-contract';
import { ChangeEventPatternOptions, SubscriberOptions } from './change-events';
import { createSubscriberAlarms, subscriberRow } from './change-events-monitoring';
import { ChangeSubscriber, EventResource, changeEventPattern } from './change-subscribers';
import { Operation } from './crud-operation';
import { CrudResource, createCursorKey } from './crud-resource';
import { deployLimitAdvice, deployLimitErrors } from './deploy-limits';
import { FunctionRouteProps } from './function-route-props';
import { FunctionRoute, addFunctionRoute } from './function-routes';
import { grantRouteInvoke } from './grant-invoke';
import { builtinHandlerCode } from './handler-code';
import { applyHardening } from './hardening';
import { ICrudResource } from './icrud-resource';
import { MonitoringResult, monitorApi } from './monitoring';
import { OpenApiContract, attachOpenApiContract } from './openapi-contract';
import type { ApiPlan } from './plan';
import { ServerlessCrudApiProps } from './props';
import { resolvePlan } from './resolve-props';
import { runnerManifest } from './runner-manifest';
import { CONFIG_VERSION, HandlerConfig } from '../shared/config';
import { LOCAL_MANIFEST_METADATA_TYPE } from '../shared/local-manifest';
import { OPENAPI_ROUTE_PATH } from '../shared/routes';

/** The stage every route is served on. */
const STAGE_NAME = '$default';

/**
 * A production-grade CRUD backend: API Gateway HTTP API → bundled Node.js Lambda handler → DynamoDB, with alarms,
 * JSON logs with bounded retention and least-privilege IAM.
 *
 * One API serves one resource (`items`, from the top-level props) or several (`resources`), each with its own table
 * and least-privilege functions, on one HTTP API and stage.
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
  /** The resources, in the order declared (one, `items` by default, without `resources`). */
  public readonly resources: ICrudResource[];
  /** The items table of the first resource (the only one without `resources`; see `resource(name)`). */
  public readonly table: dynamodb.ITableV2;
  /** The first resource's idempotency table (only when its CREATE is enabled). */
  public readonly idempotencyTable?: dynamodb.TableV2;
  /**
   * The first resource's functions by operation (`create`, `read`, `list`, `update`, `delete`). When one function
   * serves several operations, each of them maps to it.
   */
  public readonly functions: { [operation: string]: lambda.Function };
  /** Each distinct function of the API once. */
  public readonly handlerFunctions: lambda.Function[];
  /** Log group of each of the first resource's functions, by operation (like `functions`). */
  public readonly functionLogGroups: { [operation: string]: logs.LogGroup };
  /** The API's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The alarms (empty when `alarms` is false). */
  public readonly alarms: cloudwatch.Alarm[];
  /** Composite alarm: in ALARM when any alarm is. */
  public readonly unhealthyAlarm?: cloudwatch.CompositeAlarm;
  /** The dashboard, when `dashboard` is true. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The first resource's enabled operations. */
  public readonly operations: Operation[];
  /**
   * The bus of the change events: the one the construct created for the API (`ChangeEvents.toEventBus()`), else the
   * bus of the first resource with change events.
   * @default - none: no resource has change events
   */
  public readonly eventBus?: events.IEventBus;
  /** The `source` of every change event of this API (`changeEventSource`, default the API's construct path). */
  public readonly changeEventSource: string;
  /**
   * The secret that keys the list cursors (only when some resource enables LIST; one for the API: cursors are bound to
   * their table): generated at deploy time, read by the functions that list once per execution environment. Rotate it
   * with `put-secret-value`; the previous version stays accepted.
   */
  public readonly cursorKey?: secretsmanager.Secret;
  /** The customer-managed key of the tables and log groups, when `encryptionKey` is set. */
  public readonly encryptionKey?: kms.IKey;
  /**
   * The API's contract: an OpenAPI 3.1 document (JSON) generated from the resolved configuration, covering every route
   * of every resource, its parameters, headers, item and problem+json bodies, security schemes and servers, and the
   * function routes added so far (`addFunctionRoute`): read it after adding them.
   *
   * Values known only at deploy time (the execute-api URL, a custom domain created in the app, a Cognito issuer) are
   * tokens inside the string: CloudFormation fills them in where the string is used in a resource property (for
   * example `s3deploy.Source.data('openapi.json', api.openApiDocument)`). To read the document at synth time, use the
   * file `openApiFileName` in the cloud assembly, where such values are server variables instead (it has every
   * function route, whenever added).
   */
  public get openApiDocument(): string {
    return this.contract.document();
  }
  /**
   * Name of the OpenAPI document file written into the cloud assembly directory at synth (`cdk.out/<name>`):
   * `<stack artifact id>.<path of the API under its stack, dots for slashes>.openapi.json`, e.g.
   * `ShopStack.Api.openapi.json`. Deploy-time values in it are server variables with descriptions.
   */
  public readonly openApiFileName: string;
  /**
   * The contract of the change events: an AsyncAPI 3.0 document (JSON) with a channel per resource that publishes
   * them and its three messages (created, updated, deleted), their payloads the CloudEvents envelope around the
   * resource's item schema. Undefined when no resource has change events. Deploy-time values (the bus name, the
   * region) are tokens in the string; the file `asyncApiFileName` in the cloud assembly has what is known at synth.
   */
  public get asyncApiDocument(): string | undefined {
    return this.asyncApi.document();
  }
  /**
   * Name of the AsyncAPI document file written into the cloud assembly directory at synth, beside the OpenAPI one
   * (`ShopStack.Api.asyncapi.json`); written only when a resource has change events.
   */
  public readonly asyncApiFileName: string;

  private readonly crudResources: CrudResource[];
  private readonly openApiRoute?: OpenApiRoute;
  private readonly apiPlan: ApiPlan;
  private readonly contract: OpenApiContract;
  private readonly asyncApi: AsyncApiContract;
  /** The routes of the user's own functions, in the order added. */
  private readonly functionRoutes: FunctionRoute[] = [];
  /** Construct id prefixes of the function routes. */
  private readonly functionRouteIds = new Set<string>();
  private readonly monitoring: MonitoringResult;
  private subscribers?: Construct;

  constructor(scope: Construct, id: string, props: ServerlessCrudApiProps = {}) {
    super(scope, id);
    const plan = resolvePlan(this, props);
    const api = this.apiPlan = plan.api;
    this.encryptionKey = api.encryptionKey;

    // ------------------------------------------------------------ the HTTP API and its stage
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: `CRUD API ${this.node.path} (cdk-serverless-crud-api)`,
      createDefaultStage: false,
      corsPreflight: api.cors,
      disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    });
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

    // ------------------------------------------------------------ the resources: tables; then functions, routes, grants
    // Without `resources` the one resource is `DefaultResource` and owns the cursor key (the one-liner's layout);
    // with `resources` each is named after its path segment and the API owns the one cursor key.
    const resources = this.crudResources = plan.resources.map((r) => new CrudResource(this, plan.declaredResources ? r.name : 'DefaultResource', {
      plan: r, ownerPath: this.node.path, ownsCursorKey: !plan.declaredResources,
    }));
    this.resources = [...resources];
    const lists = resources.some((r) => r.plan.operations.includes('list'));
    this.cursorKey = plan.declaredResources ? (lists ? createCursorKey(this, this.node.path) : undefined) : resources[0].cursorKey;
    const contract = this.contract = attachOpenApiContract({
      api: this, plan: api, resources, httpApi: this.httpApi, functionRoutes: () => this.functionRoutes,
    });
    this.openApiFileName = contract.fileName;
    const config: HandlerConfig = {
      version: CONFIG_VERSION,
      resources: resources.map((r) => r.handlerConfig()),
      basePath: api.domainMapping?.mappingKey,
      ...(api.openApiRoute ? { openApi: contract.synthTimeDocument } : {}),
      // The request log line's metrics (src/shared/metrics.ts), under this API's path as the Api dimension.
      metrics: { api: this.node.path },
    };
    // One code asset for the API: the bundle with the whole config beside it (every function gets the same asset).
    // With it, each schema's validation code, compiled at synth (custom code validates on its own).
    const validators = plan.resources.flatMap((r) => r.validatorCode !== undefined ? [{ resource: r.name, code: r.validatorCode }] : []);
    const code = api.lambdaDefaults.customCode ?? builtinHandlerCode(config, validators);
    const { functions, openApiRoute } = addFunctionsAndRoutes({
      plan, api: this, httpApi: this.httpApi, stageName: STAGE_NAME, resources, config, code, cursorKey: this.cursorKey,
    });
    this.handlerFunctions = functions.map((f) => f.function);
    this.openApiRoute = openApiRoute;
    const ownBus = addChangePublishers(this, plan, resources, config);
    this.eventBus = ownBus ?? resources.find((r) => r.eventBus)?.eventBus;
    this.changeEventSource = api.changeEventSource;
    // Read at synth, as the OpenAPI document's function routes are.
    this.asyncApi = attachAsyncApiContract({
      api: this,
      input: () => ({
        title: this.node.path,
        source: api.changeEventSource,
        region: Stack.of(this).region,
        resources: resources.map((r) => ({
          config: r.handlerConfig(),
          ...(r.eventBus ? { eventBus: { id: r.eventBus.node.path, name: r.eventBus.eventBusName } } : {}),
        })),
      }),
    });
    this.asyncApiFileName = this.asyncApi.fileName;
    const publishers = resources.flatMap((r) => (r.changePublisher ? [r.changePublisher.function] : []));
    // What deploy would refuse (environment and policy sizes), checked at synth once every statement is in.
    this.node.addValidation({
      validate: () => deployLimitErrors([...this.handlerFunctions, ...publishers], deployLimitAdvice(api.lambdaDefaults.handlerMode)),
    });

    const first = resources[0];
    this.table = first.table;
    this.idempotencyTable = first.idempotencyTable;
    this.operations = first.operations;
    this.functions = {};
    this.functionLogGroups = {};
    for (const [op, fn] of Object.entries(first.functionByOperation)) {
      this.functions[op] = fn.function;
      this.functionLogGroups[op] = fn.logGroup;
    }
    const manifest = runnerManifest({
      path: this.node.path,
      stageName: STAGE_NAME,
      api,
      httpApi: this.httpApi,
      resources,
      functions,
      openApiRoute,
      functionRoutes: this.functionRoutes,
    });
    this.node.addMetadata(LOCAL_MANIFEST_METADATA_TYPE, manifest);

    // ------------------------------------------------------------ monitoring, hardening, output
    const monitoring = monitorApi(this, {
      stage: this.stage, plan: api.monitoring, resources, functions, resourceTitles: plan.declaredResources,
    });
    this.monitoring = monitoring;
    this.alarms = monitoring.alarms;
    this.unhealthyAlarm = monitoring.unhealthyAlarm;
    this.dashboard = monitoring.dashboard;

    applyHardening(this, {
      encryptionKey: api.encryptionKey,
      hardened: api.hardened,
      secrets: this.cursorKey ? [{ scope: this.cursorKey, readers: functions.filter((f) => f.operations.includes('list')).map((f) => f.function) }] : [],
    });

    if (api.urlOutput) {
      new CfnOutput(this, 'Url', { value: this.url, description: `URL of ${this.node.path}` });
    }
  }

  /**
   * The resource with this name (its path segment).
   * @param name the resource's `name` (`items` for an API without `resources`, unless `resourceName` says otherwise)
   */
  public resource(name: string): ICrudResource {
    const found = this.crudResources.find((r) => r.resourceName === name);
    if (!found) {
      throw new Error(`ServerlessCrudApi ${this.node.path} has no resource '${name}'; it has ${this.crudResources.map((r) => `'${r.resourceName}'`).join(', ')}`);
    }
    return found;
  }

  /**
   * Adds a route of your own: your Lambda function behind a method and path on this API, beside the CRUD routes. The
   * route gets the API's authorizer (or `authorization`); the function gets exactly the DynamoDB actions of each
   * table's access level and each table's name in `CRUD_TABLE_<NAME>`; the route joins `grantInvoke`, the OpenAPI
   * document and what the local runner serves. A route whose path variables differ from the CRUD routes' at the same
   * level, or whose method and path exist already, is refused here (API Gateway would refuse it on deploy).
   *
   * @example
   * api.addFunctionRoute({
   *   method: HttpMethod.POST,
   *   path: '/orders/{id}/checkout',
   *   handler: checkoutFunction,
   *   tables: [
   *     { resource: 'orders', access: AccessLevel.READ_WRITE },
   *     { resource: 'payments', access: AccessLevel.WRITE },
   *   ],
   * });
   *
   * @param props the route: method, path, function, authorization, tables and schemas
   * @returns the route (an escape hatch to its `HttpRoute`)
   */
  public addFunctionRoute(props: FunctionRouteProps): apigwv2.HttpRoute {
    const route = addFunctionRoute({
      api: this,
      httpApi: this.httpApi,
      stageName: STAGE_NAME,
      plan: this.apiPlan,
      resources: this.crudResources,
      routes: this.routeRefs(),
      routeIds: this.functionRouteIds,
    }, props);
    this.functionRoutes.push(route);
    return route.route;
  }

  /**
   * Grants `execute-api:Invoke` on exactly this API's routes, of every resource, of the function routes added so far
   * (`addFunctionRoute`) and `GET /openapi.json` when `openApiRoute` is on (for `ApiAuthorization.iam()`, the
   * default). To grant one resource's routes, use `resource(name).grantInvoke`.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return grantRouteInvoke(grantee, [
      ...this.crudResources.flatMap((r) => r.routes.map((route) => route.executeApiArn)),
      ...(this.openApiRoute ? [this.openApiRoute.executeApiArn] : []),
      ...this.functionRoutes.map((r) => r.executeApiArn),
    ]);
  }

  /**
   * The EventBridge event pattern of this API's change events: of the resources named (default: every resource with
   * change events), of the kinds of change given (default: all), optionally of one tenant (owner-scoped resources).
   * For rules of your own, on `eventBus` (or `resource(name).eventBus`).
   *
   * @example
   * new events.Rule(this, 'NewOrders', {
   *   eventBus: api.eventBus,
   *   eventPattern: api.eventPattern({ resources: ['orders'], types: [ChangeEventType.CREATED] }),
   *   targets: [new targets.SqsQueue(queue)],
   * });
   *
   * @param options which events match
   */
  public eventPattern(options: ChangeEventPatternOptions = {}): events.EventPattern {
    return changeEventPattern('eventPattern', this.changeEventSource, this.eventResources(), options).pattern;
  }

  /**
   * Delivers this API's change events matching `options` (see `eventPattern`) to `target`: a rule on the events' bus
   * with a retry policy and a dead-letter queue on the target (give neither to the target itself), and alarms on
   * failed deliveries and on any message in the dead-letter queue (on the dashboard too, when there is one).
   *
   * @example
   * api.addSubscriber('SendConfirmation', new targets.LambdaFunction(sendConfirmation), {
   *   resources: ['orders'],
   *   types: [ChangeEventType.CREATED],
   * });
   *
   * @param id construct id of the subscriber (under `Subscribers`)
   * @param target where the events go, e.g. `new targets.LambdaFunction(fn)`
   * @param options which events, and how failed deliveries are retried and kept
   * @returns the rule
   */
  public addSubscriber(id: string, target: events.IRuleTarget, options: SubscriberOptions = {}): events.Rule {
    const selected = changeEventPattern('addSubscriber', this.changeEventSource, this.eventResources(), options);
    this.subscribers ??= new Construct(this, 'Subscribers');
    const subscriber = new ChangeSubscriber(this.subscribers, id, {
      selected, target, options, encryptionKey: this.apiPlan.encryptionKey, ownerPath: this.node.path,
    });
    this.monitoring.adopt(this.apiPlan.monitoring.alarms ? createSubscriberAlarms(subscriber) : [], subscriberRow(subscriber));
    return subscriber.rule;
  }

  /** Each resource as the event patterns see it. */
  private eventResources(): EventResource[] {
    return this.crudResources.map((r) => ({ name: r.resourceName, bus: r.eventBus, ownerScoped: r.plan.ownerAttribute !== undefined }));
  }

  /** Every route of the API so far, as the conflict checks see them. */
  private routeRefs(): RouteRef[] {
    return [
      ...crudRouteRefs(this.crudResources),
      ...(this.openApiRoute ? [{ key: `GET ${OPENAPI_ROUTE_PATH}`, path: OPENAPI_ROUTE_PATH, origin: 'openApiRoute' }] : []),
      ...this.functionRoutes.map((r) => ({ key: `${r.method} ${r.path}`, path: r.path, origin: 'addFunctionRoute' })),
    ];
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
