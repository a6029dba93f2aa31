import { CfnOutput, CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ApiAuthorization, AuthorizationBinding } from './authorization';
import { resolveCors } from './cors';
import { builtinHandlerCode } from './handler-code';
import { applyHardening, FunctionRole, tableEncryption } from './hardening';
import { AlarmThresholds, createMonitoring } from './monitoring';
import {
  CURSOR_KEY_ACTIONS, HandlerMode, IDEMPOTENCY_ACTIONS, INDEX_ACTIONS, Operation, OPERATION_ROUTES, OWNER_SCOPED_TABLE_ACTIONS, TABLE_ACTIONS,
} from './operations';
import { validateProps } from './props-validation';
import { CONFIG_VERSION, ENV, HandlerConfig, IDEMPOTENCY_TABLE, OperationName } from './shared/config';
import { TableKeySchema, tableKeySchema } from './shared/keys';
import { LOCAL_MANIFEST_METADATA_TYPE, LOCAL_MANIFEST_VERSION, LocalManifest, LocalRoute } from './shared/local-manifest';

/** A global secondary index that `GET /{resource}?<partitionKey>=value` queries instead of scanning. */
export interface SecondaryIndex {
  /** The (string) item attribute to query by, e.g. `status` for `GET /items?status=open`. */
  readonly partitionKey: string;
  /**
   * An optional (string) sort attribute; `order=asc|desc` orders results by it. `createdAt` and `updatedAt` work.
   * @default - no sort key: results come in DynamoDB's order
   */
  readonly sortKey?: string;
  /**
   * The GSI name.
   * @default - `by<PartitionKey>`, e.g. `byStatus`
   */
  readonly indexName?: string;
}

/** A custom domain for the API. */
export interface CustomDomainOptions {
  /** The API Gateway domain name (with its certificate). */
  readonly domainName: apigwv2.IDomainName;
  /**
   * Path under the domain where the API is mapped, e.g. `v1` → `https://api.example.com/v1/items`.
   * @default - the API is mapped at the domain root
   */
  readonly mappingKey?: string;
  /**
   * Turn off the default `execute-api` endpoint so that the custom domain is the only way in.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
}

/** Stage throttling. */
export interface ThrottleOptions {
  /**
   * Steady-state requests per second for the whole stage.
   * @default 100
   */
  readonly rateLimit?: number;
  /**
   * Burst capacity (requests).
   * @default 200
   */
  readonly burstLimit?: number;
}

/** Properties of a {@link ServerlessCrudApi}. Every one is optional: `new ServerlessCrudApi(this, 'Todos')` works. */
export interface ServerlessCrudApiProps {
  // ---------------------------------------------------------------- the resource
  /**
   * Path segment of the collection: `items` serves `/items` and `/items/{id}`. Letters, digits, `-`, `_`, `.`, `~`.
   * @default 'items'
   */
  readonly resourceName?: string;

  /**
   * Name of the id attribute: the table's partition key (a string; the server assigns a UUID v4 unless the client
   * sends one on create).
   * @default 'id'
   */
  readonly idAttribute?: string;

  /**
   * The operations to enable. A disabled operation has no route, no function and no IAM action.
   * @default - all: CREATE, READ, LIST, UPDATE, DELETE
   */
  readonly operations?: Operation[];

  /**
   * How operations map to Lambda functions.
   * @default HandlerMode.PER_OPERATION — one function and one least-privilege role per operation
   */
  readonly handlerMode?: HandlerMode;

  /**
   * Secondary indexes for `GET /{resource}?attr=value` listing. Each becomes a GSI (projection ALL).
   * @default - none: listing scans
   */
  readonly indexes?: SecondaryIndex[];

  /**
   * A JSON Schema (draft 2020-12 or draft-07) for item bodies: POST and PUT bodies and the merged result of PATCH
   * are validated against it, and violations answer 422 listing each one. Any size works: the schema ships in the
   * function's code asset, not in its environment.
   * @default - no validation beyond what DynamoDB can store
   */
  readonly schema?: { [key: string]: any };

  /**
   * Default page size of `GET /{resource}` when the caller sends no `limit`.
   * @default 25
   */
  readonly defaultPageSize?: number;

  /**
   * Largest `limit` a caller may ask for (at most 1000); above it is a 400.
   * @default 100
   */
  readonly maxPageSize?: number;

  /**
   * How long an `Idempotency-Key` on POST is remembered.
   * @default Duration.hours(24)
   */
  readonly idempotencyTtl?: Duration;

  // ---------------------------------------------------------------- access
  /**
   * Who may call the API.
   * @default ApiAuthorization.iam() — secure by default: callers need `execute-api:Invoke` (see `grantInvoke`)
   */
  readonly authorization?: ApiAuthorization;

  /**
   * Scope items to their owner, the JWT `sub` of the caller who created them: other callers get 404 for them and never
   * see them in lists. Needs `ApiAuthorization.jwt()` or `ApiAuthorization.cognito()`.
   * @default false
   */
  readonly ownerScoping?: boolean;

  /**
   * Attribute that stores the owner when `ownerScoping` is on (server-managed).
   * @default 'owner'
   */
  readonly ownerAttribute?: string;

  /**
   * CORS. API Gateway answers preflight requests itself (and so does the local runner, with the same settings).
   *
   * Lists left out default to what a browser app of this API needs: `allowHeaders` to `content-type`,
   * `authorization`, `if-match`, `if-none-match`, `idempotency-key`; `exposeHeaders` to `etag`, `location`,
   * `retry-after`, `idempotent-replayed` (without them a script cannot read `ETag`, so `If-Match` is unusable);
   * `allowMethods` to `GET`, `POST`, `PUT`, `PATCH`, `DELETE`. A list you give, even an empty one, is used as is.
   * @default - no CORS: browsers on other origins cannot call the API
   */
  readonly cors?: apigwv2.CorsPreflightOptions;

  /**
   * Stage throttling.
   * @default - 100 requests/s steady, 200 burst: enough for a typical CRUD backend, low enough that a runaway
   * client cannot run up a large bill or exhaust DynamoDB/Lambda concurrency before the alarms fire
   */
  readonly throttle?: ThrottleOptions;

  /**
   * A custom domain.
   * @default - only the execute-api endpoint
   */
  readonly customDomain?: CustomDomainOptions;

  /**
   * Retention of the API's JSON access logs.
   * @default logs.RetentionDays.ONE_MONTH (ONE_YEAR with `hardened`)
   */
  readonly accessLogRetention?: logs.RetentionDays;

  /**
   * Retention of each function's JSON logs.
   * @default logs.RetentionDays.ONE_MONTH (ONE_YEAR with `hardened`)
   */
  readonly functionLogRetention?: logs.RetentionDays;

  /**
   * Add a `CfnOutput` with the API URL.
   * @default true
   */
  readonly urlOutput?: boolean;

  // ---------------------------------------------------------------- Lambda
  /**
   * Memory of each function, in MB. Lambda allots CPU in proportion to memory, and a cold start here is mostly
   * CPU-bound JavaScript (SDK and handler init), so 1024 MB starts markedly faster than 128–512 MB while a warm
   * DynamoDB round trip stays in the low milliseconds — the cost per request stays small.
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Timeout of each function. A single-item DynamoDB call with the SDK's retries finishes in well under a second;
   * 10 s bounds a stuck request far below API Gateway's 30 s integration limit. At most 30 s.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;

  /**
   * Instruction set of each function.
   * @default lambda.Architecture.ARM_64 — Graviton: cheaper per ms and at least as fast for this workload
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Reserved concurrency of each function (at least 1).
   * @default - unreserved: the functions share the account's pool
   */
  readonly reservedConcurrency?: number;

  /**
   * Provisioned concurrency of each function, served through an alias named `live` that API Gateway invokes.
   * @default - none: on-demand only
   */
  readonly provisionedConcurrency?: number;

  /**
   * X-Ray tracing of each function.
   * @default lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Application log level of each function (Lambda's advanced logging controls; the handler logs one JSON line per
   * request at INFO and errors with their stack at ERROR).
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly logLevel?: lambda.ApplicationLogLevel;

  /**
   * Extra environment variables for each function. Names starting with `CRUD_` are reserved.
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Lambda layers for each function (e.g. an observability extension).
   * @default - none
   */
  readonly layers?: lambda.ILayerVersion[];

  /**
   * VPC to run the functions in. DynamoDB is reached over its public endpoint unless the VPC has a DynamoDB gateway
   * endpoint (or a NAT) — add one.
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of the functions; needs `vpc`.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the functions; needs `vpc`.
   * @default - one is created, with all outbound traffic allowed
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Replace the built-in handler code while keeping all the infrastructure (routes, roles, alarms). The code gets
   * the same environment (`CRUD_TABLE_NAME`, `CRUD_OPERATIONS`, …) and its config as JSON in `CRUD_CONFIG`.
   * @default - the built-in handler bundled with this library
   */
  readonly handlerCode?: lambda.Code;

  /**
   * Handler entry of `handlerCode`.
   * @default 'index.handler'
   */
  readonly handlerEntrypoint?: string;

  // ---------------------------------------------------------------- DynamoDB
  /**
   * Use this table instead of creating one. Its partition key must be the id attribute (string) with no sort key,
   * and every index in `indexes` (and the owner index when `ownerScoping` is on) must already exist on it. Cannot be
   * combined with the table options below.
   * @default - a new table
   */
  readonly existingTable?: dynamodb.ITableV2;

  /**
   * Billing of the new table.
   * @default dynamodb.Billing.onDemand()
   */
  readonly billing?: dynamodb.Billing;

  /**
   * Point-in-time recovery of the new table.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * Deletion protection of the new table.
   * @default false — `removalPolicy` RETAIN already keeps the table when the stack goes away
   */
  readonly deletionProtection?: boolean;

  /**
   * What happens to the new table when it leaves the stack.
   * @default RemovalPolicy.RETAIN — data outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Encryption at rest of the new table (and of the idempotency table).
   * @default dynamodb.TableEncryptionV2.dynamoOwnedKey() — AWS-owned key, no cost
   */
  readonly encryption?: dynamodb.TableEncryptionV2;

  /**
   * One customer-managed KMS key for everything this construct stores: the new table, the idempotency table, each
   * function's log group, the access log group and the list cursor key secret. The construct adds to the key policy
   * what CloudWatch Logs needs (the regional Logs service principal, for log groups of this account and region); the
   * key policy of an imported key must allow that already. Cannot be combined with `encryption`. A key costs $1 a
   * month plus its requests.
   * @default - the tables use the AWS-owned key; the log groups, CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Attribute that holds an item's expiry (epoch seconds) for DynamoDB TTL.
   * @default - no TTL
   */
  readonly timeToLiveAttribute?: string;

  /**
   * Enable a DynamoDB stream on the new table with this view type.
   * @default - no stream
   */
  readonly stream?: dynamodb.StreamViewType;

  // ---------------------------------------------------------------- monitoring
  /**
   * Create the CloudWatch alarms (see `AlarmThresholds` for each one and why) and the composite "unhealthy" alarm.
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Override alarm thresholds.
   * @default - see each field of AlarmThresholds
   */
  readonly alarmThresholds?: AlarmThresholds;

  /**
   * SNS topic notified on ALARM, OK and INSUFFICIENT_DATA of every alarm. When the topic is encrypted with a key
   * created in this app, the key policy gets the statement CloudWatch needs to publish to it.
   * @default - no notifications
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Create a CloudWatch dashboard (requests, errors, latency p50/p90/p99, Lambda, DynamoDB).
   * @default false
   */
  readonly dashboard?: boolean;

  // ---------------------------------------------------------------- compliance
  /**
   * Pass the strict compliance packs: cdk-nag's NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 (besides
   * AwsSolutions and Serverless) and the AWS Control Tower proactive controls.
   *
   * It needs `encryptionKey`, `vpc` (with a DynamoDB gateway endpoint: no NAT), `reservedConcurrency` and
   * `alarmTopic`; puts each function role's statements, unchanged, in a customer-managed policy instead of an inline
   * one; keeps logs for at least a year; lets only AWS services create grants on the key (Control Tower CT.KMS.PR.3);
   * and repeats the construct's acknowledgements (e.g. no DLQ: API Gateway invokes synchronously) for the strict
   * packs' rules. See the README, "Hardened deployment".
   * @default false
   */
  readonly hardened?: boolean;
}

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

  private readonly routeArns: string[] = [];

  constructor(scope: Construct, id: string, props: ServerlessCrudApiProps = {}) {
    super(scope, id);

    const auth: AuthorizationBinding = (props.authorization ?? ApiAuthorization.iam())._bind(this);
    const resolved = validateProps(this, props, auth);
    const ops = resolved.operations;
    this.operations = ops.map((o) => o as string as Operation);
    this.encryptionKey = props.encryptionKey;

    // ------------------------------------------------------------ DynamoDB
    // Owner-scoped: keyed by (owner, id), and each index by the hidden (owner, value) attribute (src/shared/keys.ts).
    const keySchema = tableKeySchema(resolved.idAttribute, resolved.ownerScoping ? resolved.ownerAttribute : undefined, resolved.indexes);

    if (props.existingTable) {
      this.table = props.existingTable;
    } else {
      const stringAttr = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
      this.table = new dynamodb.TableV2(this, 'Table', {
        partitionKey: stringAttr(keySchema.partitionKey),
        sortKey: keySchema.sortKey !== undefined ? stringAttr(keySchema.sortKey) : undefined,
        billing: props.billing ?? dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
        deletionProtection: props.deletionProtection ?? false,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        encryption: tableEncryption(props),
        timeToLiveAttribute: props.timeToLiveAttribute,
        dynamoStream: props.stream,
        globalSecondaryIndexes: keySchema.indexes.map((ix) => ({
          indexName: ix.indexName,
          partitionKey: stringAttr(ix.partitionKey),
          sortKey: ix.sortKey ? stringAttr(ix.sortKey) : undefined,
          projectionType: dynamodb.ProjectionType.ALL,
        })),
      });
    }

    if (ops.includes('create')) {
      this.idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
        partitionKey: { name: IDEMPOTENCY_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: tableEncryption(props),
        // Holds only 24 h replay records: nothing to keep when the API goes away.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }

    // ------------------------------------------------------------ handler config and code
    const config: HandlerConfig = {
      version: CONFIG_VERSION,
      resourceName: resolved.resourceName,
      idAttribute: resolved.idAttribute,
      operations: ops,
      indexes: resolved.indexes,
      schema: props.schema,
      ownerScoping: resolved.ownerScoping ? { attribute: resolved.ownerAttribute } : undefined,
      basePath: props.customDomain?.mappingKey,
      defaultPageSize: resolved.defaultPageSize,
      maxPageSize: resolved.maxPageSize,
      idempotencyTtlSeconds: resolved.idempotencyTtlSeconds,
    };
    const code = props.handlerCode ?? builtinHandlerCode(config);

    // ------------------------------------------------------------ cursor key
    // Keys the list cursors (AES-GCM): generated at deploy time, never in the template, read by the list function.
    if (ops.includes('list')) {
      this.cursorKey = new secretsmanager.Secret(this, 'CursorKey', {
        description: `Key of the list cursors of ${this.node.path} (cdk-serverless-crud-api); rotating it is safe (README)`,
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
        // Cursors live 24 hours: nothing worth keeping once the API is gone.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(this.cursorKey).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The cursor key only authenticates pagination cursors (valid 24 h); rotate it on your own schedule with put-secret-value ' +
          '(README): the previous version stays accepted, so no scheduled rotation function is needed.',
      });
    }

    // ------------------------------------------------------------ functions
    const groups: OperationName[][] = (props.handlerMode ?? HandlerMode.PER_OPERATION) === HandlerMode.SINGLE
      ? [ops]
      : ops.map((o) => [o]);
    const timeout = props.timeout ?? Duration.seconds(10);
    const functions: { [op: string]: lambda.Function } = {};
    const logGroups: { [op: string]: logs.LogGroup } = {};
    const targets: { [op: string]: lambda.IFunction } = {};
    const handlerFunctions: lambda.Function[] = [];

    for (const group of groups) {
      const name = groups.length === 1 && group.length > 1 ? 'Handler' : `${pascal(group[0])}Handler`;
      const fnScope = new Construct(this, name);
      const logGroup = new logs.LogGroup(fnScope, 'LogGroup', {
        retention: resolved.functionLogRetention,
        encryptionKey: props.encryptionKey,
      });
      const role = new FunctionRole(fnScope, 'Role', {
        managedPolicy: resolved.hardened,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${this.node.path} ${group.join('/')} handler: DynamoDB actions of its routes only`,
      });
      // Logs only to its own group (the group exists already, so no CreateLogGroup).
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }));
      this.grantTableActions(role, group, keySchema, resolved.ownerScoping);

      const environment: { [key: string]: string } = {
        ...props.environment,
        [ENV.TABLE_NAME]: this.table.tableName,
        [ENV.OPERATIONS]: group.join(','),
      };
      if (this.idempotencyTable && group.includes('create')) {
        environment[ENV.IDEMPOTENCY_TABLE_NAME] = this.idempotencyTable.tableName;
      }
      if (this.cursorKey && group.includes('list')) {
        environment[ENV.CURSOR_SECRET_ARN] = this.cursorKey.secretArn;
        // Exactly the read of the secret's value (AWSCURRENT and AWSPREVIOUS), on this secret only.
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: CURSOR_KEY_ACTIONS, resources: [this.cursorKey.secretArn] }));
      }
      if (props.handlerCode) {
        environment[ENV.CONFIG] = JSON.stringify(config);
      }

      const fn = new lambda.Function(fnScope, 'Resource', {
        // Lambda caps descriptions at 256 characters; a deep construct path must not break the deploy.
        description: `${group.join(', ')} — ${this.node.path} (cdk-serverless-crud-api)`.slice(0, 256),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: props.architecture ?? lambda.Architecture.ARM_64,
        code,
        handler: props.handlerEntrypoint ?? 'index.handler',
        memorySize: props.memorySize ?? 1024,
        timeout,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: props.logLevel ?? lambda.ApplicationLogLevel.INFO,
        systemLogLevelV2: lambda.SystemLogLevel.WARN,
        tracing: props.tracing ?? lambda.Tracing.ACTIVE,
        reservedConcurrentExecutions: props.reservedConcurrency,
        environment,
        layers: props.layers,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        securityGroups: props.securityGroups,
      });
      if (props.vpc) {
        // Lambda manages the ENIs with these; EC2 does not support resource-level permissions for them.
        role.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }));
      }
      acknowledgeWildcards(role, props);

      let target: lambda.IFunction = fn;
      if (props.provisionedConcurrency !== undefined) {
        target = new lambda.Alias(fnScope, 'LiveAlias', {
          aliasName: 'live',
          version: fn.currentVersion,
          provisionedConcurrentExecutions: props.provisionedConcurrency,
        });
      }
      // Invoked synchronously by API Gateway only: the caller gets the error; there is no async event to keep.
      Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: 'Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.' });

      handlerFunctions.push(fn);
      for (const op of group) {
        functions[op] = fn;
        logGroups[op] = logGroup;
        targets[op] = target;
      }
    }
    this.functions = functions;
    this.functionLogGroups = logGroups;
    this.handlerFunctions = handlerFunctions;

    // ------------------------------------------------------------ HTTP API
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: `CRUD API ${this.node.path} (cdk-serverless-crud-api)`,
      createDefaultStage: false,
      corsPreflight: resolveCors(props.cors),
      disableExecuteApiEndpoint: props.customDomain?.disableExecuteApiEndpoint ?? false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: resolved.accessLogRetention,
      encryptionKey: props.encryptionKey,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: resolved.throttleRate, burstLimit: resolved.throttleBurst },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
      domainMapping: props.customDomain
        ? { domainName: props.customDomain.domainName, mappingKey: props.customDomain.mappingKey }
        : undefined,
    });
    this.url = this.stage.url;

    const localRoutes: LocalRoute[] = [];
    // One integration per invoked target (function or alias), shared by all of its routes.
    const integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
    for (const op of ops) {
      const target = targets[op];
      let integration = integrations.get(target);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${target.node.scope!.node.id}Integration`, target, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(target, integration);
      }
      for (const route of OPERATION_ROUTES[op]) {
        const routePath = route.item ? `/${resolved.resourceName}/{id}` : `/${resolved.resourceName}`;
        this.httpApi.addRoutes({
          path: routePath,
          methods: [route.method as apigwv2.HttpMethod],
          integration,
          authorizer: auth.authorizer,
          authorizationScopes: auth.scopes,
        });
        localRoutes.push({ method: route.method, path: routePath, operation: op, functionLogicalId: cfnLogicalId(functions[op]) });
        this.routeArns.push(this.httpApi.arnForExecuteApi(route.method, route.item ? `/${resolved.resourceName}/*` : routePath, '$default'));
      }
    }
    this.node.addMetadata(LOCAL_MANIFEST_METADATA_TYPE, this.localManifest({
      resolved, auth, props, targets: functions, keySchema, localRoutes,
    }));

    if (auth.kind === 'none') {
      Validations.of(this.httpApi).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'authorization disabled by configuration' });
    }

    // ------------------------------------------------------------ monitoring and outputs
    const monitoring = createMonitoring(this, {
      httpApi: this.httpApi,
      stage: this.stage,
      functions: handlerFunctions,
      timeout,
      table: this.table,
      thresholds: props.alarmThresholds ?? {},
      alarms: props.alarms ?? true,
      topic: props.alarmTopic,
      dashboard: props.dashboard ?? false,
    });
    this.alarms = monitoring.alarms;
    this.unhealthyAlarm = monitoring.unhealthyAlarm;
    this.dashboard = monitoring.dashboard;

    applyHardening(this, {
      props, hardened: resolved.hardened, createFunction: functions.create, listFunction: functions.list, idempotencyTable: this.idempotencyTable,
    });

    if (props.urlOutput ?? true) {
      new CfnOutput(this, 'Url', { value: this.url, description: `URL of ${this.node.path}` });
    }
  }

  /**
   * Grants `execute-api:Invoke` on exactly this API's routes (for `ApiAuthorization.iam()`, the default).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [...this.routeArns] });
  }

  /** Requests to the API (`Count`, sum). */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.apiMetric('Count', { statistic: 'Sum', ...props });
  }

  /** Server errors (`5xx`, sum): always a bug or an outage. */
  public metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.apiMetric('5xx', { statistic: 'Sum', ...props });
  }

  /** Client errors (`4xx`, sum). */
  public metricClientErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.apiMetric('4xx', { statistic: 'Sum', ...props });
  }

  /** End-to-end latency (`Latency`, p99 unless `statistic` says otherwise). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.apiMetric('Latency', { statistic: 'p99', ...props });
  }

  /** Latency of the Lambda integration (`IntegrationLatency`, p99 unless `statistic` says otherwise). */
  public metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.apiMetric('IntegrationLatency', { statistic: 'p99', ...props });
  }

  private apiMetric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: this.httpApi.apiId, Stage: this.stage.stageName },
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** What the local runner needs to serve this API (see src/shared/local-manifest.ts). */
  private localManifest(x: {
    resolved: ReturnType<typeof validateProps>;
    auth: AuthorizationBinding;
    props: ServerlessCrudApiProps;
    targets: { [op: string]: lambda.Function };
    keySchema: TableKeySchema;
    localRoutes: LocalRoute[];
  }): LocalManifest {
    const { resolved, auth, props } = x;
    const tableCfn = this.table.node.defaultChild;
    const cors = resolveCors(props.cors);
    return {
      version: LOCAL_MANIFEST_VERSION,
      path: this.node.path,
      stageName: '$default',
      routes: x.localRoutes,
      functions: this.handlerFunctions.map((fn) => ({
        logicalId: cfnLogicalId(fn),
        operations: Object.keys(x.targets).filter((op) => x.targets[op] === fn),
        handler: props.handlerEntrypoint ?? 'index.handler',
        timeoutSeconds: (props.timeout ?? Duration.seconds(10)).toSeconds(),
        memoryMb: props.memorySize ?? 1024,
      })),
      table: {
        logicalId: tableCfn instanceof CfnResource ? tableCfn.logicalId : undefined,
        tableName: tableCfn instanceof CfnResource ? undefined : this.table.tableName,
        partitionKey: x.keySchema.partitionKey,
        ...(x.keySchema.sortKey !== undefined ? { sortKey: x.keySchema.sortKey } : {}),
        indexes: x.keySchema.indexes,
        ttlAttribute: props.existingTable ? undefined : props.timeToLiveAttribute,
      },
      idempotencyTable: this.idempotencyTable ? {
        logicalId: (this.idempotencyTable.node.defaultChild as CfnResource).logicalId,
        partitionKey: IDEMPOTENCY_TABLE.PARTITION_KEY,
        indexes: [],
        ttlAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
      } : undefined,
      auth: { kind: auth.kind, issuer: auth.jwtIssuer, audience: auth.jwtAudience, scopes: auth.scopes },
      cors: cors ? {
        allowOrigins: cors.allowOrigins,
        allowMethods: cors.allowMethods?.map((m) => String(m)),
        allowHeaders: cors.allowHeaders,
        exposeHeaders: cors.exposeHeaders,
        allowCredentials: cors.allowCredentials,
        maxAgeSeconds: cors.maxAge?.toSeconds(),
      } : undefined,
      throttle: { rateLimit: resolved.throttleRate, burstLimit: resolved.throttleBurst },
    };
  }

  private grantTableActions(role: iam.Role, group: OperationName[], keySchema: TableKeySchema, ownerScoped: boolean) {
    const tableActions = unique(group.flatMap((op) => (ownerScoped ? OWNER_SCOPED_TABLE_ACTIONS : TABLE_ACTIONS)[op]));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: tableActions, resources: [this.table.tableArn] }));
    const indexActions = unique(group.flatMap((op) => INDEX_ACTIONS[op] ?? []));
    if (indexActions.length > 0 && keySchema.indexes.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: indexActions,
        resources: keySchema.indexes.map((ix) => `${this.table.tableArn}/index/${ix.indexName}`),
      }));
    }
    if (this.idempotencyTable && group.includes('create')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: IDEMPOTENCY_ACTIONS, resources: [this.idempotencyTable.tableArn] }));
    }
    const key = this.table.encryptionKey;
    if (key) {
      // Customer-managed key: the data plane calls decrypt (reads) and generate-data-key/encrypt (writes).
      const writes = group.some((op) => op === 'create' || op === 'update' || op === 'delete');
      // Named actions rather than ReEncrypt*/GenerateDataKey*: no wildcard in any of our policies.
      key.grant(role, 'kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'] : []));
    }
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

/** The only `*` resources: X-Ray (when tracing) and VPC ENI management (when in a VPC), both imposed by AWS. */
function acknowledgeWildcards(role: iam.Role, props: ServerlessCrudApiProps) {
  const tracing = (props.tracing ?? lambda.Tracing.ACTIVE) !== lambda.Tracing.DISABLED;
  const reasons: string[] = [];
  if (tracing) reasons.push('xray:PutTraceSegments/PutTelemetryRecords do not support resource-level permissions');
  if (props.vpc) reasons.push('EC2 network-interface actions Lambda needs in a VPC do not support resource-level permissions');
  if (reasons.length > 0) {
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: reasons.join('; ') });
  }
}

function cfnLogicalId(fn: lambda.Function): string {
  return (fn.node.defaultChild as CfnResource).logicalId;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
