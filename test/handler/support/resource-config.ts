import { ALL_OPERATIONS, DEFAULTS, ResourceConfig } from '../../../src/shared/config';

/** A resource's handler config as the construct writes it by default (every operation, no index), with `overrides`. */
export function resourceConfig(overrides: Partial<ResourceConfig> = {}): ResourceConfig {
  return {
    name: 'items',
    idAttribute: 'id',
    operations: [...ALL_OPERATIONS],
    indexes: [],
    defaultPageSize: DEFAULTS.defaultPageSize,
    maxPageSize: DEFAULTS.maxPageSize,
    idempotencyTtlSeconds: DEFAULTS.idempotencyTtlSeconds,
    ...overrides,
  };
}
