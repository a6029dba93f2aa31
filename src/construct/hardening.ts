import { Annotations, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MANAGED_POLICY_LIMIT_CHARS, policySize } from './deploy-limits';
import { ResolvedLengths } from './resolved-lengths';

/*
 * What `encryptionKey` and `hardened` add on top of the default (README "Hardened deployment"). The construct calls
 * these from single-line hooks so that the hardened path lives in one place.
 */

/** Props of a {@link FunctionRole}. */
export interface FunctionRoleProps extends iam.RoleProps {
  /** Put the role's statements in a customer-managed policy attached to it instead of an inline policy. */
  readonly managedPolicy: boolean;
}

/**
 * A function's role. With `managedPolicy`, every statement added to it (by the construct, by grants, by
 * `lambda.Function` for X-Ray) goes, unchanged, into customer-managed policies (`AWS::IAM::ManagedPolicy`) attached to
 * this role only, instead of the inline `DefaultPolicy`: the strict packs (IAMNoInlinePolicy) reject inline policies.
 * Routing at add time keeps the statements identical and independent of the order in which they are added.
 *
 * IAM refuses a managed policy over 6,144 characters at deploy time, and one function of a large API holds more (20
 * resources with two indexes each in HandlerMode.SINGLE: about 15,000). So statements fill `Policy`, then `Policy2`,
 * `Policy3` …, each up to the limit, measured as deployed (src/construct/resolved-lengths.ts); src/construct/deploy-limits.ts checks the
 * result again at synth, after any statement was changed.
 */
export class FunctionRole extends iam.Role {
  private readonly policies: { policy: iam.ManagedPolicy; size: number }[] = [];
  private readonly managed: boolean;
  private readonly policyDescription?: string;
  private lengths?: ResolvedLengths;

  constructor(scope: Construct, id: string, props: FunctionRoleProps) {
    const { managedPolicy, ...roleProps } = props;
    super(scope, id, roleProps);
    this.managed = managedPolicy;
    this.policyDescription = roleProps.description?.slice(0, 1000);
    // The first one exists from the start, so that a role with no statement yet still has its policy (and its id).
    if (managedPolicy) this.addManagedPolicyPart();
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.managed) return super.addToPrincipalPolicy(statement);
    this.lengths ??= new ResolvedLengths(Stack.of(this));
    // +1: the comma between statements.
    const size = policySize(this.lengths, statement.toStatementJson()) + 1;
    let part = this.policies[this.policies.length - 1];
    if (part.size > 0 && part.size + size > MANAGED_POLICY_LIMIT_CHARS - EMPTY_POLICY_DOCUMENT_CHARS) part = this.addManagedPolicyPart();
    part.policy.addStatements(statement);
    part.size += size;
    return { statementAdded: true, policyDependable: part.policy };
  }

  /** The next managed policy: `Policy`, `Policy2`, `Policy3` … — children of the role, so acknowledgements cover them. */
  private addManagedPolicyPart(): { policy: iam.ManagedPolicy; size: number } {
    const n = this.policies.length + 1;
    const policy = new iam.ManagedPolicy(this, n === 1 ? 'Policy' : `Policy${n}`, {
      description: n === 1 ? this.policyDescription : this.policyDescription?.slice(0, 990)?.concat(` (part ${n})`),
      roles: [this],
    });
    const part = { policy, size: 0 };
    this.policies.push(part);
    return part;
  }
}

/** `{"Version":"2012-10-17","Statement":[]}`: what a policy document holds besides its statements. */
const EMPTY_POLICY_DOCUMENT_CHARS = 39;

/** KMS actions CloudWatch Logs performs on a log group's key (named: no wildcards in our policies). */
export const LOGS_KEY_ACTIONS = [
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey',
];

/** What {@link applyHardening} works on: the parts of the construct already built. */
export interface HardeningTargets {
  /** The customer-managed key of everything stored (`encryptionKey`). */
  readonly encryptionKey?: kms.IKey;
  readonly hardened: boolean;
  /** Where the construct's secrets are (the list cursor key), with the functions that read them. */
  readonly secrets: { readonly scope: Construct; readonly readers: lambda.Function[] }[];
}

/**
 * The hardening steps that need the finished construct:
 * - the key policy lets CloudWatch Logs use `encryptionKey` (log groups of this account and region only);
 * - every secret the construct creates (the list cursor key) is encrypted with the key, which the functions that
 *   list may then use through Secrets Manager only;
 * - with `hardened`, the key policy denies kms:CreateGrant except to AWS services on behalf of AWS resources (Control
 *   Tower CT.KMS.PR.3; DynamoDB's grants for the tables are of that kind), and each acknowledgement the construct
 *   makes for AwsSolutions or Serverless is repeated, with the same reason, for the strict packs' equivalent rules.
 */
export function applyHardening(scope: Construct, t: HardeningTargets): void {
  const key = t.encryptionKey;
  if (key) {
    allowCloudWatchLogs(scope, key);
    for (const r of t.secrets) encryptSecrets(r.scope, key, r.readers);
  }
  if (t.hardened && key) {
    key.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
  }
  if (t.hardened) {
    acknowledgeStrictPackEquivalents(scope);
  }
}

/** The strict packs' rules that check what an AwsSolutions or Serverless rule checks. */
const STRICT_PACK_EQUIVALENTS: { [rule: string]: string[] } = {
  'Serverless-LambdaDLQ': ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
  'AwsSolutions-SMG4': ['NIST.800.53.R5-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerRotationEnabled'],
  'AwsSolutions-S1': ['NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled'],
};

/** Repeats each acknowledgement under `scope` for the strict packs' equivalent rules, on the same construct. */
function acknowledgeStrictPackEquivalents(scope: Construct) {
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
      for (const [qualifiedId, reason] of Object.entries(entry.data as { [id: string]: string })) {
        // aws-cdk-lib records plain rule ids with an 'annotation::' prefix.
        const equivalents = STRICT_PACK_EQUIVALENTS[qualifiedId.replace(/^annotation::/i, '')] ?? [];
        if (equivalents.length > 0) Validations.of(c).acknowledge(...equivalents.map((id) => ({ id, reason })));
      }
    }
  }
}

/**
 * Encrypts each secret created under `scope` with the key (the strict packs' SecretsManagerUsingKMSKey) unless it has
 * a key already, and lets the reader decrypt with the key through Secrets Manager only (its role reads the secret's
 * value; the AWS-managed key needed no grant, a customer-managed one does).
 */
function encryptSecrets(scope: Construct, key: kms.IKey, readers: lambda.Function[]) {
  const secrets = scope.node.findAll().filter((c): c is secretsmanager.Secret => c instanceof secretsmanager.Secret);
  for (const secret of secrets) {
    if (!secret.encryptionKey) {
      (secret.node.defaultChild as secretsmanager.CfnSecret).kmsKeyId = key.keyArn;
    } else if (secret.encryptionKey !== key) {
      continue;
    }
    for (const reader of readers) {
      const stack = Stack.of(scope);
      reader.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
      }));
    }
  }
}

/**
 * CloudWatch Logs encrypts a log group with a customer key only if the key policy allows the regional Logs service
 * principal. The encryption context names the log group; its ARN is not known before the group exists (and naming it
 * would be a cycle: the group needs the key), so the condition allows this account's log groups in this region.
 */
function allowCloudWatchLogs(scope: Construct, key: kms.IKey) {
  const stack = Stack.of(scope);
  const { statementAdded } = key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
    actions: LOGS_KEY_ACTIONS,
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  }));
  if (!statementAdded) {
    Annotations.of(scope).addWarningV2('cdk-serverless-crud-api:encryptionKeyPolicy',
      "'encryptionKey' is imported, so its key policy cannot be changed here: it must allow the service principal " +
      `logs.<region>.amazonaws.com ${LOGS_KEY_ACTIONS.join(', ')} or the log groups fail to deploy`);
  }
}
