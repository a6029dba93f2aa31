/**
 * The JSON Schemas of a resource's items (what a client writes, what the API returns, a page, an item cut down by
 * `fields`), built from its configured JSON Schema and the attributes the server manages. Shared by the OpenAPI document
 * (openapi.ts) and the AsyncAPI document of its change events (asyncapi.ts), so an item is described once.
 */
import { DEFAULTS, MANAGED_ATTRIBUTES, ResourceConfig } from './config';
import { pathParameterOf } from './routes';
import { schemaDraftOf } from './schema-draft';

export type Json = { [key: string]: unknown };

/** The API's strong entity tag, `"<version>.<generation>"` (`"<version>"` for items written by other tools). */
export const ETAG_PATTERN = '^"[0-9]+(\\.[A-Za-z0-9_-]+)?"$';

/** The schema of a resource's id value. */
export function idSchemaOf(r: ResourceConfig): Json {
  return (r.idType ?? DEFAULTS.idType) === 'N'
    ? { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }
    : { type: 'string', minLength: 1 };
}

export interface SchemaNames {
  readonly pascal: string;
  /** What the resource's JSON Schema validates: the attributes a client writes. */
  readonly attributes: string;
  readonly input: string;
  readonly item: string;
  /** An item cut down by `fields`. */
  readonly partial: string;
  readonly page: string;
}

/** How the server assigns ids, in words. */
const ID_GENERATORS: Record<string, string> = { 'uuid-v4': 'UUID v4', 'uuid-v7': 'UUID v7 (time-ordered)', 'ulid': 'ULID (time-ordered)' };

export function schemaNames(resourceName: string): SchemaNames {
  const pascal = resourceName.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Resource';
  return { pascal, attributes: `${pascal}Attributes`, input: `${pascal}Input`, item: `${pascal}Item`, partial: `${pascal}Fields`, page: `${pascal}Page` };
}

export function resourceSchemas(r: ResourceConfig, names: SchemaNames, ancestors: readonly ResourceConfig[]): Json {
  const client = r.schema !== undefined ? rebaseRefs(withoutDialect(r.schema), `#/components/schemas/${names.attributes}`) as Json : undefined;
  const generator = r.idGenerator ?? ((r.idType ?? DEFAULTS.idType) === 'N' ? 'none' : DEFAULTS.idGenerator);
  const idSchema = (r.idType ?? DEFAULTS.idType) === 'N'
    ? { ...idSchemaOf(r), description: `The id (attribute \`${r.idAttribute}\`): an integer the client chooses.` }
    : {
      ...idSchemaOf(r),
      description: `The id (attribute \`${r.idAttribute}\`): ` + (generator === 'none' ? 'chosen by the client' : `a ${ID_GENERATORS[generator]} unless the client chose one`) +
        ' (at most 1024 bytes, no `/`).',
    };
  const managed: Json = {
    [MANAGED_ATTRIBUTES.VERSION]: { type: 'integer', minimum: 1, description: 'Server-managed: 1 on creation, +1 on every write.', readOnly: true },
    [MANAGED_ATTRIBUTES.CREATED_AT]: { type: 'string', format: 'date-time', description: 'Server-managed: creation time (ISO 8601 UTC).', readOnly: true },
    [MANAGED_ATTRIBUTES.UPDATED_AT]: { type: 'string', format: 'date-time', description: 'Server-managed: time of the last write (ISO 8601 UTC).', readOnly: true },
  };
  if (r.ownerScoping) {
    managed[r.ownerScoping.attribute] = { type: 'string', description: 'Server-managed: the owner, the JWT `sub` of the caller who created the item.', readOnly: true };
  }
  for (const a of ancestors) {
    managed[pathParameterOf(a)] = { ...idSchemaOf(a), description: `Server-managed: the id of the \`${a.name}\` item this one belongs to (from the path).`, readOnly: true };
  }
  const clientProperties = (client?.properties ?? {}) as Json;
  const clientRequired = Array.isArray(client?.required) ? client!.required as string[] : [];
  const objectShaped = client === undefined || client.type === 'object' || client.properties !== undefined;
  const extra = (s: Json | undefined) => (s && s.additionalProperties !== undefined ? { additionalProperties: s.additionalProperties } : {});
  const attributes: Json = client ?? { type: 'object', description: 'No JSON Schema is configured: any JSON object.' };
  const input: Json = objectShaped ? {
    type: 'object',
    description: `An item as a client writes it: \`${names.attributes}\`, optionally with the id. Server-managed attributes are refused.`,
    properties: { [r.idAttribute]: idSchema, ...clientProperties },
    ...(clientRequired.length > 0 ? { required: clientRequired } : {}),
    ...extra(client),
  } : { description: `An item as a client writes it: \`${names.attributes}\`, optionally with the id.`, $ref: `#/components/schemas/${names.attributes}` };
  const required = [r.idAttribute, ...Object.keys(managed)];
  const item: Json = {
    type: 'object',
    description: 'An item as the API returns it: the id first, the client\'s attributes, then the server-managed ones.',
    required: objectShaped ? [...new Set([...required, ...clientRequired])] : required,
    properties: { [r.idAttribute]: idSchema, ...(objectShaped ? clientProperties : {}), ...managed },
    ...(objectShaped ? extra(client) : {}),
  };
  const page: Json = {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: {
        type: 'array',
        description: 'Whole items; with `fields`, the named attributes of each and its ids.',
        items: { anyOf: [{ $ref: `#/components/schemas/${names.item}` }, { $ref: `#/components/schemas/${names.partial}` }] },
      },
      nextCursor: { type: ['string', 'null'], description: 'The `cursor` of the next page; null on the last page.' },
    },
  };
  const partial: Json = {
    type: 'object',
    description: `An item as \`fields\` cuts it down: the named attributes it has, and always its id${ancestors.length ? ' and its ancestors\' ids' : ''}.`,
    required: [r.idAttribute, ...ancestors.map(pathParameterOf)],
    properties: item.properties,
    ...(objectShaped ? extra(client) : {}),
  };
  return { [names.attributes]: attributes, [names.input]: input, [names.item]: item, [names.partial]: partial, [names.page]: page };
}

/**
 * The schema without `$schema` when it is 2020-12, the document's own dialect. A draft-07 schema keeps it: OpenAPI 3.1
 * lets a Schema Object name its dialect.
 */
export function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  if (schemaDraftOf(schema) !== '2020-12') return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Local references (`#/$defs/x`) point into the component the schema is placed in, wherever it is copied to. */
export function rebaseRefs(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebaseRefs(v, base));
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? base + v.slice(1) : rebaseRefs(v, base);
  }
  return out;
}
