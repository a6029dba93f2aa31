import * as vm from 'vm';
import type { AnySchema } from 'ajv';
import { schemaDraftOf } from '../shared/schema-draft';
import { AJV_OPTIONS, VALIDATION_RUNTIME_MODULES, VALIDATORS_FILE_NAME } from '../shared/validation-code';

/*
 * JSON Schemas compiled at synth: ajv (with ajv-formats) runs here, in the construct's process, and emits standalone
 * validation code that ships in the function's code asset (src/shared/validation-code.ts). The handler evaluates that
 * code on its first validation; it bundles no ajv and compiles nothing.
 *
 * ajv writes every value taken from the schema (property names, patterns, enum values, messages) into the code as a
 * JSON string literal (escaping U+2028/U+2029 too) or as data of the embedded schema, never as code; the tests feed
 * it schemas built to break out (quotes, comment closers, backslashes, line separators) and check that nothing runs.
 */

/** The schema does not compile; the message is ajv's. */
export class SchemaCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaCompileError';
  }
}

/** One resource's validation code: a CommonJS module body whose `module.exports` is the validation function. */
export interface ResourceValidatorCode {
  readonly resource: string;
  readonly code: string;
}

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Compiles one schema (draft 2020-12, or draft-07 when `$schema` says so) into ajv's standalone code, with the options
 * the handler always used (all errors, not strict). Throws {@link SchemaCompileError} when the schema does not compile.
 * ajv is loaded on first use, so an app without a schema never loads it.
 */
export function compileSchemaCode(schema: object | boolean): string {
  const draft = schemaDraftOf(schema);
  if (!draft) throw new SchemaCompileError(`$schema ${JSON.stringify((schema as { $schema?: unknown }).$schema)} is not supported`);
  const Ajv = (draft === '2020-12' ? require('ajv/dist/2020') : require('ajv')).default as typeof import('ajv').default;
  const addFormats = require('ajv-formats').default as typeof import('ajv-formats').default;
  const standaloneCode = require('ajv/dist/standalone').default as typeof import('ajv/dist/standalone').default;
  // A fresh instance per schema: two schemas with the same $id must not meet in one instance.
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  // With code.source on, ajv-formats points the code at require("ajv-formats/dist/formats").fullFormats.
  addFormats(ajv);
  let code: string;
  try {
    code = standaloneCode(ajv, ajv.compile(schema as AnySchema));
  } catch (e) {
    throw new SchemaCompileError((e as Error).message);
  }
  checkRequires(code);
  return code;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** The module ids ajv's code names: a string literal right after `require(` (escaped quotes inside user strings never match). */
const REQUIRE_CALL = /\brequire\("((?:[^"\\]|\\.)*)"\)/g;

/** Fails at synth when ajv's code needs a helper the shipped runtime does not have (an ajv upgrade could add one). */
function checkRequires(code: string): void {
  const known: readonly string[] = VALIDATION_RUNTIME_MODULES;
  for (const [, id] of code.matchAll(REQUIRE_CALL)) {
    if (!known.includes(id)) {
      throw new Error(`ajv's standalone code requires '${id}', which the validation runtime of cdk-serverless-crud-api does not ship; ` +
        'this is a bug in the library, please report it');
    }
  }
}

/**
 * The validators file of one API: each resource's code in a function scope of its own, under its name (a JSON string
 * literal), in a module whose export takes the `require` that serves ajv's runtime helpers. Checked to parse.
 */
export function validatorsModule(validators: readonly ResourceValidatorCode[]): string {
  const lines = [
    '"use strict";',
    '// Generated at synth by cdk-serverless-crud-api: each resource\'s JSON Schema compiled by ajv (standalone code).',
    '// `require` serves only ajv\'s runtime helpers (crud-validation-runtime.js). Do not edit: it is rewritten on every synth.',
    'module.exports = function validators(require) {',
    'const byResource = Object.create(null);',
  ];
  for (const { resource, code } of validators) {
    lines.push(`byResource[${JSON.stringify(resource)}] = (function () {`, 'const module = { exports: {} };', 'const exports = module.exports;',
      code, 'return module.exports;', '})();');
  }
  lines.push('return byResource;', '};', '');
  const text = lines.join('\n');
  new vm.Script(text, { filename: VALIDATORS_FILE_NAME }); // a syntax error throws here, at synth, not in the function
  return text;
}
