/**
 * The operations of the OpenAPI document (openapi.ts): one per CRUD route of a resource, and `GET /openapi.json`.
 */
import type { ResourceConfig } from './config';
import type { ContractAuthorization } from './openapi';
import { requestParameters } from './openapi-parameters';
import { gatewayResponseObjects, Relations, responses } from './openapi-responses';
import type { Json, SchemaNames } from './openapi-schemas';
import type { RouteSpec } from './routes';

const SUMMARY: Record<string, string> = {
  'GET collection': 'List items, a page at a time',
  'POST collection': 'Create an item',
  'GET item': 'Read an item',
  'PUT item': 'Create or replace an item',
  'PATCH item': 'Update an item (JSON merge patch, RFC 7396)',
  'DELETE item': 'Delete an item',
};

export function operationObject(
  r: ResourceConfig, route: RouteSpec, names: SchemaNames, auth: ContractAuthorization, security: Json[], rel: Relations,
): Json {
  const key = `${route.method} ${route.target}`;
  const op: Json = {
    operationId: `${route.method.toLowerCase()}${names.pascal}${route.target === 'item' ? 'Item' : ''}`,
    tags: [r.name],
    summary: SUMMARY[key],
    security,
  };
  const parameters = requestParameters(r, route);
  if (parameters.length > 0) op.parameters = parameters;
  const body = requestBody(route, names);
  if (body) op.requestBody = body;
  op.responses = responses(r, route, names, auth, rel);
  return op;
}

/** `GET /openapi.json`: this document, behind the API's authorization. */
export function openApiRouteObject(auth: ContractAuthorization, security: Json[]): Json {
  const answers: Json = {
    200: {
      description: 'This document, with the server it was fetched from first',
      content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'info', 'paths'] } } },
    },
  };
  Object.assign(answers, gatewayResponseObjects(auth, 'GET'));
  return { operationId: 'getOpenApiDocument', summary: 'The API\'s OpenAPI document', security, responses: answers };
}

function requestBody(route: RouteSpec, names: SchemaNames): Json | undefined {
  if (route.method === 'GET' || route.method === 'DELETE') return undefined;
  const schema = { $ref: `#/components/schemas/${names.input}` };
  const json = { 'application/json': { schema } };
  if (route.method === 'PATCH') {
    return {
      required: true,
      description: 'A JSON merge patch (RFC 7396): members set to null are removed. The merged item must satisfy the schema.',
      content: { 'application/merge-patch+json': { schema: { type: 'object' } }, 'application/json': { schema: { type: 'object' } } },
    };
  }
  return {
    required: true,
    description: route.method === 'POST'
      ? 'The item. The id is assigned by the server unless the body has one; server-managed attributes must not be sent.'
      : 'The whole item; the id may be repeated (it must equal the path\'s). Server-managed attributes must not be sent.',
    content: json,
  };
}

