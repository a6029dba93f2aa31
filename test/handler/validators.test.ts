/**
 * The validation code compiled at synth, as the handler loads it: from the files the construct stages beside the
 * config, on the first validation only, with problem details identical to those of the test harness's compilation.
 */
import * as fs from 'fs';
import { createTestApi } from './support/api';
import { apiEvent } from './support/events';
import { builtinHandlerCode } from '../../src/construct/handler-code';
import { compileSchemaCode } from '../../src/construct/schema-code';
import { validatorsIn, ValidatorSource } from '../../src/handler/validation';
import { CONFIG_VERSION, HandlerConfig } from '../../src/shared/config';

const SCHEMA = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: { title: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' }, due: { format: 'date' }, tags: { type: 'array', uniqueItems: true } },
};

/** The asset folder the construct stages for an API with this schema. */
function stagedAsset(): string {
  const config = { version: CONFIG_VERSION, resources: [{ name: 'items', schema: SCHEMA }] } as unknown as HandlerConfig;
  return (builtinHandlerCode(config, [{ resource: 'items', code: compileSchemaCode(SCHEMA) }]) as unknown as { path: string }).path;
}

test('validatorsIn reads nothing until the first validation, then reads once', () => {
  const dir = stagedAsset();
  // The module object itself: `import * as` copies are read-only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exists = jest.spyOn(require('fs') as typeof fs, 'existsSync');
  try {
    const source = validatorsIn(dir);
    expect(exists).not.toHaveBeenCalled();
    const validate = source('items')!;
    expect(validate({ title: 'ok' })).toBe(true);
    expect(validate({ title: 'NOPE!!' })).toBe(false);
    expect(source('items')).toBe(validate);
    expect(source('other')).toBeUndefined();
    expect(source('__proto__')).toBeUndefined();
    expect(exists).toHaveBeenCalledTimes(1);
  } finally {
    exists.mockRestore();
  }
  expect(validatorsIn('/nonexistent-folder')('items')).toBeUndefined();
});

test('the handler loads the staged validators on its first write only, and answers exactly as with the harness', async () => {
  const staged = validatorsIn(stagedAsset());
  let loads = 0;
  const counting: ValidatorSource = (resource) => (loads++, staged(resource));
  const harness = await createTestApi({ config: { schema: SCHEMA } });
  const api = await createTestApi({ config: { schema: SCHEMA }, deps: { validators: counting } });
  try {
    await api.seed([{ id: 'x', version: 1, createdAt: 'c', updatedAt: 'c', title: 'x' }]);
    expect((await api.call('GET', '/items/x')).status).toBe(200);
    expect((await api.call('GET', '/items')).status).toBe(200);
    expect(loads).toBe(0);
    const bad = { title: 'TOO LONG', due: 'someday', tags: [1, 1], extra: true };
    const event = apiEvent('POST', '/items', { json: bad });
    const [ours, theirs] = [await api.handler(event), await harness.handler(event)];
    expect(ours.statusCode).toBe(422);
    expect(ours.body).toBe(theirs.body);
    expect(JSON.parse(ours.body as string).errors).toHaveLength(5);
    expect((await api.call('PUT', '/items/x', { json: { title: 'abc' } })).status).toBe(200);
    expect((await api.call('PATCH', '/items/x', { json: { title: 'ABC' } })).status).toBe(422);
    expect(loads).toBe(1);
  } finally {
    await api.destroy();
    await harness.destroy();
  }
});
