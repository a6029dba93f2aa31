/**
 * fast-check arbitraries for what the fuzzer sends: strings with the Unicode that breaks naive code (lone surrogates,
 * NUL, RTL marks, 4-byte emoji, combining marks), JSON values up to and past the nesting limit, and bodies generated
 * from a resource's request schema — valid ones, and ones broken in exactly one way.
 */
import fc from 'fast-check';
import { ResourceSpec } from './contract';
import { Attrs, Json } from './model';

/** Strings that have broken parsers, encoders and byte counts. */
export const EDGE_STRINGS = [
  '', ' ', 'a', '\u0000', 'nul\u0000inside', '\u202eRTL override', '\u200f\u05e9\u05dc\u05d5\u05dd', '🦄', '👩‍👩‍👧‍👦', '𝕏',
  'e\u0301', '\ufeffbom', '\ud800', 'x\udfffy', '\ud83e', '%', '%00', '%2F', '../..', '"quoted"', '\\', '\n\r\t', '<script>',
  'Ω≈ç√', '\u2028\u2029', 'null', '-0', '1e400', 'ß'.repeat(3),
];

/** A string: mostly ordinary, often an edge case, sometimes long. */
export const anyString = (): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('🦄', 'a', '\u0000', '\ud800', 'é'), maxLength: 6 }) },
);

/** Numbers, including those DynamoDB cannot store (below 1e-130, above 9.99e125) and -0. */
export const anyNumber = (): fc.Arbitrary<number> => fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 0.1, 1.5, -7.25, 2 ** 53 - 1, -(2 ** 53 - 1), 1e125, 1e126, 1e-130, 1e-131, 5e-324, 1.7976931348623157e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON values nested up to `depth`. */
export const anyJson = (depth: number): fc.Arbitrary<Json> => fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: depth },
    fc.constant(null), fc.boolean(), anyNumber(), anyString(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(attributeName(), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Attribute names: ordinary, edge-case Unicode, reserved-looking, empty, too long. */
export const attributeName = (): fc.Arbitrary<string> => fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('title', 'note', 'tags', 'meta', 'n', 'flag', 'dims') },
  { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'constructor', 'a.b', 'a#b', ':v', '🦄', '\ud800', '\u0000', 'x'.repeat(256), 'é'.repeat(128), '_generation', '_x') },
);

/** A value nested `levels` deep (objects and arrays alternating): at and past the 32 levels DynamoDB stores. */
export function nested(levels: number): Json {
  let v: Json = 'deep';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** A value valid against a JSON Schema (the subset the test app uses), or undefined when it cannot tell. */
export function fromSchema(schema: any): fc.Arbitrary<Json> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'email') return fc.constantFrom('a@b.co', 'first.last+tag@example.com');
      if (schema.format === 'date') return fc.constantFrom('2026-12-06', '2000-02-29', '1999-01-31');
      if (schema.format === 'uri') return fc.constantFrom('https://example.com/x?y=1', 'urn:isbn:0451450523');
      if (schema.pattern === '^[A-Z]{3}-[0-9]{4}$') return fc.constantFrom('ABC-1234', 'ZZZ-0000');
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 12, 12) })
        .filter((s) => !/\p{Cs}/u.test(s));
    case 'number':
      return fc.oneof(fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 1000) }),
        fc.constantFrom(schema.minimum ?? 0, schema.maximum ?? 1, 0.5).filter((n) => n >= (schema.minimum ?? -Infinity)));
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 1000) });
    case 'array':
      return fc.uniqueArray(fromSchema(schema.items ?? {}), {
        maxLength: schema.maxItems ?? 3, selector: (v) => JSON.stringify(v),
      }) as fc.Arbitrary<Json>;
    case 'object': {
      const props = schema.properties ?? {};
      const required: string[] = (schema.required ?? []).filter((k: string) => props[k]);
      const optional = Object.keys(props).filter((k) => !required.includes(k) && !props[k].readOnly && !/^The id \(attribute/.test(props[k].description ?? ''));
      const members = Object.fromEntries([...required, ...optional].map((k) => [k, fromSchema(props[k])]));
      return fc.record(members, { requiredKeys: required }) as fc.Arbitrary<Json>;
    }
    default:
      return anyJson(2);
  }
}

/** One way of breaking a schema-valid object. */
export const BREAKS = ['drop-required', 'wrong-type', 'extra-member', 'bad-enum', 'bad-format', 'bad-pattern', 'out-of-range', 'nested-extra', 'too-long', 'duplicate-tags'] as const;
export type Break = typeof BREAKS[number];

/** Applies a break to a valid body (the result may still be valid when the schema has nothing to break). */
export function breakBody(body: Attrs, how: Break, schema: any): Attrs {
  const b: Attrs = JSON.parse(JSON.stringify(body));
  const props = schema.properties ?? {};
  switch (how) {
    case 'drop-required': if (schema.required?.[0]) delete b[schema.required[0]]; break;
    case 'wrong-type': { const k = Object.keys(props).find((x) => props[x].type === 'number'); if (k) b[k] = 'seven'; break; }
    case 'extra-member': b.unexpected = 1; break;
    case 'bad-enum': { const k = Object.keys(props).find((x) => props[x].enum); if (k) b[k] = 'not-in-enum'; break; }
    case 'bad-format': { const k = Object.keys(props).find((x) => props[x].format === 'email'); if (k) b[k] = 'not an email'; break; }
    case 'bad-pattern': { const k = Object.keys(props).find((x) => props[x].pattern); if (k) b[k] = 'abc-12'; break; }
    case 'out-of-range': { const k = Object.keys(props).find((x) => props[x].maximum !== undefined); if (k) b[k] = props[k].maximum + 1; break; }
    case 'nested-extra': { const k = Object.keys(props).find((x) => props[x].type === 'object'); if (k) b[k] = { w: 1, h: 1, depth: 3 }; break; }
    case 'too-long': { const k = Object.keys(props).find((x) => props[x].maxLength !== undefined); if (k) b[k] = 'x'.repeat(props[k].maxLength + 1); break; }
    case 'duplicate-tags': { const k = Object.keys(props).find((x) => props[x].uniqueItems); if (k) b[k] = ['a', 'a']; break; }
  }
  return b;
}

/** Attributes for a resource without a schema: free JSON, with its index attributes of the right type or not. */
export function freeAttrs(r: ResourceSpec): fc.Arbitrary<Attrs> {
  const indexed = [
    ...r.partitions.map((p) => [p.name, fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('open', 'done', 'é', '🦄') },
      { weight: 1, arbitrary: anyJson(1) },
      // At and past DynamoDB's 2,048-byte partition key (with the scope the server adds to it).
      { weight: 1, arbitrary: fc.constantFrom('p'.repeat(1024), 'p'.repeat(2000), 'p'.repeat(2049)) },
    )] as const),
    ...r.ranges.filter((x) => !x.isId && !r.managed.includes(x.name)).map((x) => [x.name, x.numeric
      ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(-2, 0, 1, 2.5, 3, 10, 1e125) }, { weight: 1, arbitrary: anyJson(1) })
      : fc.oneof({ weight: 5, arbitrary: fc.constantFrom('2026-01-01', '2026-06-30', '2026-12-31', '2027', 'ä', '') }, { weight: 1, arbitrary: anyJson(1) })] as const),
  ];
  return fc.tuple(
    fc.record(Object.fromEntries(indexed), { requiredKeys: [] }),
    fc.dictionary(attributeName(), fc.oneof(anyJson(3), fc.dictionary(fc.constantFrom('a', 'b', 'c'), anyJson(1), { maxKeys: 3 })), { maxKeys: 3 }),
    fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(31, 32, 33, 40) }),
  ).map(([ix, free, depth]) => {
    const attrs: Attrs = { ...free, ...ix } as Attrs;
    if (depth !== undefined) attrs.deep = nested(depth);
    return attrs;
  });
}
