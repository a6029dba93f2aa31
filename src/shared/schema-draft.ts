/**
 * Which JSON Schema dialects the handler validates with, decided from `$schema`. Shared so that the construct
 * refuses at synth time a schema the handler could not compile (which would otherwise surface as a 500 on the
 * first write).
 */
export type SchemaDraft = '2020-12' | 'draft-07';

/** The dialect of a schema, or undefined when its `$schema` names one the handler does not support. */
export function schemaDraftOf(schema: unknown): SchemaDraft | undefined {
  const declared = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>).$schema : undefined;
  if (declared === undefined) return '2020-12';
  if (typeof declared === 'string') {
    if (/json-schema\.org\/draft\/2020-12\/schema/.test(declared)) return '2020-12';
    if (/json-schema\.org\/draft-0[67]\/schema/.test(declared)) return 'draft-07';
  }
  return undefined;
}
