/** `GET /items/{id}`. */
import { parseFields, pick } from './fields';
import { HttpError, emptyResponse, HttpResponse, jsonResponse } from './http';
import { presentItem, tagOf } from './item';
import { notFound, preconditionFailed } from './item-errors';
import { preconditions } from './item-writes';
import { etagOf, evaluate } from './preconditions';
import { OperationRequest, Services } from './services';
import { HIDDEN_ATTRIBUTES, MANAGED_ATTRIBUTES } from '../shared/config';
import { PROBLEMS } from '../shared/problems';

/**
 * `GET /items/{id}`, optionally `?fields=a,b` (a sparse fieldset: a ProjectionExpression). A partial representation
 * carries a weak ETag (`W/"…"`): the same version and generation as the whole item's, so `If-None-Match` (weak
 * comparison) still answers 304 with either tag, while `If-Match` (strong comparison) never accepts it.
 */
export async function readItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  const fields = parseFields(fieldsParameter(req), s.config, s.model, [s.config.idAttribute, ...req.ancestors.map((a) => a.parameter)],
    [MANAGED_ATTRIBUTES.VERSION, HIDDEN_ATTRIBUTES.GENERATION]);
  const item = await s.store.get(id, req.scope, fields?.fetch);
  if (!item) throw notFound(id);
  const tag = tagOf(item);
  const etag = fields ? `W/${etagOf(tag)}` : etagOf(tag);
  const outcome = evaluate(pre, tag);
  if (outcome === 'not-modified') return emptyResponse(304, { etag });
  if (outcome === 'precondition-failed') throw preconditionFailed();
  return jsonResponse(200, pick(presentItem(s.model, item), fields), { etag });
}

/** The `fields` query parameter of a read (other parameters are ignored, as they always were); 400 when repeated. */
function fieldsParameter(req: OperationRequest): string | undefined {
  const raw = req.event.rawQueryString;
  if (raw === undefined || raw === '') return req.event.queryStringParameters?.fields;
  const values = new URLSearchParams(raw).getAll('fields');
  if (values.length > 1) throw new HttpError(PROBLEMS.INVALID_QUERY, "Query parameter 'fields' is repeated.");
  return values[0];
}
