/**
 * CORS defaults for a browser app: the synthesized API and the local runner's manifest get the same settings.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { synth } from './util';
import { LOCAL_MANIFEST_METADATA_TYPE, LocalManifest } from '../../src/shared/local-manifest';

const ALLOW = ['content-type', 'authorization', 'if-match', 'if-none-match', 'idempotency-key'];
const EXPOSE = ['etag', 'location', 'retry-after', 'idempotent-replayed'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function localCors(s: ReturnType<typeof synth>) {
  const entry = s.api.node.metadata.find((m) => m.type === LOCAL_MANIFEST_METADATA_TYPE);
  return (s.stack.resolve(entry!.data) as LocalManifest).cors;
}

describe('cors', () => {
  test('only origins given: the headers and methods this API uses are allowed, and ETag & co. exposed', () => {
    const s = synth({ cors: { allowOrigins: ['https://app.example.com'] } });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com'],
        AllowHeaders: ALLOW,
        ExposeHeaders: EXPOSE,
        AllowMethods: METHODS,
      },
    });
    expect(localCors(s)).toEqual({ allowOrigins: ['https://app.example.com'], allowHeaders: ALLOW, exposeHeaders: EXPOSE, allowMethods: METHODS });
  });

  test('lists given explicitly, even empty ones, are kept as they are', () => {
    const s = synth({
      cors: { allowOrigins: ['*'], allowHeaders: ['x-custom'], exposeHeaders: [], allowMethods: [CorsHttpMethod.GET] },
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowHeaders: ['x-custom'], AllowMethods: ['GET'], ExposeHeaders: [] },
    });
    expect(localCors(s)).toMatchObject({ allowHeaders: ['x-custom'], exposeHeaders: [], allowMethods: ['GET'] });
  });

  test('no cors: no CorsConfiguration and none for the runner', () => {
    const s = synth();
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
    expect(localCors(s)).toBeUndefined();
  });
});
