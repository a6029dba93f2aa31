import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** What a caller of the API's routes needs (ApiAuthorization.iam()). */
export const INVOKE_ACTIONS = ['execute-api:Invoke'];

/**
 * Grants `execute-api:Invoke` on exactly these route ARNs.
 *
 * An item route's ARN ends in `*` where its path has a variable (`/$default/GET/orders/*`): the id is not known before a
 * request names it. cdk-nag's AwsSolutions-IAM5 flags each such `*` on the caller's policy, each under its own id that
 * spells the ARN (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:…/GET/orders/*]`). The grant
 * acknowledges exactly those ids, with the reason, on the grantee: another wildcard the caller has is still reported.
 * `Validations.acknowledge` refuses an id holding a second `::` (as `<AWS::Partition>` does), so the acknowledgement
 * is written as the same metadata entry it writes, which cdk-nag reads.
 */
export function grantRouteInvoke(grantee: iam.IGrantable, routeArns: string[]): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: INVOKE_ACTIONS, resourceArns: routeArns });
  const principal = grantee.grantPrincipal as Partial<IConstruct>;
  if (!grant.success || !principal.node) return grant;
  const stack = Stack.of(principal as IConstruct);
  const ids = [...new Set(routeArns.map((arn) => flattenReference(stack.resolve(arn))).filter((arn) => arn.includes('*')))];
  if (ids.length > 0) {
    const reason = 'execute-api:Invoke on routes of a cdk-serverless-crud-api API (its grantInvoke): the `*` stands for the id in an ' +
      'item route\'s path, which is not known before a request names it';
    principal.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, Object.fromEntries(ids.map((arn) => [`AwsSolutions-IAM5[Resource::${arn}]`, reason])));
  }
  return grant;
}

/** A resolved CloudFormation value as cdk-nag spells it in a finding id: `Ref` → `<Id>`, `GetAtt` → `<Id.Attr>`, joins joined. */
function flattenReference(value: unknown): string {
  if (typeof value === 'string') return Token.isUnresolved(value) ? value : value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const v = value as { [key: string]: any };
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flattenReference).join(v['Fn::Join'][0]);
    if (v['Fn::Sub']) return flattenReference(v['Fn::Sub']);
    if (v['Fn::GetAtt']) return `<${flattenReference(v['Fn::GetAtt'][0])}.${flattenReference(v['Fn::GetAtt'][1])}>`;
    if (v['Fn::ImportValue']) return flattenReference(v['Fn::ImportValue']);
    if (v.Ref) return `<${flattenReference(v.Ref)}>`;
  }
  return JSON.stringify(value);
}
