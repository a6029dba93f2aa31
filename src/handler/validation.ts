/**
 * JSON Schema validation of item bodies with ajv (draft 2020-12, or draft-07 when the schema says so), reporting
 * every violation.
 *
 * The schema sees the client-written attributes only: not the id attribute and not the server-managed ones (version,
 * createdAt, updatedAt, owner), so a schema with `additionalProperties: false` describes exactly what clients send.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { escapePointer, JsonObject, MAX_REPORTED_VIOLATIONS } from './json';
import type { ProblemViolation } from '../shared/problems';
import { SchemaDraft, schemaDraftOf } from '../shared/schema-draft';

/** The schema in the config cannot be compiled. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/** Validates documents against one schema; compiles it (and loads ajv) on first use. */
export class SchemaValidator {
  private validate?: ValidateFunction;

  constructor(private readonly schema: Record<string, unknown> | boolean) {}

  /** Compiles now (normally done on first use); throws {@link SchemaError} when the schema is invalid. */
  public compile(): void {
    if (this.validate) return;
    const draft = draftOf(this.schema);
    // Loaded on first use, not at import: ajv and ajv-formats take most of the handler's init time, and APIs without
    // a schema never need them. (A static import would be evaluated at init by the esbuild bundle.)
    /* eslint-disable @typescript-eslint/no-require-imports */
    const AjvClass = (draft === '2020-12' ? require('ajv/dist/2020') : require('ajv')).default as typeof import('ajv').default;
    const addFormats = require('ajv-formats').default as typeof import('ajv-formats').default;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const ajv = new AjvClass({ allErrors: true, strict: false, logger: false });
    addFormats(ajv);
    try {
      this.validate = ajv.compile(this.schema);
    } catch (e) {
      throw new SchemaError(`the JSON Schema in the handler config does not compile: ${(e as Error).message}`);
    }
  }

  /** Every violation of the schema by `doc` (capped at {@link MAX_REPORTED_VIOLATIONS}); empty when valid. */
  public check(doc: JsonObject): ProblemViolation[] {
    this.compile();
    if (this.validate!(doc)) return [];
    return (this.validate!.errors ?? []).slice(0, MAX_REPORTED_VIOLATIONS).map(toViolation);
  }
}

function draftOf(schema: Record<string, unknown> | boolean): SchemaDraft {
  const draft = schemaDraftOf(schema);
  if (draft) return draft;
  const declared = typeof schema === 'object' ? schema.$schema : undefined;
  throw new SchemaError(`the JSON Schema declares $schema ${JSON.stringify(declared)}; supported are draft 2020-12 and draft-07`);
}

/** ajv's error as a violation; names a missing or extra member in the path rather than in the message only. */
function toViolation(e: ErrorObject): ProblemViolation {
  const p = e.params as Record<string, unknown>;
  const member = p.missingProperty ?? p.additionalProperty ?? p.unevaluatedProperty;
  if (typeof member === 'string') {
    const path = `${e.instancePath}/${escapePointer(member)}`;
    if (e.keyword === 'required' || e.keyword === 'dependentRequired' || e.keyword === 'dependencies') {
      return { path, message: 'is required' };
    }
    return { path, message: 'is not allowed by the schema' };
  }
  return { path: e.instancePath, message: e.message ?? `fails '${e.keyword}'` };
}
