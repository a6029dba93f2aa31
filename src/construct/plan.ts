import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { AuthorizationBinding } from './authorization';
import type { ChangeEventsSettings } from './change-events';
import type { HandlerMode } from './crud-operation';
import type { IdGenerator, IndexConfig, KeyType, OperationName } from '../shared/config';
import type { TableKeySchema } from '../shared/keys';

/*
 * The plan: ServerlessCrudApiProps with every default applied and every rule checked (resolvePlan in
 * src/construct/resolve-props.ts). The constructs build from it and never read a prop with a default themselves.
 *
 * It has an API-wide part and a per-resource part: one API serves its resources on one HTTP API and stage, and each
 * resource has its own data settings and table, and Lambda settings that start from the API's defaults.
 * Internal: not part of the jsii API.
 */

/** The whole plan of one ServerlessCrudApi. */
export interface CrudApiPlan {
  readonly api: ApiPlan;
  /** The resources served, in the order of the handler config (the positions of `CRUD_TABLES`). */
  readonly resources: ResourcePlan[];
  /**
   * Whether the resources come from the `resources` prop (each under a construct named after it) rather than from
   * the top-level props (one resource under `DefaultResource`, the one-liner's layout).
   */
  readonly declaredResources: boolean;
}

/** Settings of the API as a whole. */
export interface ApiPlan {
  /** The API's authorization, bound: authorizer, scopes, what the runner verifies (a resource may have its own). */
  readonly authorization: AuthorizationBinding;
  /** CORS with this API's header and method defaults applied; absent when CORS is off. */
  readonly cors?: apigwv2.CorsPreflightOptions;
  /** Stage throttling, both limits set. */
  readonly throttle: ThrottlePlan;
  /** The custom domain mapping, if any. */
  readonly domainMapping?: apigwv2.DomainMappingOptions;
  /** Whether the execute-api endpoint is turned off. */
  readonly disableExecuteApiEndpoint: boolean;
  /** Whether `GET /openapi.json` serves the OpenAPI document (behind `authorization`). */
  readonly openApiRoute: boolean;
  /** Retention of the access log group. */
  readonly accessLogRetention: logs.RetentionDays;
  /** Whether to add the URL `CfnOutput`. */
  readonly urlOutput: boolean;
  /** The customer-managed key of everything stored, if any. */
  readonly encryptionKey?: kms.IKey;
  /** The strict compliance packs' mode. */
  readonly hardened: boolean;
  /** Alarms, notifications and dashboard. */
  readonly monitoring: MonitoringPlan;
  /** Lambda settings every resource starts from (and the settings of the API's one function in SINGLE mode). */
  readonly lambdaDefaults: LambdaPlan;
  /** The `source` of the API's change events (`changeEventSource`, default the API's construct path). */
  readonly changeEventSource: string;
}

/** A resource's change events: where they go and how the publisher reads the stream. */
export interface ChangeEventsPlan extends ChangeEventsSettings {
  /** The user's bus; absent: the API's own (one per API). */
  readonly bus?: events.IEventBus;
}

/** Stage throttling. */
export interface ThrottlePlan {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Monitoring of the API. */
export interface MonitoringPlan {
  readonly alarms: boolean;
  readonly thresholds: AlarmThresholdsPlan;
  readonly topic?: sns.ITopic;
  readonly dashboard: boolean;
}

/** Every alarm threshold, defaulted (see AlarmThresholds for what each means). */
export interface AlarmThresholdsPlan {
  readonly lambdaErrors: number;
  readonly lambdaThrottles: number;
  readonly lambdaDurationPercentOfTimeout: number;
  readonly api5xxErrors: number;
  readonly apiLatencyP99: Duration;
  readonly dynamoDbThrottledRequests: number;
  readonly dynamoDbSystemErrors: number;
}

/** How a resource's functions are built and configured. */
export interface LambdaPlan {
  readonly handlerMode: HandlerMode;
  /** A Node.js runtime, nodejs24.x or newer (src/construct/lambda-runtime.ts). */
  readonly runtime: lambda.Runtime;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly architecture: lambda.Architecture;
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency?: number;
  readonly tracing: lambda.Tracing;
  readonly logLevel: lambda.ApplicationLogLevel;
  readonly logRetention: logs.RetentionDays;
  /** Extra environment variables (no `CRUD_` names). */
  readonly environment: { [key: string]: string };
  readonly layers?: lambda.ILayerVersion[];
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Custom code replacing the built-in handler (which then gets its config in `CRUD_CONFIG`), if any. */
  readonly customCode?: lambda.Code;
  /** Handler entry of the code. */
  readonly handler: string;
}

/** One resource: a collection at `/{name}` with its items table. */
export interface ResourcePlan {
  /** Path segment of the collection. */
  readonly name: string;
  /** Position in the handler config (and in `CRUD_TABLES`). */
  readonly index: number;
  /** Who may call its routes: the API's authorization or the resource's own. */
  readonly authorization: AuthorizationBinding;
  readonly idAttribute: string;
  /** Type of the id attribute. */
  readonly idType: KeyType;
  /** How `POST` without an id assigns one (`none` for number ids). */
  readonly idGenerator: IdGenerator;
  /** Name of the path parameter of its items (`id`, or e.g. `projectId` for a resource with children). */
  readonly pathParameter: string;
  /** The parent resource's name, for a nested resource. */
  readonly parent?: string;
  /** The names of the resources nested directly under this one, in declared order. */
  readonly children: string[];
  /** Enabled operations, in route order. */
  readonly operations: OperationName[];
  /** Secondary indexes, in item attributes (names defaulted; partitionKey absent: the scope; sortKeyType set with sortKey). */
  readonly indexes: IndexConfig[];
  /** The owner attribute when owner-scoped, else absent. */
  readonly ownerAttribute?: string;
  /** The table's key schema (owner-scoped and nested keys included, typed): the one place it is derived. */
  readonly keySchema: TableKeySchema;
  readonly schema?: { [key: string]: any };
  /** The schema compiled at synth: ajv's standalone validation code (src/construct/schema-code.ts). Present with `schema`. */
  readonly validatorCode?: string;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly idempotencyTtlSeconds: number;
  /** The items table: an existing one, or the options of a new one. */
  readonly table: TablePlan;
  /** Encryption of the idempotency table (created when CREATE is enabled). */
  readonly idempotencyTableEncryption: dynamodb.TableEncryptionV2;
  /** Lambda settings of this resource's functions (the API's defaults with the resource's overrides). */
  readonly lambda: LambdaPlan;
  /** Its change events (the table then has a NEW_AND_OLD_IMAGES stream); absent when off. */
  readonly changeEvents?: ChangeEventsPlan;
}

/** The items table of a resource. */
export interface TablePlan {
  /** Use this table; the options below are then unused. */
  readonly existing?: dynamodb.ITableV2;
  readonly billing: dynamodb.Billing;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly encryption: dynamodb.TableEncryptionV2;
  readonly timeToLiveAttribute?: string;
  readonly stream?: dynamodb.StreamViewType;
}
