import * as fs from 'fs';
import * as path from 'path';

// Reads the jsii assembly written by `npx projen compile` (the build runs it before the tests).
const ASSEMBLY = path.join(__dirname, '..', '..', '.jsii');

describe('public API documentation (jsii assembly)', () => {
  const assembly = fs.existsSync(ASSEMBLY) ? JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8')) : undefined;

  test('the assembly exists (run `npx projen compile` first)', () => {
    expect(assembly).toBeDefined();
  });

  const types = Object.values<any>(assembly?.types ?? {});

  test('exposes exactly the intended types', () => {
    expect(types.map((t) => t.name).sort()).toEqual([
      'AccessLevel', 'AlarmThresholds', 'ApiAuthorization', 'ChangeEventPatternOptions', 'ChangeEventType', 'ChangeEvents', 'ChangeEventsOptions',
      'CognitoAuthorizationProps', 'CrudMetricOptions', 'CrudResourceProps',
      'FunctionRouteProps', 'HandlerMode', 'ICrudResource', 'IdGenerator', 'IdType', 'JwtAuthorizationProps', 'KeyAttributeType', 'Operation',
      'SecondaryIndex', 'ServerlessCrudApi', 'ServerlessCrudApiProps', 'SubscriberOptions', 'TableAccess',
    ]);
  });

  test('every type, property and method has a summary; every optional property has a @default', () => {
    const missing: string[] = [];
    for (const t of types) {
      if (!t.docs?.summary) missing.push(`${t.name}: no summary`);
      for (const p of t.properties ?? []) {
        if (!p.docs?.summary) missing.push(`${t.name}.${p.name}: no summary`);
        if (t.kind === 'interface' && p.optional && !p.docs?.default) missing.push(`${t.name}.${p.name}: optional without @default`);
      }
      for (const m of t.methods ?? []) if (!m.docs?.summary) missing.push(`${t.name}.${m.name}(): no summary`);
      for (const m of t.members ?? []) if (!m.docs?.summary) missing.push(`${t.name}.${m.name}: no summary`);
    }
    expect(missing).toEqual([]);
  });

  test('the one-liner is possible: ServerlessCrudApi props are optional and every prop is optional', () => {
    const ctor = types.find((t) => t.name === 'ServerlessCrudApi').initializer;
    expect(ctor.parameters[2]).toMatchObject({ name: 'props', optional: true });
    const props = types.find((t) => t.name === 'ServerlessCrudApiProps').properties;
    expect(props.filter((p: any) => !p.optional).map((p: any) => p.name)).toEqual([]);
  });
});
