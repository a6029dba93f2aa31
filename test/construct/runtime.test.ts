import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { packFindings } from './compliance';
import { synth, unlistedRuntime, withKnownRuntime } from './util';
import { HandlerMode } from '../../src';

/*
 * The functions' runtime follows the app's aws-cdk-lib (src/construct/lambda-runtime.ts). Our devDependency is the peer floor,
 * which knows nodejs24.x at most; a user's newer aws-cdk-lib knows more (2.278: nodejs26.x), and cdk-nag compares
 * with the newest one it knows. `withKnownRuntime` makes this aws-cdk-lib know one more, as a newer one would.
 */
const runtimes = (t: Template) => [...new Set(Object.values(t.findResources('AWS::Lambda::Function')).map((r) => r.Properties.Runtime))];

describe('runtime', () => {
  test('the default is the newest Node.js runtime the app\'s aws-cdk-lib knows: nodejs24.x on the floor', () => {
    expect(runtimes(synth().template)).toEqual(['nodejs24.x']);
  });

  test('with an aws-cdk-lib that knows nodejs26.x, every function runs on it and AwsSolutions + Serverless stay clean', () => {
    withKnownRuntime('nodejs26.x', () => {
      const s = synth();
      expect(runtimes(s.template)).toEqual(['nodejs26.x']);
      // Before: 5 × AwsSolutions-L1 and 5 × Serverless-LambdaLatestVersion on the one-liner.
      expect(packFindings(s.stack, ['AwsSolutions', 'Serverless'])).toEqual([]);
    });
  });

  test('a runtime whose version moves with the CDK release (NODEJS_LATEST-like) is never the default', () => {
    const variable = new lambda.Runtime('nodejs28.x', lambda.RuntimeFamily.NODEJS, { isVariable: true });
    try {
      expect(runtimes(synth().template)).toEqual(['nodejs24.x']);
    } finally {
      lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(variable), 1);
    }
  });

  test('`runtime` pins every function of the API; a resource overrides it for its own functions', () => {
    withKnownRuntime('nodejs26.x', () => {
      expect(runtimes(synth({ runtime: lambda.Runtime.NODEJS_24_X }).template)).toEqual(['nodejs24.x']);
      const s = synth({
        handlerMode: HandlerMode.PER_RESOURCE,
        runtime: lambda.Runtime.NODEJS_24_X,
        resources: [{ name: 'a' }, { name: 'b', runtime: unlistedRuntime('nodejs26.x') }],
      });
      const runtimeOf = (f: lambda.IFunction) => (f.node.defaultChild as lambda.CfnFunction).runtime;
      const byResource = Object.fromEntries(s.api.resources.map((r) => [r.resourceName, r.handlerFunctions.map(runtimeOf)]));
      expect(byResource).toEqual({ a: ['nodejs24.x'], b: ['nodejs26.x'] });
    });
  });
});
