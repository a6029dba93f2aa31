/**
 * What the fuzzer knows about an API, read from its OpenAPI document and nothing else: each resource's routes, path
 * parameters and their types, the query parameters of its listing (partition, range, order, fields, limit), its
 * request body schema and content types, and whether items are kept per caller.
 */

/** A listing's partition parameter (an index partition key): `status=open`. */
export interface PartitionParam {
  readonly name: string;
  /** The range parameter ordered within it, when its index has a sort key. */
  readonly sortedBy?: string;
}

/** A listing's range parameter on a sort key: `due=gte.2026-01-01`. */
export interface RangeParam {
  readonly name: string;
  readonly numeric: boolean;
  readonly operators: readonly string[];
  /** The partition parameter the range needs (an index with a partition key). */
  readonly needs?: string;
  /** True for the table's own sort key (the id of a scoped or nested resource). */
  readonly isId: boolean;
}

/** One resource of an API, as its document describes it. */
export interface ResourceSpec {
  readonly api: string;
  readonly name: string;
  /** Path template of the collection, e.g. `/projects/{projectId}/tasks`. */
  readonly collection: string;
  /** Path template of one item, e.g. `/projects/{projectId}/tasks/{id}`. */
  readonly item: string;
  /** The ancestors' path parameters, root first, with their types. */
  readonly ancestors: readonly { readonly name: string; readonly numeric: boolean }[];
  readonly idNumeric: boolean;
  /** The body attribute holding the id. */
  readonly idAttribute: string;
  /** POST without an id is answered with a server-assigned one. */
  readonly serverIds: boolean;
  /** Methods by route: `collection` and `item` each map a method (upper case) to its operation object. */
  readonly methods: { readonly collection: Record<string, any>; readonly item: Record<string, any> };
  /** The request body schema of writes (the `<Name>Input` schema, $refs resolved). */
  readonly input: any;
  /** Server-managed attributes of the item schema (readOnly), the ancestors' ids included. */
  readonly managed: readonly string[];
  /** Items are kept per caller (a bearer-authorized resource whose items carry a server-managed owner). */
  readonly ownerAttribute?: string;
  readonly bearer: boolean;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  readonly partitions: readonly PartitionParam[];
  readonly ranges: readonly RangeParam[];
  /** Content types each write takes, by method. */
  readonly contentTypes: Record<string, readonly string[]>;
  /** A listing without parameters is a scan (a shared top-level resource): no order. */
  readonly scans: boolean;
}

const LIST_CONTROLS = new Set(['limit', 'cursor', 'order', 'fields']);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Reads every resource of one API's document. */
export function readResources(api: string, document: any): ResourceSpec[] {
  const resolve = (node: any): any => (node && typeof node === 'object' && typeof node.$ref === 'string'
    ? resolve(node.$ref.slice(2).split('/').reduce((n: any, t: string) => n?.[t.replace(/~1/g, '/').replace(/~0/g, '~')], document))
    : node);
  const deref = (node: any, seen = 0): any => {
    if (seen > 50) return node;
    const r = resolve(node);
    if (Array.isArray(r)) return r.map((x) => deref(x, seen + 1));
    if (r && typeof r === 'object') return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, deref(v, seen + 1)]));
    return r;
  };
  const paths = document.paths as Record<string, any>;
  const specs: ResourceSpec[] = [];
  for (const [template, pathItem] of Object.entries(paths)) {
    const segments = template.split('/').filter(Boolean);
    const last = segments[segments.length - 1];
    if (/^\{.+\}$/.test(last) || !pathItem.post && !pathItem.get) continue;
    const itemTemplate = Object.keys(paths).find((p) => p.startsWith(`${template}/{`) && p.split('/').length === template.split('/').length + 1);
    if (!itemTemplate) continue; // e.g. /openapi.json
    const itemItem = paths[itemTemplate];
    const methodsOf = (item: any) => Object.fromEntries(METHODS.filter((m) => item[m]).map((m) => [m.toUpperCase(), item[m]]));
    const pathParams = [...(pathItem.parameters ?? []), ...(itemItem.parameters ?? [])].map(resolve);
    const typeOf = (name: string) => pathParams.find((p: any) => p.name === name)?.schema?.type;
    const ancestors = segments.filter((s) => /^\{.+\}$/.test(s)).map((s) => s.slice(1, -1))
      .map((name) => ({ name, numeric: typeOf(name) === 'integer' || typeOf(name) === 'number' }));
    const idParam = itemTemplate.split('/').pop()!.slice(1, -1);
    const idType = typeOf(idParam);
    const anyOp = pathItem.post ?? itemItem.put ?? itemItem.get ?? pathItem.get;
    const writeOp = pathItem.post ?? itemItem.put ?? itemItem.patch;
    const input = writeOp ? deref(writeOp.requestBody.content['application/json'].schema) : { type: 'object' };
    // The whole item as a write answers it (a read may answer a `fields` cut).
    const itemSchema = deref(pathItem.post?.responses?.['201']?.content?.['application/json']?.schema
      ?? itemItem.put?.responses?.['200']?.content?.['application/json']?.schema ?? { properties: {} });
    const managed = Object.entries<any>(itemSchema.properties ?? {}).filter(([, s]) => s.readOnly).map(([k]) => k);
    const ownerAttribute = managed.find((k) => /the owner/i.test(itemSchema.properties[k].description ?? ''));
    const idAttribute = Object.entries<any>(input.properties ?? {}).find(([, s]) => /^The id \(attribute/.test(s.description ?? ''))?.[0] ?? 'id';
    const security = anyOp?.security ?? document.security ?? [];
    const bearer = security.some((s: any) => Object.keys(s).some((k) => document.components?.securitySchemes?.[k]?.scheme === 'bearer'));
    const listParams = (pathItem.get?.parameters ?? []).map(resolve);
    const limit = listParams.find((p: any) => p.name === 'limit')?.schema ?? {};
    const ranges: RangeParam[] = [];
    const partitions: PartitionParam[] = [];
    for (const p of listParams) {
      if (p.in !== 'query' || LIST_CONTROLS.has(p.name)) continue;
      if (p.schema?.type === 'array') {
        const pattern: string = p.schema.items.pattern;
        const operators = /^\^\(([a-z|]+)\)/.exec(pattern)![1].split('|');
        const needs = /Needs the partition parameter `([^`]+)`/.exec(p.description ?? '')?.[1];
        ranges.push({ name: p.name, numeric: !operators.includes('begins'), operators, needs, isId: /the table's sort key/.test(p.description ?? '') });
      } else {
        const sortedBy = /in `([^`]+)` order/.exec(p.description ?? '')?.[1];
        partitions.push({ name: p.name, sortedBy });
      }
    }
    const contentTypes: Record<string, string[]> = {};
    for (const [m, op] of [['POST', pathItem.post], ['PUT', itemItem.put], ['PATCH', itemItem.patch]] as const) {
      if (op?.requestBody) contentTypes[m] = Object.keys(op.requestBody.content);
    }
    specs.push({
      api,
      name: last,
      collection: template,
      item: itemTemplate,
      ancestors,
      idNumeric: idType === 'integer' || idType === 'number',
      idAttribute,
      serverIds: !/the client chooses/.test(input.properties?.[idAttribute]?.description ?? ''),
      methods: { collection: methodsOf(pathItem), item: methodsOf(itemItem) },
      input,
      managed,
      ownerAttribute,
      bearer,
      maxPageSize: limit.maximum ?? 100,
      defaultPageSize: limit.default ?? 25,
      partitions,
      ranges,
      contentTypes,
      scans: ancestors.length === 0 && ownerAttribute === undefined,
    });
  }
  return specs;
}

/** Fills a path template: each `{name}` percent-encoded once, as a client sends it. */
export function fillPath(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(String(values[name])));
}
