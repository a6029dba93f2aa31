import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerMode } from './crud-operation';
import { builtinHandlerCode } from './handler-code';
import {
  CURSOR_KEY_ACTIONS, IDEMPOTENCY_ACTIONS, INDEX_ACTIONS, OWNER_SCOPED_TABLE_ACTIONS, TABLE_ACTIONS, TABLE_KEY_READ_ACTIONS, TABLE_KEY_WRITE_ACTIONS,
} from './iam-actions';
import { OperationFunction } from './operation-function';
import type { ApiPlan, ResourcePlan } from './plan';
import { CONFIG_VERSION, ENV, HandlerConfig, IDEMPOTENCY_TABLE, OperationName } from './shared/config';
import { routePath, routesOf } from './shared/routes';

/** Props of a {@link CrudResource}. */
export interface CrudResourceProps {
  /** The API whose routes serve this resource. */
  readonly httpApi: apigwv2.HttpApi;
  /** Name of the stage the routes are invoked through (for the `execute-api` ARNs of `grantInvoke`). */
  readonly stageName: string;
  /** The API-wide plan: authorization, domain, hardening, key. */
  readonly api: ApiPlan;
  /** This resource's plan. */
  readonly plan: ResourcePlan;
  /** Path of the API construct, for descriptions. */
  readonly ownerPath: string;
}

/** One route this resource added. */
export interface CrudRoute {
  readonly method: apigwv2.HttpMethod;
  /** e.g. `/items/{id}` */
  readonly path: string;
  readonly operation: OperationName;
  /** The function that serves it. */
  readonly function: OperationFunction;
  /** `execute-api` ARN of the route on the stage (what `grantInvoke` allows). */
  readonly executeApiArn: string;
}

/**
 * One collection of the API, `/{name}` and `/{name}/{id}`, with what it owns: its items table (`Table`, unless an
 * existing one is used), the idempotency table (`IdempotencyTable`, with CREATE), the list cursor key (`CursorKey`,
 * with LIST), its functions (`CreateFunction` … `DeleteFunction`, or one `CrudFunction`), their routes on the API and
 * the least-privilege grants of each function.
 */
export class CrudResource extends Construct {
  /** The items table. */
  public readonly table: dynamodb.ITableV2;
  /** The idempotency table (only when CREATE is enabled). */
  public readonly idempotencyTable?: dynamodb.TableV2;
  /** The secret that keys the list cursors (only when LIST is enabled). */
  public readonly cursorKey?: secretsmanager.Secret;
  /** Each function once. */
  public readonly operationFunctions: OperationFunction[] = [];
  /** The function of each enabled operation. */
  public readonly functionByOperation: { [operation: string]: OperationFunction } = {};
  /** The routes, in order. */
  public readonly routes: CrudRoute[] = [];
  /** The resolved plan this resource was built from. */
  public readonly plan: ResourcePlan;

  constructor(scope: Construct, id: string, props: CrudResourceProps) {
    super(scope, id);
    const plan = this.plan = props.plan;
    const ops = plan.operations;

    this.table = plan.table.existing ?? this.createTable(plan);
    if (ops.includes('create')) {
      this.idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
        partitionKey: { name: IDEMPOTENCY_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: plan.idempotencyTableEncryption,
        // Holds only short-lived replay records: nothing to keep when the API goes away.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    if (ops.includes('list')) {
      // Keys the list cursors (AES-GCM): generated at deploy time, never in the template, read by the list function.
      this.cursorKey = new secretsmanager.Secret(this, 'CursorKey', {
        description: `Key of the list cursors of ${props.ownerPath} (cdk-serverless-crud-api); rotating it is safe (README)`,
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

    const config = this.handlerConfig(props.api);
    const code = plan.lambda.customCode ?? builtinHandlerCode(config);
    const groups: OperationName[][] = plan.lambda.handlerMode === HandlerMode.SINGLE ? [ops] : ops.map((o) => [o]);
    for (const group of groups) {
      const fn = new OperationFunction(this, functionId(group, groups.length), {
        operations: group,
        lambda: plan.lambda,
        code,
        environment: this.functionEnvironment(group, plan.lambda.customCode ? config : undefined),
        managedPolicy: props.api.hardened,
        encryptionKey: props.api.encryptionKey,
        ownerPath: props.ownerPath,
      });
      this.grantDataActions(fn.role, group);
      this.operationFunctions.push(fn);
      for (const op of group) this.functionByOperation[op] = fn;
    }
    this.addRoutes(props);
  }

  private createTable(plan: ResourcePlan): dynamodb.TableV2 {
    const stringAttr = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const keys = plan.keySchema;
    return new dynamodb.TableV2(this, 'Table', {
      partitionKey: stringAttr(keys.partitionKey),
      sortKey: keys.sortKey !== undefined ? stringAttr(keys.sortKey) : undefined,
      billing: plan.table.billing,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: plan.table.pointInTimeRecovery },
      deletionProtection: plan.table.deletionProtection,
      removalPolicy: plan.table.removalPolicy,
      encryption: plan.table.encryption,
      timeToLiveAttribute: plan.table.timeToLiveAttribute,
      dynamoStream: plan.table.stream,
      globalSecondaryIndexes: keys.indexes.map((ix) => ({
        indexName: ix.indexName,
        partitionKey: stringAttr(ix.partitionKey),
        sortKey: ix.sortKey ? stringAttr(ix.sortKey) : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  /** What the handler needs that is known at synth time (shipped beside the built-in handler as a file). */
  private handlerConfig(api: ApiPlan): HandlerConfig {
    const plan = this.plan;
    return {
      version: CONFIG_VERSION,
      resourceName: plan.name,
      idAttribute: plan.idAttribute,
      operations: plan.operations,
      indexes: plan.indexes,
      schema: plan.schema,
      ownerScoping: plan.ownerAttribute !== undefined ? { attribute: plan.ownerAttribute } : undefined,
      basePath: api.domainMapping?.mappingKey,
      defaultPageSize: plan.defaultPageSize,
      maxPageSize: plan.maxPageSize,
      idempotencyTtlSeconds: plan.idempotencyTtlSeconds,
    };
  }

  /** The `CRUD_*` variables of a function; custom code also gets its config in `CRUD_CONFIG`. */
  private functionEnvironment(group: OperationName[], customCodeConfig?: HandlerConfig): { [key: string]: string } {
    const env: { [key: string]: string } = {
      [ENV.TABLE_NAME]: this.table.tableName,
      [ENV.OPERATIONS]: group.join(','),
    };
    if (this.idempotencyTable && group.includes('create')) env[ENV.IDEMPOTENCY_TABLE_NAME] = this.idempotencyTable.tableName;
    if (this.cursorKey && group.includes('list')) env[ENV.CURSOR_SECRET_ARN] = this.cursorKey.secretArn;
    if (customCodeConfig) env[ENV.CONFIG] = JSON.stringify(customCodeConfig);
    return env;
  }

  /** Exactly the actions of the routes `group` serves, on exactly the table, indexes, secret and key they touch. */
  private grantDataActions(role: iam.IRole, group: OperationName[]) {
    const plan = this.plan;
    const tableActions = unique(group.flatMap((op) => (plan.ownerAttribute !== undefined ? OWNER_SCOPED_TABLE_ACTIONS : TABLE_ACTIONS)[op]));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: tableActions, resources: [this.table.tableArn] }));
    const indexActions = unique(group.flatMap((op) => INDEX_ACTIONS[op] ?? []));
    if (indexActions.length > 0 && plan.keySchema.indexes.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: indexActions,
        resources: plan.keySchema.indexes.map((ix) => `${this.table.tableArn}/index/${ix.indexName}`),
      }));
    }
    if (this.idempotencyTable && group.includes('create')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: IDEMPOTENCY_ACTIONS, resources: [this.idempotencyTable.tableArn] }));
    }
    const key = this.table.encryptionKey;
    if (key) {
      // Customer-managed key: the data plane calls decrypt (reads) and generate-data-key/encrypt (writes).
      const writes = group.some((op) => op === 'create' || op === 'update' || op === 'delete');
      key.grant(role, ...(writes ? TABLE_KEY_WRITE_ACTIONS : TABLE_KEY_READ_ACTIONS));
    }
    const idempotencyKey = this.idempotencyTable?.encryptionKey;
    if (idempotencyKey && this.plan.table.existing && group.includes('create')) {
      // With an existing items table the grant above covers that table's key only; the idempotency table's key
      // (encryptionKey) needs the same write actions.
      idempotencyKey.grant(role, ...TABLE_KEY_WRITE_ACTIONS);
    }
    if (this.cursorKey && group.includes('list')) {
      // Exactly the read of the secret's value (AWSCURRENT and AWSPREVIOUS), on this secret only.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: CURSOR_KEY_ACTIONS, resources: [this.cursorKey.secretArn] }));
    }
  }

  /** The routes of each enabled operation, one integration per invoked target shared by all of its routes. */
  private addRoutes(props: CrudResourceProps) {
    const auth = props.api.authorization;
    const integrations = new Map<OperationFunction, HttpLambdaIntegration>();
    for (const op of this.plan.operations) {
      const fn = this.functionByOperation[op];
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn.invokeTarget, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(fn, integration);
      }
      // The shared route table (src/shared/routes.ts): the handler dispatches and the runner serves by the same one.
      for (const route of routesOf(op)) {
        const path = routePath(this.plan.name, route.target);
        const method = route.method as apigwv2.HttpMethod;
        props.httpApi.addRoutes({ path, methods: [method], integration, authorizer: auth.authorizer, authorizationScopes: auth.scopes });
        // `{id}` is a path variable; the execute-api ARN matches any id.
        const arnPath = route.target === 'item' ? `/${this.plan.name}/*` : path;
        const executeApiArn = props.httpApi.arnForExecuteApi(method, arnPath, props.stageName);
        this.routes.push({ method, path, operation: op, function: fn, executeApiArn });
      }
    }
  }
}

/** `CreateFunction` … `DeleteFunction`; one function serving several operations is the `CrudFunction`. */
function functionId(group: OperationName[], groups: number): string {
  if (groups === 1 && group.length > 1) return 'CrudFunction';
  return `${group[0].charAt(0).toUpperCase()}${group[0].slice(1)}Function`;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
