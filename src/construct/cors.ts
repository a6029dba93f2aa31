/**
 * CORS for a browser app: the headers this API reads and sends, allowed and exposed unless the user says otherwise.
 * One place for the defaults, used by the synthesized API (CorsConfiguration) and by the local runner's manifest.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';

/** Request headers the API reads: a browser must be allowed to send them. */
export const DEFAULT_CORS_ALLOW_HEADERS: readonly string[] = ['content-type', 'authorization', 'if-match', 'if-none-match', 'idempotency-key'];

/** Response headers a browser app needs to read (optimistic concurrency, created items, back-off, replays). */
export const DEFAULT_CORS_EXPOSE_HEADERS: readonly string[] = ['etag', 'location', 'retry-after', 'idempotent-replayed'];

/** Methods the API's routes take. */
export const DEFAULT_CORS_ALLOW_METHODS: readonly apigwv2.CorsHttpMethod[] = [
  apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.PUT, apigwv2.CorsHttpMethod.PATCH,
  apigwv2.CorsHttpMethod.DELETE,
];

/**
 * The CORS settings to apply: `cors` with `allowHeaders`, `exposeHeaders` and `allowMethods` defaulted to what this
 * API needs when absent (an explicit list, even an empty one, is kept). Undefined when CORS is off.
 */
export function resolveCors(cors: apigwv2.CorsPreflightOptions | undefined): apigwv2.CorsPreflightOptions | undefined {
  if (!cors) return undefined;
  return {
    ...cors,
    allowHeaders: cors.allowHeaders ?? [...DEFAULT_CORS_ALLOW_HEADERS],
    exposeHeaders: cors.exposeHeaders ?? [...DEFAULT_CORS_EXPOSE_HEADERS],
    allowMethods: cors.allowMethods ?? [...DEFAULT_CORS_ALLOW_METHODS],
  };
}
