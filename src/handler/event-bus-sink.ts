/**
 * The publisher's sink in AWS: EventBridge's PutEvents, and how its client is configured (one place, as the CRUD
 * handler's DynamoDB client in dynamodb-client.ts).
 */
import { EventBridgeClient, EventBridgeClientConfig, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ChangeEventSink } from '../shared/change-events';

/**
 * Region and endpoint come from the standard environment. Timeouts bound a hung connection well inside the function's
 * timeout; the SDK's standard retry mode (3 attempts) retries a throttled or failed request as a whole, the publisher
 * retries the entries EventBridge refused one by one. `cacheMiddleware`: see dynamodb-client.ts.
 */
export const EVENTBRIDGE_CLIENT_CONFIG: EventBridgeClientConfig = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  cacheMiddleware: true,
};

/**
 * A sink that puts entries on EventBridge: one PutEvents request per call (each entry names the bus), results in entry
 * order. Its only call is PutEvents (PUBLISHER_EVENT_BUS_ACTIONS in src/shared/change-events.ts).
 */
export function eventBridgeSink(client: EventBridgeClient): ChangeEventSink {
  return {
    async putEvents(entries) {
      const out = await client.send(new PutEventsCommand({ Entries: entries.map((e) => ({ ...e })) }));
      const results = out.Entries ?? [];
      return entries.map((_, i) => {
        const r = results[i];
        if (r?.ErrorCode === undefined && r?.EventId !== undefined) return undefined;
        return { errorCode: r?.ErrorCode ?? 'MissingResult', ...(r?.ErrorMessage !== undefined ? { errorMessage: r.ErrorMessage } : {}) };
      });
    },
  };
}
