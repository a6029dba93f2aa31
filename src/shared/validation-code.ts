/**
 * The JSON Schema validation code the construct generates at synth (ajv's standalone mode) and ships in the function's
 * code asset beside the config, so the handler ships no ajv and compiles nothing at run time.
 *
 * Two files, both present only when a resource of the API has a schema:
 * - {@link VALIDATORS_FILE_NAME}: generated. `module.exports = function (require) { … }` returning each resource's
 *   validation function by resource name. Its code calls `require` only for ajv's runtime helpers
 *   ({@link VALIDATION_RUNTIME_MODULES}); the `require` it is given serves exactly those and nothing else.
 * - {@link VALIDATION_RUNTIME_FILE_NAME}: those helpers, bundled with the library (`assets/handler/validation-runtime`),
 *   exporting `runtimeRequire`.
 */

/** The generated validators, beside the config in the code asset. */
export const VALIDATORS_FILE_NAME = 'crud-validators.js';

/** The ajv runtime helpers the generated code needs, beside the validators. */
export const VALIDATION_RUNTIME_FILE_NAME = 'crud-validation-runtime.js';

/** The module ids that ajv's standalone code may `require` (with ajv-formats' full formats); no other id resolves. */
export const VALIDATION_RUNTIME_MODULES = [
  'ajv/dist/runtime/equal',
  'ajv/dist/runtime/ucs2length',
  'ajv/dist/runtime/validation_error',
  'ajv-formats/dist/formats',
] as const;

/** ajv's options, shared by the construct's compilation and the tests that compare with it. */
export const AJV_OPTIONS = { allErrors: true, strict: false, logger: false } as const;
