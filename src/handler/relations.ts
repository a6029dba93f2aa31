/**
 * Parents and children: the key of a nested item's parent (checked in the same transaction as every write that may
 * create the item), the partition of an item's children (checked before the item is deleted), and the delete lease
 * that makes that check and the delete atomic with respect to the creation of children.
 */
import { randomInt } from 'crypto';
import type { DynamoItem } from './marshal';
import type { OperationRequest, Services } from './services';
import type { ParentCheck } from './store';
import { DELETE_LEASE_MS } from '../shared/config';
import { keyAttributeValue } from '../shared/key-values';
import { PARENT_KEY_ATTRIBUTE, scopeValue } from '../shared/keys';

/** The parent check of a write to a nested resource, or undefined for a top-level one. */
export function parentCheckOf(s: Services, req: OperationRequest): ParentCheck | undefined {
  if (s.config.parent === undefined) return undefined;
  if (s.parent === undefined) throw new Error(`this function has no table for '${s.config.parent}', the parent of '${s.config.name}'`);
  const model = s.parent.model;
  const ancestors = req.ancestors;
  const own = ancestors[ancestors.length - 1];
  const key: DynamoItem = { [model.idAttribute]: keyAttributeValue(model.idType, own.value) };
  if (model.scopeAttribute === PARENT_KEY_ATTRIBUTE) {
    key[PARENT_KEY_ATTRIBUTE] = { S: scopeValue(req.owner, ancestors.slice(0, -1).map((a) => a.value)) };
  } else if (model.scopeAttribute !== undefined) {
    if (req.owner === undefined) throw new Error('owner-scoped parent without an owner');
    key[model.scopeAttribute] = { S: req.owner };
  }
  return { tableName: s.parent.tableName, key, idAttribute: model.idAttribute, nowMs: s.clock().getTime() };
}

/** The partition that holds the children of item `id` (in every child resource's table). */
export function childPartitionOf(req: OperationRequest, id: string): string {
  return scopeValue(req.owner, [...req.ancestors.map((a) => a.value), id]);
}

/** The path of a nested item's parent, for messages: `/projects/p1`. */
export function parentPathOf(req: OperationRequest): string {
  const parts: string[] = [];
  for (const a of req.ancestors) parts.push(a.resource, encodeURIComponent(a.value));
  return '/' + parts.join('/');
}

/**
 * A new delete lease: its expiry in epoch ms, then random digits (never ending in 0, so the number DynamoDB stores
 * reads back the same), unique enough to tell two deletes apart.
 */
export function newDeleteLease(nowMs: number): string {
  return `${nowMs + DELETE_LEASE_MS}.${String(randomInt(0, 100_000_000)).padStart(8, '0')}${randomInt(1, 10)}`;
}

/** When a delete lease ends, in epoch ms. */
export function leaseExpiry(lease: string): number {
  return Number(lease.slice(0, lease.indexOf('.')));
}
