/**
 * The validators a test API's handler gets: each resource's schema compiled exactly as the construct compiles it at
 * synth (src/construct/schema-code.ts), into the same generated module, evaluated with the runtime helpers the function ships.
 * A schema that does not compile gets no validator (the construct would refuse it at synth): the handler then answers
 * writes with 500, as it does for a deployment without the validation code.
 */
import { compileSchemaCode, ResourceValidatorCode, SchemaCompileError, validatorsModule } from '../../../src/construct/schema-code';
import type { CompiledValidator, ValidatorSource } from '../../../src/handler/validation';
import { runtimeRequire } from '../../../src/handler/validation-runtime';
import type { HandlerConfig } from '../../../src/shared/config';

/** The generated validators module of `config`, as the construct writes it (undefined without a compilable schema). */
export function generatedValidators(config: HandlerConfig): string | undefined {
  const compiled: ResourceValidatorCode[] = [];
  for (const r of config.resources) {
    if (r.schema === undefined) continue;
    try {
      compiled.push({ resource: r.name, code: compileSchemaCode(r.schema) });
    } catch (e) {
      if (!(e instanceof SchemaCompileError)) throw e;
    }
  }
  return compiled.length > 0 ? validatorsModule(compiled) : undefined;
}

/**
 * Evaluates a generated validators module as Node's module wrapper would, with the shipped runtime's `require`. In
 * this realm (`Function`, not `vm`): deep equality (enum, const) compares constructors, which differ across realms.
 */
export function evaluateValidators(moduleText: string): Record<string, CompiledValidator | undefined> {
  const module = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', moduleText)(module, module.exports);
  return (module.exports as (r: typeof runtimeRequire) => Record<string, CompiledValidator | undefined>)(runtimeRequire);
}

/** The validator source of a test API. */
export function testValidators(config: HandlerConfig): ValidatorSource {
  const text = generatedValidators(config);
  if (text === undefined) return () => undefined;
  const byResource = evaluateValidators(text);
  return (resource) => byResource[resource];
}
