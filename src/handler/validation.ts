/**
 * JSON Schema validation of item bodies, reporting every violation. The schema was compiled at synth by the construct
 * (ajv's standalone code, src/construct/schema-code.ts) into a file beside the config; this module loads that code on the first
 * validation and turns ajv's errors into violations. It holds no ajv and compiles nothing.
 *
 * The schema sees the client-written attributes only: not the id attribute and not the server-managed ones (version,
 * createdAt, updatedAt, owner), so a schema with `additionalProperties: false` describes exactly what clients send.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import { join } from 'path';
import { escapePointer, JsonObject, MAX_REPORTED_VIOLATIONS } from './json';
import type { ProblemViolation } from '../shared/problems';
import { schemaDraftOf } from '../shared/schema-draft';
import { VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../shared/validation-code';

/** The schema of a resource cannot be used: no validation code was deployed for it. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/** An error as ajv's generated code reports it (the fields used here). */
export interface AjvError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** A validation function of the generated code: ajv's contract (result, and the errors of the last call). */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

/** The generated validators of an API by resource name, loaded on first use; undefined for a resource without one. */
export type ValidatorSource = (resource: string) => CompiledValidator | undefined;

/** What the generated file exports: a function that takes the `require` serving ajv's runtime helpers. */
type ValidatorsFactory = (runtimeRequire: (id: string) => unknown) => Record<string, CompiledValidator | undefined>;

/**
 * The validators deployed in `dir` (the handler's folder), read on the first call only: a function that never
 * validates never loads them. No file: no validators.
 */
export function validatorsIn(dir: string): ValidatorSource {
  let loaded: Record<string, CompiledValidator | undefined> | undefined;
  return (resource) => {
    if (!loaded) {
      const file = join(dir, VALIDATORS_FILE_NAME);
      if (!fs.existsSync(file)) {
        loaded = {};
      } else {
        // Not a static import: esbuild must leave these files out of the bundle (they are generated per API).
        const load = createRequire(file);
        const runtime = load(`./${VALIDATION_RUNTIME_FILE_NAME}`) as { runtimeRequire: (id: string) => unknown };
        loaded = (load(file) as ValidatorsFactory)(runtime.runtimeRequire);
      }
    }
    return Object.prototype.hasOwnProperty.call(loaded, resource) ? loaded[resource] : undefined;
  };
}

/** Validates documents against one resource's schema, with the code compiled from it at synth. */
export class SchemaValidator {
  private validate?: CompiledValidator;

  constructor(
    private readonly resource: string,
    private readonly schema: Record<string, unknown> | boolean,
    private readonly validators: ValidatorSource,
  ) {}

  /**
   * Every violation of the schema by `doc` (capped at {@link MAX_REPORTED_VIOLATIONS}); empty when valid. Throws
   * {@link SchemaError} when no code was compiled from the schema (a write is never accepted unvalidated).
   */
  public check(doc: JsonObject): ProblemViolation[] {
    const validate = this.validate ??= this.validators(this.resource);
    if (!validate) throw new SchemaError(this.whyNoValidator());
    if (validate(doc)) return [];
    return (validate.errors ?? []).slice(0, MAX_REPORTED_VIOLATIONS).map(toViolation);
  }

  private whyNoValidator(): string {
    if (!schemaDraftOf(this.schema)) {
      const declared = typeof this.schema === 'object' ? this.schema.$schema : undefined;
      return `the JSON Schema of resource '${this.resource}' declares $schema ${JSON.stringify(declared)}; supported are draft 2020-12 and draft-07`;
    }
    return `resource '${this.resource}' has a JSON Schema in the handler config, but no validation code compiled from it was ` +
      `deployed beside the handler (${VALIDATORS_FILE_NAME}); the construct generates it at synth`;
  }
}

/** ajv's error as a violation; names a missing or extra member in the path rather than in the message only. */
function toViolation(e: AjvError): ProblemViolation {
  const p = e.params;
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
