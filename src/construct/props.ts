import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApiAuthorization } from './authorization';
import { ChangeEvents } from './change-events';
import { HandlerMode, Operation } from './crud-operation';
import type { CrudResourceProps } from './crud-resource-props';
import { IdGenerator, IdType, KeyAttributeType } from './key-types';
import { AlarmThresholds } from './monitoring';

/*
 * The props structs of ServerlessCrudApi. Defaults and rules are applied in one place, resolvePlan (src/construct/resolve-props.ts):
 * nothing else reads a prop with a default.
 */

/**
 * A global secondary index that `GET /{resource}` queries instead of scanning: `?<partitionKey>=value` selects one
 * partition, and range conditions and `order` on its `sortKey` select and order a slice of it.
 *
 * Without `partitionKey` (owner-scoped or nested resources only) the index is partitioned by the listing's scope, the
 * caller's items or the parent's children: `{ sortKey: 'due' }` on tasks nested under projects serves
 * `GET /projects/{projectId}/tasks` ordered and ranged by `due`, and its partition key is the table's own.
 */
export interface SecondaryIndex {
  /**
   * The (string) item attribute to query by, e.g. `status` for `GET /items?status=open`.
   * @default - the scope: the caller (ownerScoping) or the parent (a nested resource); needs `sortKey`
   */
  readonly partitionKey?: string;
  /**
   * An optional sort attribute: range conditions and `order=asc|desc` apply to it. `createdAt` and `updatedAt` work.
   * @default - no sort key: results come in DynamoDB's order (required when `partitionKey` is left out)
   */
  readonly sortKey?: string;
  /**
   * Type of `sortKey`: strings compare lexically (ISO dates sort correctly), numbers numerically.
   * @default KeyAttributeType.STRING
   */
  readonly sortKeyType?: KeyAttributeType;
  /**
   * The GSI name.
   * @default - `by<PartitionKey>`, e.g. `byStatus` (without partitionKey, `by<SortKey>`, e.g. `byDue`)
   */
  readonly indexName?: string;
}

/** Properties of a {@link ServerlessCrudApi}. Every one is optional: `new ServerlessCrudApi(this, 'Todos')` works. */
export interface ServerlessCrudApiProps {
  // ---------------------------------------------------------------- the resources
  /**
   * Several resources on this one API (one HTTP API, one stage, one URL), each with its own table, functions and,
   * optionally, its own authorization and Lambda settings. The data and table props below (`resourceName` …
   * `stream`) then belong in the entries and are refused here; the API and Lambda props stay here (the Lambda ones
   * as defaults every resource may override).
   * @default - one resource, described by the props below (`items` unless `resourceName` says otherwise)
   */
  readonly resources?: CrudResourceProps[];

  // ---------------------------------------------------------------- the resource (without `resources`)
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
   * Type of the id attribute. A number id is parsed strictly from the path (`/items/42`) and stored as a DynamoDB
   * number; the client always sends it.
   * @default IdType.STRING
   */
  readonly idType?: IdType;

  /**
   * How `POST` without an id assigns one. UUID_V7 and ULID are time-ordered, so owner-scoped listings come in creation
   * order. Number ids need IdGenerator.NONE (the client sends the id).
   * @default - IdGenerator.UUID_V4 for string ids, IdGenerator.NONE for number ids
   */
  readonly idGenerator?: IdGenerator;

  /**
   * The operations to enable. A disabled operation has no route, no function and no IAM action.
   * @default - all: CREATE, READ, LIST, UPDATE, DELETE
   */
  readonly operations?: Operation[];

  /**
   * How the routes map to Lambda functions: one per operation of each resource, one per resource, or one for the API.
   * @default HandlerMode.PER_OPERATION — one function and one least-privilege role per operation of each resource
   */
  readonly handlerMode?: HandlerMode;

  /**
   * Secondary indexes for `GET /{resource}?attr=value` listing. Each becomes a GSI (projection ALL).
   * @default - none: listing scans
   */
  readonly indexes?: SecondaryIndex[];

  /**
   * A JSON Schema (draft 2020-12 or draft-07) for item bodies: POST and PUT bodies and the merged result of PATCH
   * are validated against it, and violations answer 422 listing each one. It is compiled at synth (ajv's standalone
   * code, in the function's code asset beside its config, not in its environment; any size works), so the functions
   * carry no validator library and compile nothing; a schema that does not compile fails synth.
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
   * Use this table instead of creating one. Its key must be the id attribute (a string, or a number with
   * `IdType.NUMBER`) with no sort key; with `ownerScoping`, partition key `<ownerAttribute>` (string) and sort key
   * `<idAttribute>`; for a nested resource (`parent`, in `resources`), partition key `_parent` (string) and sort key
   * `<idAttribute>`. Every index in `indexes` must already exist on it, with its sort key typed as `sortKeyType` says
   * (owner-scoped: partition key `_ownerKey#<indexName>`; nested: `_scopeKey#<indexName>`; without `partitionKey`:
   * the table's partition key). Cannot be combined with the table options below.
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
