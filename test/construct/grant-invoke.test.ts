import * as iam from 'aws-cdk-lib/aws-iam';
import { nagFindings, synth } from './util';

/*
 * grantInvoke on a caller's role in the same stack: an item route's execute-api ARN ends in `*` (the id), which
 * AwsSolutions-IAM5 flags on the caller's policy by its exact ARN. The grant acknowledges exactly those.
 */
describe('grantInvoke leaves the caller\'s role clean under AwsSolutions and Serverless', () => {
  const build = () => synth({ resources: [{ name: 'products' }, { name: 'customers' }] });

  test('a resource\'s routes and the whole API: no finding on the caller (before: 4 × AwsSolutions-IAM5 per grant)', () => {
    const s = build();
    const admin = new iam.Role(s.stack, 'AdminRole', { assumedBy: new iam.AccountRootPrincipal() });
    const frontend = new iam.Role(s.stack, 'FrontendRole', { assumedBy: new iam.AccountRootPrincipal() });
    s.api.resource('customers').grantInvoke(admin);
    s.api.grantInvoke(frontend);
    expect(nagFindings(s)).toEqual([]);
  });

  test('only the ARNs the grant wrote are acknowledged: another wildcard on the same role is still reported', () => {
    const s = build();
    const admin = new iam.Role(s.stack, 'AdminRole', { assumedBy: new iam.AccountRootPrincipal() });
    s.api.resource('customers').grantInvoke(admin);
    admin.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    expect(nagFindings(s)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*] @ TestStack/AdminRole/DefaultPolicy/Resource']);
  });
});
