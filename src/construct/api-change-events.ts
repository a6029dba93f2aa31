import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ChangePublisher } from './change-publisher';
import type { CrudResource } from './crud-resource';
import { publisherCode } from './handler-code';
import type { CrudApiPlan } from './plan';
import type { HandlerConfig } from '../shared/config';

/**
 * The change events of an API: its own bus (`EventBus`, one per API, only when a resource's `toEventBus()` names no
 * bus; encrypted with `encryptionKey` when set, else EventBridge's AWS-owned key) and one publisher per resource
 * with events (`<resource>/ChangeEvents`). Returns the API's bus, when created.
 */
export function addChangePublishers(
  scope: Construct, plan: CrudApiPlan, resources: CrudResource[], config: HandlerConfig,
): events.EventBus | undefined {
  const api = plan.api;
  const withEvents = resources.filter((r) => r.plan.changeEvents);
  if (withEvents.length === 0) return undefined;
  const ownBus = withEvents.some((r) => !r.plan.changeEvents!.bus) ? new events.EventBus(scope, 'EventBus', {
    description: `Change events of ${scope.node.path} (cdk-serverless-crud-api)`.slice(0, 512),
    kmsKey: api.encryptionKey,
  }) : undefined;
  // One asset for every publisher of the API, as for its CRUD functions.
  const code = publisherCode(config);
  for (const resource of withEvents) {
    const events_ = resource.plan.changeEvents!;
    resource.changePublisher = new ChangePublisher(resource, 'ChangeEvents', {
      resourceName: resource.resourceName,
      table: resource.table,
      plan: events_,
      lambda: resource.plan.lambda,
      code,
      bus: events_.bus ?? ownBus!,
      source: api.changeEventSource,
      encryptionKey: api.encryptionKey,
      hardened: api.hardened,
      ownerPath: scope.node.path,
    });
  }
  return ownBus;
}
