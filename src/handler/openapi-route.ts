/**
 * `GET /openapi.json` (opt-in, `openApiRoute`): the API's OpenAPI document from the config, with this API's own
 * location as its first server, so that a client that fetched the document can call the API it describes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpResponse, jsonResponse } from './http';
import { OPENAPI_ROUTE_PATH } from '../shared/routes';

/** The route as logged and as API Gateway names it. */
export const OPENAPI_ROUTE = `GET ${OPENAPI_ROUTE_PATH}`;

/** Whether the request is for the document: its route key, or (catch-all routes) its path under the mapping key. */
export function isOpenApiRequest(event: APIGatewayProxyEventV2, basePath: string | undefined): boolean {
  if (event.routeKey === OPENAPI_ROUTE) return true;
  if (event.routeKey !== undefined && event.routeKey !== '$default') return false;
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  return method === 'GET' && serverPrefix(event, basePath) + OPENAPI_ROUTE_PATH === (event.rawPath ?? '');
}

/** The document, with the server this request came through first (a relative URL: the mapping key or the stage). */
export function openApiResponse(document: Record<string, unknown>, event: APIGatewayProxyEventV2, basePath: string | undefined): HttpResponse {
  const here = { url: serverPrefix(event, basePath) || '/', description: 'This API, where this document was served from' };
  const servers = Array.isArray(document.servers) ? document.servers : [];
  return jsonResponse(200, { ...document, servers: [here, ...servers] });
}

/** `/<mapping key>` through the custom domain, `/<stage>` on a named stage, else empty (as `Location` headers do). */
function serverPrefix(event: APIGatewayProxyEventV2, basePath: string | undefined): string {
  const rawPath = event.rawPath ?? '';
  const stage = event.requestContext?.stage;
  if (basePath !== undefined && (rawPath === `/${basePath}` || rawPath.startsWith(`/${basePath}/`))) return `/${basePath}`;
  if (stage && stage !== '$default' && rawPath.startsWith(`/${stage}/`)) return `/${stage}`;
  return '';
}
