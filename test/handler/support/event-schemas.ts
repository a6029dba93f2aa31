/**
 * The AsyncAPI document's payload schemas (src/shared/asyncapi.ts, the contract users read) as validators of the events
 * the publisher builds, so the publisher and its published contract cannot drift apart.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiDocument } from '../../../src/shared/asyncapi';
import type { ChangeCloudEvent } from '../../../src/shared/change-events';
import type { HandlerConfig } from '../../../src/shared/config';

/** Problems of an event against its type's schema in the API's AsyncAPI document (empty: valid). */
export function eventSchemaCheck(config: HandlerConfig, source?: string): (event: ChangeCloudEvent) => string[] {
  const doc = asyncApiDocument({
    title: 'test',
    ...(source !== undefined ? { source } : {}),
    resources: config.resources.map((c) => ({ config: c, eventBus: { id: 'bus' } })),
  }) as any;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'doc');
  const byType = new Map<string, string>();
  for (const [name, schema] of Object.entries<any>(doc.components.schemas)) if (typeof schema.title === 'string') byType.set(schema.title, name);
  return (event) => {
    const name = byType.get(event.type);
    if (name === undefined) return [`no schema titled ${event.type}`];
    const validate = ajv.getSchema(`doc#/components/schemas/${name}`)!;
    return validate(event) ? [] : validate.errors!.map((e) => `${event.type} ${e.instancePath} ${e.message}`);
  };
}
