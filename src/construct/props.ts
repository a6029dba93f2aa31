import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApiAuthorization } from './authorization';
import { ChangeEvents } from './change-events';
import { HandlerMode } from './crud-operation';
import { CrudResourceOptions } from './crud-resource-options';
import type { CrudResourceProps } from './crud-resource-props';
import { AlarmThresholds } from './monitoring';

/*
 * The props structs of ServerlessCrudApi. Defaults and rules are applied in one place, resolvePlan (src/construct/resolve-props.ts):
 * nothing else reads a prop with a default.
 */

/** Properties of a {@link ServerlessCrudApi}. Every one is optional: `new ServerlessCrudApi(this, 'Todos')` works. */
export interface ServerlessCrudApiProps extends CrudResourceOptions {
  // ---------------------------------------------------------------- the resources
  /**
   * Several resources on this one API (one HTTP API, one stage, one URL), each with its own table, functions and,
   * optionally, its own authorization and Lambda settings. The data and table props (`resourceName` and those of
   * `CrudResourceOptions`) then belong in the entries and are refused here; the API and Lambda props stay here (the
   * Lambda ones as defaults every resource may override).
   * @default - one resource, described by `resourceName` and the `CrudResourceOptions` props (`items` unless
   * `resourceName` says otherwise)
   */
  readonly resources?: CrudResourceProps[];

  // ---------------------------------------------------------------- the resource (without `resources`)
  /**
   * Path segment of the collection: `items` serves `/items` and `/items/{id}`. Letters, digits, `-`, `_`, `.`, `~`.
   * @default 'items'
   */
  readonly resourceName?: string;

  /**
   * How the routes map to Lambda functions: one per operation of each resource, one per resource, or one for the API.
   * @default HandlerMode.PER_OPERATION — one function and one least-privilege role per operation of each resource
   */
  readonly handlerMode?: HandlerMode;

  // ---------------------------------------------------------------- access
  /**
   * Who may call the API.
   * @default ApiAuthorization.iam() — secure by default: callers need `execute-api:Invoke` (see `grantInvoke`)
   */
  readonly authorization?: ApiAuthorization;

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
   * Stage throttling: `rateLimit` (steady-state requests per second for the whole stage) and `burstLimit` (burst
   * capacity); a field left out takes its default.
   * @default - 100 requests/s steady, 200 burst: enough for a typical CRUD backend, low enough that a runaway
   * client cannot run up a large bill or exhaust DynamoDB/Lambda concurrency before the alarms fire
   */
  readonly throttle?: apigwv2.ThrottleSettings;

  /**
   * A custom domain: the API Gateway domain name (with its certificate) and an optional `mappingKey`, the path under
   * the domain where the API is mapped (`v1` → `https://api.example.com/v1/items`).
   * @default - only the execute-api endpoint
   */
  readonly customDomain?: apigwv2.DomainMappingOptions;

  /**
   * Turn off the default `execute-api` endpoint, e.g. so that `customDomain` is the only way in.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;

  /**
   * Serve the API's OpenAPI document (`openApiDocument`) at `GET /openapi.json`, behind the API's `authorization`
   * (not a resource's own). Needs the built-in handler: the document travels in its config file.
   * @default false - the document is only in the cloud assembly and `openApiDocument`
   */
  readonly openApiRoute?: boolean;

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
   * Lambda runtime of each function: Node.js, `nodejs24.x` or newer (the built-in handler is bundled for Node.js 24).
   * The default follows your aws-cdk-lib, so cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion (which
   * compare with the newest runtime it knows) stay clean when you upgrade it; pin one to control when functions move.
   * @default - the newest Node.js runtime the app's aws-cdk-lib knows (never older than nodejs24.x)
   */
  readonly runtime?: lambda.Runtime;

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
   * the same environment (`CRUD_TABLES`, `CRUD_ROUTES`, …) and the whole API's config as JSON in `CRUD_CONFIG`.
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
   * One customer-managed KMS key for everything this construct stores: the new table, the idempotency table, each
   * function's log group, the access log group and the list cursor key secret. The construct adds to the key policy
   * what CloudWatch Logs needs (the regional Logs service principal, for log groups of this account and region); the
   * key policy of an imported key must allow that already. Cannot be combined with `encryption`. A key costs $1 a
   * month plus its requests.
   * @default - the tables use the AWS-owned key; the log groups, CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: kms.IKey;

  // ---------------------------------------------------------------- change events
  /**
   * Publish every committed change of every resource's items as an event (a CloudEvent on EventBridge; README,
   * "Change events"): `ChangeEvents.toEventBus()` for a bus the construct creates, `toEventBus(bus)` for yours. A
   * resource's own `changeEvents` overrides it. It enables each table's stream (NEW_AND_OLD_IMAGES) and adds one
   * publisher function per table; see `eventPattern` and `addSubscriber` to consume them.
   * @default ChangeEvents.none() — no stream, no publisher
   */
  readonly changeEvents?: ChangeEvents;

  /**
   * The `source` of the change events (EventBridge's `source`, and the CloudEvents `source`): 1 to 256 characters,
   * not starting with `aws.`.
   * @default - the API's construct path, e.g. `ShopStack/Shop`
   */
  readonly changeEventSource?: string;

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
