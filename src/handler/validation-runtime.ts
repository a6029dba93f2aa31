/**
 * The ajv runtime helpers that validation code generated at synth requires (src/shared/validation-code.ts), bundled
 * on their own into assets/handler/validation-runtime/index.js. The construct ships this file only in the code asset
 * of an API with a JSON Schema, so the handler bundle itself holds no validation code.
 */
import equal from 'ajv/dist/runtime/equal';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import ValidationError from 'ajv/dist/runtime/validation_error';
import { fullFormats } from 'ajv-formats/dist/formats';
import { VALIDATION_RUNTIME_MODULES } from '../shared/validation-code';

type RuntimeModuleId = (typeof VALIDATION_RUNTIME_MODULES)[number];

const MODULES: Readonly<Record<RuntimeModuleId, unknown>> = {
  'ajv/dist/runtime/equal': { default: equal },
  'ajv/dist/runtime/ucs2length': { default: ucs2length },
  'ajv/dist/runtime/validation_error': { default: ValidationError },
  'ajv-formats/dist/formats': { fullFormats },
};

/** The `require` the generated validators get: ajv's runtime helpers by their module id, and nothing else. */
export function runtimeRequire(id: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(MODULES, id)) {
    throw new Error(`generated validation code asked for '${id}', which is not one of ajv's runtime helpers`);
  }
  return MODULES[id as RuntimeModuleId];
}
