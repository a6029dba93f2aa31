/**
 * JSON Schemas compiled at synth (src/construct/schema-code.ts): the generated code validates exactly as ajv compiled in
 * process does (same result, same errors), user input in the schema never becomes code, and it loads with nothing but
 * ajv's runtime helpers that the functions ship.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv07 from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { App, Stack } from 'aws-cdk-lib';
import { BUILTIN_HANDLER_DIR, VALIDATION_RUNTIME_BUNDLE } from '../../src/construct/handler-code';
import { compileSchemaCode, SchemaCompileError, validatorsModule } from '../../src/construct/schema-code';
import { runtimeRequire } from '../../src/handler/validation-runtime';
import { ServerlessCrudApi } from '../../src/index';
import { CONFIG_FILE_NAME } from '../../src/shared/config';
import { AJV_OPTIONS, VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../../src/shared/validation-code';
import { evaluateValidators } from '../handler/support/validators';

/** ajv compiling in this process, as the handler did before schemas were compiled at synth. */
function inProcess(schema: any) {
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const ajv = draft07 ? new Ajv07({ ...AJV_OPTIONS }) : new Ajv2020({ ...AJV_OPTIONS });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The generated code of one schema, loaded as a function loads it. */
function generated(schema: any) {
  return evaluateValidators(validatorsModule([{ resource: 'items', code: compileSchemaCode(schema) }])).items!;
}

/** Both validators give the same verdict and byte-identical errors for every document. */
function expectSameVerdicts(schema: any, docs: unknown[]) {
  const a = inProcess(schema);
  const b = generated(schema);
  for (const doc of docs) {
    const expected = a(doc);
    const errors = JSON.stringify(a.errors ?? null);
    expect(b(doc)).toBe(expected);
    expect(JSON.stringify(b.errors ?? null)).toBe(errors);
  }
}

const CANARY = '__schemaCodePwned';
afterEach(() => {
  delete (globalThis as any)[CANARY];
});

describe('the generated code validates as ajv does in process', () => {
  test.each([
    ['types, required, additionalProperties', {
      type: 'object',
      required: ['title'],
      additionalProperties: false,
      properties: { title: { type: 'string', minLength: 1, maxLength: 5 }, n: { type: 'integer', minimum: 0, multipleOf: 2 } },
    }, [{ title: 'ok' }, {}, { title: '' }, { title: '😀😀😀😀😀😀' }, { title: 'x', n: -3, extra: 1 }, { title: 7 }]],
    ['formats, enums, const, uniqueItems', {
      type: 'object',
      properties: {
        email: { format: 'email' },
        at: { format: 'date-time' },
        url: { format: 'uri' },
        day: { format: 'date', formatMinimum: '2020-01-01' },
        color: { enum: ['red', { rgb: [1, 2, 3] }] },
        kind: { const: { a: [1] } },
        tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      },
    }, [
      { email: 'a@b.co', at: '2026-12-06T10:00:00Z', url: 'https://x.test/a', day: '2021-02-03', color: { rgb: [1, 2, 3] }, kind: { a: [1] }, tags: ['a', 'b'] },
      { email: 'nope', at: 'yesterday', url: 'not a uri', day: '2019-12-31', color: 'blue', kind: { a: [2] }, tags: ['a', 'a'] },
    ]],
    ['2020-12: $defs/$ref, if/then/else, dependentRequired, unevaluatedProperties', {
      type: 'object',
      $defs: { pos: { type: 'number', exclusiveMinimum: 0 } },
      properties: { price: { $ref: '#/$defs/pos' }, sale: { type: 'boolean' } },
      if: { properties: { sale: { const: true } }, required: ['sale'] },
      then: { required: ['price'] },
      dependentRequired: { price: ['currency'] },
      unevaluatedProperties: false,
    }, [{ sale: true }, { sale: true, price: -1 }, { price: 2 }, { other: 1 }, { sale: false }]],
    ['draft-07: dependencies, definitions', {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      definitions: { s: { type: 'string', pattern: '^[a-z]+$' } },
      properties: { name: { $ref: '#/definitions/s' } },
      dependencies: { name: ['id2'] },
      additionalProperties: { type: 'number' },
    }, [{ name: 'abc', id2: 1 }, { name: 'ABC' }, { x: 'y' }]],
  ])('%s', (_name, schema, docs) => {
    expectSameVerdicts(schema, docs as unknown[]);
  });
});

describe('user input in schema keywords cannot break out of the generated code', () => {
  // Each string tries to end the literal, comment or function it might be written into and run code.
  const breakouts = [
    `"]; globalThis.${CANARY} = 1; //`,
    `'; globalThis.${CANARY} = 1; //`,
    `*/ globalThis.${CANARY} = 1; /*`,
    `\`; globalThis.${CANARY} = 1; \``,
    `\${globalThis.${CANARY} = 1}`,
    `\\"); globalThis.${CANARY} = 1; ("`,
    `\u2028globalThis.${CANARY} = 1;\u2029`,
    `\n})(); globalThis.${CANARY} = 1; (function () {\n`,
    `</script><script>globalThis.${CANARY} = 1</script>`,
  ];
  const schemaWith = (s: string) => ({
    $id: `https://example.test/${encodeURIComponent(s)}`,
    $comment: s,
    title: s,
    description: s,
    type: 'object',
    $defs: { [s]: { type: 'string', pattern: `^${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$` } },
    properties: {
      [s]: { $ref: `#/$defs/${encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))}` },
      plain: { enum: [s, { [s]: s }], default: s },
      quoted: { const: s },
    },
    required: [s],
    patternProperties: { [`^${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}x$`]: { type: 'integer' } },
    dependentRequired: { plain: [s] },
    additionalProperties: { not: { const: s } },
  });

  test.each(breakouts)('%j as property name, pattern, $defs key, enum, const, $id, $comment, title', (s) => {
    const schema = schemaWith(s);
    const code = compileSchemaCode(schema);
    const module = validatorsModule([{ resource: 'items', code }]);
    const validate = evaluateValidators(module).items!;
    expect((globalThis as any)[CANARY]).toBeUndefined();
    // Every path through the code runs: valid, and each keyword failing.
    const docs = [{ [s]: s }, {}, { [s]: `${s}!`, plain: 'x', quoted: 'y', [`${s}x`]: 1.5, other: s }, { [s]: 1, plain: { [s]: s }, quoted: s }];
    for (const doc of docs) validate(doc);
    expect((globalThis as any)[CANARY]).toBeUndefined();
    expectSameVerdicts(schema, docs);
    // The user's strings reach clients only as data, exactly as written.
    validate({});
    expect(validate.errors).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: s } }));
  });

  test('a resource name is written as a string literal too', () => {
    const name = `x"]; globalThis.${CANARY} = 1; //`;
    const validators = evaluateValidators(validatorsModule([{ resource: name, code: compileSchemaCode({ type: 'object' }) }]));
    expect(Object.keys(validators)).toEqual([name]);
    expect((globalThis as any)[CANARY]).toBeUndefined();
  });

  test('the generated code can require ajv\'s runtime helpers only', () => {
    const code = compileSchemaCode({ type: 'object', properties: { a: { maxLength: 2 }, b: { enum: [{}] }, c: { format: 'date-time' } } });
    const ids = [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]).sort();
    expect(ids).toEqual(['ajv-formats/dist/formats', 'ajv/dist/runtime/equal', 'ajv/dist/runtime/ucs2length']);
    expect(() => runtimeRequire('fs')).toThrow(/asked for 'fs', which is not one of ajv's runtime helpers/);
    expect(() => runtimeRequire('__proto__')).toThrow(/not one of ajv's runtime helpers/);
  });
});

describe('at synth', () => {
  test('a schema that does not compile is refused, naming the prop and ajv\'s reason', () => {
    expect(() => compileSchemaCode({ type: 'object', properties: { a: { type: 'nope' } } })).toThrow(SchemaCompileError);
    const stack = new Stack(new App(), 'S');
    expect(() => new ServerlessCrudApi(stack, 'Api', { schema: { type: 'object', properties: { a: { type: 'nope' } } } }))
      .toThrow(/'schema' does not compile as a JSON Schema: .*type.*; fix the schema/);
    expect(() => new ServerlessCrudApi(stack, 'Api2', { resources: [{ name: 'a', schema: { type: 'object', required: 'x' } }] }))
      .toThrow(/resources\[0\]\.schema' does not compile as a JSON Schema/);
  });

  test('the asset of an API with a schema carries the generated validators and the runtime; without one it carries neither', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new ServerlessCrudApi(stack, 'With', {
      resources: [{ name: 'notes', schema: { type: 'object', properties: { t: { maxLength: 3 } } } }, { name: 'plain' }],
    });
    new ServerlessCrudApi(stack, 'Without');
    const out = app.synth().directory;
    const assets = fs.readdirSync(out).filter((d) => d.startsWith('asset.')).map((d) => path.join(out, d));
    const listing = assets.map((d) => fs.readdirSync(d).sort().join(' ')).sort();
    expect(listing).toEqual([
      [CONFIG_FILE_NAME, VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME, 'index.js'].sort().join(' '),
      [CONFIG_FILE_NAME, 'index.js'].sort().join(' '),
    ].sort());
    const withDir = assets.find((d) => fs.existsSync(path.join(d, VALIDATORS_FILE_NAME)))!;
    expect(fs.readFileSync(path.join(withDir, VALIDATION_RUNTIME_FILE_NAME)).equals(fs.readFileSync(VALIDATION_RUNTIME_BUNDLE))).toBe(true);
    // Only the resource with a schema has a validator, and it is the one compiled from its schema.
    const validators = evaluateValidators(fs.readFileSync(path.join(withDir, VALIDATORS_FILE_NAME), 'utf8'));
    expect(Object.keys(validators)).toEqual(['notes']);
    expect(validators.notes!({ t: 'abcd' })).toBe(false);
    expect(validators.notes!.errors![0].message).toBe('must NOT have more than 3 characters');
  });

  test('the handler bundle holds no ajv, ajv-formats or fast-uri; the runtime holds the helpers only', () => {
    const meta = (dir: string) => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'index.meta.json'), 'utf8')).inputs);
    const handlerInputs = meta(BUILTIN_HANDLER_DIR);
    expect(handlerInputs.filter((f) => /node_modules\/(ajv|ajv-formats|fast-uri|fast-deep-equal)\//.test(f))).toEqual([]);
    const runtimeInputs = meta(path.dirname(VALIDATION_RUNTIME_BUNDLE)).filter((f) => f.includes('node_modules/'));
    expect(runtimeInputs.filter((f) => !/node_modules\/(ajv\/dist\/runtime|ajv-formats\/dist\/formats|fast-deep-equal)/.test(f))).toEqual([]);
  });

  test('file names are the contract with the handler and the runner', () => {
    expect([CONFIG_FILE_NAME, VALIDATORS_FILE_NAME, VALIDATION_RUNTIME_FILE_NAME]).toEqual(['crud-config.json', 'crud-validators.js', 'crud-validation-runtime.js']);
  });
});
