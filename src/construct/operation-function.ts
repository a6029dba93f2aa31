import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FunctionRole } from './hardening';
import { LOG_GROUP_ACTIONS, VPC_NETWORK_INTERFACE_ACTIONS } from './iam-actions';
import type { LambdaPlan } from './plan';
import type { OperationName } from '../shared/config';

/** Props of an {@link OperationFunction}. */
export interface OperationFunctionProps {
  /** The operations this function serves, over all its resources (one in per-operation mode). */
  readonly operations: OperationName[];
  /** What it serves, for descriptions: `create`, or `orders:create, orders:read` in an API with `resources`. */
  readonly label: string;
  /** Lambda settings (resolved). */
  readonly lambda: LambdaPlan;
  /** The code: the built-in bundle with its config file, or the user's. */
  readonly code: lambda.Code;
  /** The `CRUD_*` variables (added after the user's own). */
  readonly environment: { [key: string]: string };
  /** Put the role's statements in a customer-managed policy (`hardened`). */
  readonly managedPolicy: boolean;
  /** Key of the log group, if any. */
  readonly encryptionKey?: kms.IKey;
  /** Whose function this is, for descriptions: the path of the API construct. */
  readonly ownerPath: string;
}

/**
 * One CRUD function with what it owns: its log group (`LogGroup`), its role (`Role`), the function (`Resource`) and,
 * with provisioned concurrency, the `live` alias (`LiveAlias`) that API Gateway invokes. The role starts with the
 * log statement only; the resource grants the data actions of the routes the function serves.
 */
export class OperationFunction extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its role. */
  public readonly role: iam.Role;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** What API Gateway invokes: the `live` alias with provisioned concurrency, else the function. */
  public readonly invokeTarget: lambda.IFunction;
  /** The operations it serves (over all its resources). */
  public readonly operations: OperationName[];
  /** The Lambda settings it was built with. */
  public readonly lambdaPlan: LambdaPlan;

  constructor(scope: Construct, id: string, props: OperationFunctionProps) {
    super(scope, id);
    const plan = props.lambda;
    this.operations = props.operations;
    this.lambdaPlan = plan;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: plan.logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.role = new FunctionRole(this, 'Role', {
      managedPolicy: props.managedPolicy,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.ownerPath} ${props.label} handler: DynamoDB actions of its routes only`.slice(0, 1000),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: LOG_GROUP_ACTIONS, resources: [this.logGroup.logGroupArn] }));

    this.function = new lambda.Function(this, 'Resource', {
      // Lambda caps descriptions at 256 characters; a deep construct path must not break the deploy.
      description: `${props.label} — ${props.ownerPath} (cdk-serverless-crud-api)`.slice(0, 256),
      runtime: plan.runtime,
      architecture: plan.architecture,
      code: props.code,
      handler: plan.handler,
      memorySize: plan.memorySize,
      timeout: plan.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: plan.logLevel,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: plan.tracing,
      reservedConcurrentExecutions: plan.reservedConcurrency,
      environment: { ...plan.environment, ...props.environment },
      layers: plan.layers,
      vpc: plan.vpc,
      vpcSubnets: plan.vpcSubnets,
      securityGroups: plan.securityGroups,
    });
    if (plan.vpc) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: VPC_NETWORK_INTERFACE_ACTIONS, resources: ['*'] }));
    }
    this.acknowledgeWildcards(plan);
    // Invoked synchronously by API Gateway only: the caller gets the error; there is no async event to keep.
    Validations.of(this.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason: 'Invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.' });

    this.invokeTarget = plan.provisionedConcurrency === undefined ? this.function : new lambda.Alias(this, 'LiveAlias', {
      aliasName: 'live',
      version: this.function.currentVersion,
      provisionedConcurrentExecutions: plan.provisionedConcurrency,
    });
  }

  /** The only `*` resources: X-Ray (when tracing) and VPC ENI management (when in a VPC), both imposed by AWS. */
  private acknowledgeWildcards(plan: LambdaPlan) {
    const reasons: string[] = [];
    if (plan.tracing !== lambda.Tracing.DISABLED) reasons.push('xray:PutTraceSegments/PutTelemetryRecords do not support resource-level permissions');
    if (plan.vpc) reasons.push('EC2 network-interface actions Lambda needs in a VPC do not support resource-level permissions');
    if (reasons.length > 0) {
      Validations.of(this.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: reasons.join('; ') });
    }
  }
}
