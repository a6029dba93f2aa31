/**
 * The parameters of the OpenAPI document (openapi.ts): path ids, a listing's query (page, cursor, partitions, ranges,
 * order, fields), conditional and idempotency headers.
 */
import { DEFAULTS, ResourceConfig } from './config';
import { idSchemaOf, Json } from './openapi-schemas';
import { LIST_QUERY_GRAMMAR, listParameters as rangeParameters, MAX_FIELDS, rangeValuePattern } from './range-query';
import { pathParameterOf, RouteSpec } from './routes';

/**
 * The path parameter of a resource's id: the shared `ItemId` for a top-level string `{id}`, else its own (named by its
 * path parameter, typed by its id type).
 */
export function pathParameterObject(r: ResourceConfig): Json {
  const name = pathParameterOf(r);
  if (name === DEFAULTS.pathParameter && (r.idType ?? DEFAULTS.idType) === 'S' && r.parent === undefined) return { $ref: '#/components/parameters/ItemId' };
  return {
    name,
    in: 'path',
    required: true,
    description: `The id of the \`${r.name}\` item (its attribute \`${r.idAttribute}\`)` + ((r.idType ?? DEFAULTS.idType) === 'N'
      ? ': an integer in canonical form (no leading zeros, no sign but a minus, no exponent).'
      : ', percent-encoded once (API Gateway decodes the path before routing, so an id cannot hold `/`).'),
    schema: idSchemaOf(r),
  };
}

export function requestParameters(r: ResourceConfig, route: RouteSpec): Json[] {
  const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
  switch (`${route.method} ${route.target}`) {
    case 'GET collection': return listParameters(r);
    case 'POST collection': return [ref('IdempotencyKey')];
    case 'GET item': return [ref('IfMatch'), ref('IfNoneMatch'), fieldsParameter(r)];
    default: return [ref('IfMatch'), ref('IfNoneMatch')]; // PUT, PATCH, DELETE
  }
}

function listParameters(r: ResourceConfig): Json[] {
  const params: Json[] = [
    {
      name: 'limit',
      in: 'query',
      required: false,
      description: `Items per page (at most ${r.maxPageSize}). A page may hold fewer (DynamoDB's 1 MB reads, a 4 MiB response budget); follow \`nextCursor\` until it is null.`,
      schema: { type: 'integer', minimum: 1, maximum: r.maxPageSize, default: r.defaultPageSize },
    },
    {
      name: 'cursor',
      in: 'query',
      required: false,
      description: 'The `nextCursor` of the previous page: opaque, bound to this listing (its partition, range and order) and caller, valid 24 hours.',
      schema: { type: 'string', minLength: 1 },
    },
  ];
  const scoped = r.ownerScoping !== undefined || r.parent !== undefined;
  for (const p of rangeParameters(r)) {
    if (p.kind === 'partition') {
      const indexes = r.indexes.filter((ix) => p.indexNames.includes(ix.indexName));
      const sorts = indexes.filter((ix) => ix.sortKey !== undefined).map((ix) => `\`${ix.sortKey}\``);
      params.push({
        name: p.name,
        in: 'query',
        required: false,
        description: `List only the items whose \`${p.name}\` equals this (index ${indexes.map((ix) => `\`${ix.indexName}\``).join(', ')}` +
          (sorts.length ? `, in ${sorts.join(' or ')} order` : '') + '). At most one partition parameter per request; the value is taken exactly (no operator).',
        schema: { type: 'string', minLength: 1 },
      });
      continue;
    }
    const where = p.indexNames.length ? `index ${p.indexNames.map((n) => `\`${n}\``).join(', ')}` : 'the table\'s sort key';
    params.push({
      name: p.name,
      in: 'query',
      required: false,
      description: `A range on the sort key \`${p.name}\` (${where}; a ${p.type === 'N' ? 'number' : 'string'}): \`<op>.<value>\` with op ${p.operators!.map((o) => `\`${o}\``).join(', ')}, ` +
        `e.g. \`${p.name}=gte.${p.type === 'N' ? '10' : '2025-01-01'}\`. Give it twice as \`gte\` and \`lte\` for an inclusive range (DynamoDB's BETWEEN). ` +
        (p.requires!.length ? `Needs the partition parameter ${p.requires!.map((x) => `\`${x}\``).join(' or ')}. ` : '') +
        `The items come in \`${p.name}\` order. A key condition, never a filter: a page costs what it returns.\n\n${GRAMMAR_MARKDOWN}`,
      style: 'form',
      explode: true,
      schema: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', pattern: rangeValuePattern(p.type!) } },
    });
  }
  const sorted = r.indexes.filter((ix) => ix.sortKey !== undefined);
  if (scoped || sorted.length > 0) {
    const reads = [
      ...(scoped ? [`the listing of ${r.parent !== undefined ? 'a parent\'s children' : 'the caller\'s items'} (in \`${r.idAttribute}\` order)`] : []),
      ...sorted.map((ix) => `index \`${ix.indexName}\` (\`${ix.sortKey}\` order)`),
    ];
    params.push({
      name: 'order',
      in: 'query',
      required: false,
      description: `Sort-key order of a listing in key order: ${reads.join(', ')}.` + (scoped ? '' : ' A listing of every item (no partition parameter) has no order.'),
      schema: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
    });
  }
  params.push(fieldsParameter(r));
  return params;
}

/** The grammar of a listing's query string, as a Markdown code block. */
const GRAMMAR_MARKDOWN = '```\n' + LIST_QUERY_GRAMMAR + '\n```';

/** `fields`: a sparse fieldset. */
function fieldsParameter(r: ResourceConfig): Json {
  return {
    name: 'fields',
    in: 'query',
    required: false,
    description: `Return only these top-level attributes (comma-separated, at most ${MAX_FIELDS}; names are taken literally, \`a.b\` is the attribute named \`a.b\`, not a path). ` +
      `The id${r.parent !== undefined ? ' and the ancestors\' ids' : ''} always come back; attributes an item lacks are left out; server-internal names are refused.`,
    style: 'form',
    explode: false,
    schema: { type: 'array', minItems: 1, maxItems: MAX_FIELDS, items: { type: 'string', minLength: 1 } },
  };
}

export function sharedParameters(): Json {
  return {
    ItemId: {
      name: 'id',
      in: 'path',
      required: true,
      description: 'The item\'s id, percent-encoded once (API Gateway decodes the path before routing, so an id cannot hold `/`).',
      schema: { type: 'string', minLength: 1 },
    },
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'Proceed only if the item\'s ETag is one of these (strong comparison), or `*` for any existing item; else 412.',
      schema: { type: 'string' },
    },
    IfNoneMatch: {
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'GET: 304 if the item\'s ETag is one of these. Writes: proceed only if it is none of them (`*`: only if the item does not exist); else 412.',
      schema: { type: 'string' },
    },
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes a POST safe to retry: the same caller, key and body get the original 201 again (with `Idempotent-Replayed: true`); another body gets a 422.',
      schema: { type: 'string', minLength: 1, maxLength: 257 },
    },
  };
}
