import { CfnResource, Stack, Token } from 'aws-cdk-lib';

/*
 * How long a CloudFormation value can be once deployed. A template holds deploy-time values (`{ Ref }`, `Fn::GetAtt`,
 * `Fn::Join` …) whose length is known only to CloudFormation; the limits CloudFormation, Lambda and IAM enforce at
 * deploy time count the resolved strings. So the checks of src/construct/deploy-limits.ts measure each value at the longest it
 * can resolve to: a physical name CloudFormation generates is `<stack name>-<logical id>-<13 characters>`, capped at
 * the resource type's maximum; a pseudo parameter the stack does not pin is as long as its longest value.
 */

/** The longest values of the pseudo parameters a stack does not pin (partition `aws-us-gov`, region `us-isof-south-1`). */
const LONGEST = { partition: 10, region: 15, account: 12, urlSuffix: 16, uuid: 36, streamLabel: 23, generatedSuffix: 13 } as const;

/** Most characters of a name CloudFormation generates, by resource type (the service's own limit). */
const NAME_LIMITS: { [type: string]: number } = {
  'AWS::Lambda::Function': 64,
  'AWS::IAM::Role': 64,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::Logs::LogGroup': 512,
  'AWS::SecretsManager::Secret': 512,
  'AWS::SNS::Topic': 256,
  'AWS::SQS::Queue': 80,
};
const DEFAULT_NAME_LIMIT = 255;

/** A resource of the stack as its template has it. */
interface TemplateResource {
  readonly type: string;
  /** Its properties, resolved (rendered on first use: most lookups need the type only). */
  readonly properties: { [key: string]: unknown };
}

/** Upper bounds on the lengths of one stack's template values once deployed. */
export class ResolvedLengths {
  private index?: Map<string, TemplateResource>;
  private indexedSize = 0;

  constructor(private readonly stack: Stack) {}

  /** The value with every deploy-time part replaced by as many `x` as it can resolve to (for JSON sizes). */
  public render(value: unknown): unknown {
    const resolved = this.stack.resolve(value);
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') {
        if (isIntrinsic(v)) return 'x'.repeat(this.longest(v));
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      }
      return v;
    };
    return walk(resolved);
  }

  /** The most characters a (resolved or unresolved) value can have once deployed. */
  public longest(value: unknown): number {
    const v = Token.isUnresolved(value) || (value && typeof value === 'object' && !isIntrinsic(value)) ? this.stack.resolve(value) : value;
    if (typeof v === 'string') return v.length;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v).length;
    if (!v || typeof v !== 'object') return 0;
    const o = v as { [key: string]: any };
    if (typeof o.Ref === 'string') return this.ref(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) return this.getAtt(o['Fn::GetAtt'][0], o['Fn::GetAtt'][1]);
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.reduce((n: number, p) => n + this.longest(p), 0) + sep.length * Math.max(0, parts.length - 1);
    }
    if (o['Fn::If']) return Math.max(this.longest(o['Fn::If'][1]), this.longest(o['Fn::If'][2]));
    if (o['Fn::Sub'] !== undefined) {
      const template: string = Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'][0] : o['Fn::Sub'];
      const vars: { [k: string]: unknown } = Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'][1] ?? {} : {};
      return template.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        const [target, attribute] = name.split('.');
        const n = name in vars ? this.longest(vars[name]) : attribute ? this.getAtt(target, attribute) : this.ref(target);
        return 'x'.repeat(n);
      }).length;
    }
    // Fn::ImportValue, Fn::Select, Fn::GetAZs …: not bounded by this stack; counted as the name of the longest table.
    return DEFAULT_NAME_LIMIT;
  }

  private get region(): number {
    return Token.isUnresolved(this.stack.region) ? LONGEST.region : this.stack.region.length;
  }

  private get account(): number {
    return Token.isUnresolved(this.stack.account) ? LONGEST.account : this.stack.account.length;
  }

  private get partition(): number {
    return Token.isUnresolved(this.stack.partition) ? LONGEST.partition : this.stack.partition.length;
  }

  /** `arn:<partition>:<service>:<region>:<account>:` plus `rest` characters. */
  private arn(service: string, rest: number, regional = true): number {
    return 'arn:'.length + this.partition + 1 + service.length + 1 + (regional ? this.region : 0) + 1 + this.account + 1 + rest;
  }

  private ref(name: string): number {
    switch (name) {
      case 'AWS::Region': return this.region;
      case 'AWS::AccountId': return this.account;
      case 'AWS::Partition': return this.partition;
      case 'AWS::URLSuffix': return LONGEST.urlSuffix;
      case 'AWS::StackName': return this.stackNameLength();
      case 'AWS::StackId': return this.arn('cloudformation', 'stack/'.length + this.stackNameLength() + 1 + LONGEST.uuid);
      case 'AWS::NoValue': return 0;
    }
    const r = this.resource(name);
    if (!r) return DEFAULT_NAME_LIMIT;
    switch (r.type) {
      case 'AWS::SecretsManager::Secret': return this.arn('secretsmanager', 'secret:'.length + this.name(name, r, 'Name') + '-XXXXXX'.length);
      case 'AWS::KMS::Key': return LONGEST.uuid;
      case 'AWS::SNS::Topic': return this.arn('sns', this.name(name, r, 'TopicName'));
      case 'AWS::SQS::Queue': return 'https://sqs.'.length + this.region + 1 + LONGEST.urlSuffix + 1 + this.account + 1 + this.name(name, r, 'QueueName');
      case 'AWS::ApiGatewayV2::Api': return 10;
      default: return this.name(name, r, NAME_PROPERTY[r.type] ?? '');
    }
  }

  private getAtt(logicalId: string, attribute: string): number {
    const r = this.resource(logicalId);
    if (!r) return DEFAULT_NAME_LIMIT;
    const service = r.type.split('::')[1]?.toLowerCase() ?? 'x';
    switch (`${r.type}.${attribute}`) {
      case 'AWS::DynamoDB::GlobalTable.Arn':
      case 'AWS::DynamoDB::Table.Arn': return this.arn('dynamodb', 'table/'.length + this.name(logicalId, r, 'TableName'));
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
      case 'AWS::DynamoDB::Table.StreamArn': return this.getAtt(logicalId, 'Arn') + '/stream/'.length + LONGEST.streamLabel;
      case 'AWS::Lambda::Function.Arn': return this.arn('lambda', 'function:'.length + this.name(logicalId, r, 'FunctionName'));
      case 'AWS::IAM::Role.Arn': return this.arn('iam', 'role/'.length + this.longest(r.properties.Path ?? '') + this.name(logicalId, r, 'RoleName'), false);
      case 'AWS::Logs::LogGroup.Arn': return this.arn('logs', 'log-group:'.length + this.name(logicalId, r, 'LogGroupName') + ':*'.length);
      case 'AWS::KMS::Key.Arn': return this.arn('kms', 'key/'.length + LONGEST.uuid);
      case 'AWS::SQS::Queue.Arn': return this.arn('sqs', this.name(logicalId, r, 'QueueName'));
    }
    if (attribute === 'Arn') return this.arn(service, this.name(logicalId, r, NAME_PROPERTY[r.type] ?? ''));
    return DEFAULT_NAME_LIMIT;
  }

  /** The resource's physical name: the one its template sets, or the longest CloudFormation generates. */
  private name(logicalId: string, r: TemplateResource, property: string): number {
    const given = property ? r.properties[property] : undefined;
    if (given !== undefined) return this.longest(given);
    const generated = this.stackNameLength() + 1 + logicalId.length + 1 + LONGEST.generatedSuffix;
    return Math.min(generated, NAME_LIMITS[r.type] ?? DEFAULT_NAME_LIMIT);
  }

  private stackNameLength(): number {
    // A stack name is at most 128 characters.
    return Token.isUnresolved(this.stack.stackName) ? 128 : this.stack.stackName.length;
  }

  private resource(logicalId: string): TemplateResource | undefined {
    // Resources are added while the construct is built: look again when the stack has grown since the last look.
    const size = this.stack.node.findAll().length;
    if (!this.index || (!this.index.has(logicalId) && size !== this.indexedSize)) {
      this.index = indexResources(this.stack);
      this.indexedSize = size;
    }
    return this.index.get(logicalId);
  }
}

/** The property that names a resource, by type (where a Ref returns that name). */
const NAME_PROPERTY: { [type: string]: string } = {
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

function isIntrinsic(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** Every CloudFormation resource of the stack by logical id. */
function indexResources(stack: Stack): Map<string, TemplateResource> {
  const out = new Map<string, TemplateResource>();
  for (const c of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack) continue;
    const logicalId = stack.resolve(c.logicalId) as string;
    let properties: { [key: string]: unknown } | undefined;
    out.set(logicalId, {
      type: c.cfnResourceType,
      get properties() {
        properties ??= stack.resolve((c as any)._toCloudFormation()?.Resources?.[logicalId]?.Properties ?? {});
        return properties!;
      },
    });
  }
  return out;
}
