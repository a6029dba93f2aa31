/**
 * The expressions of a listing's read: its key condition (the partition, and at most one condition on the sort key)
 * and its projection. Only key conditions: a listing never sends a FilterExpression, so `Limit` and LastEvaluatedKey
 * count exactly what is returned and a page costs what it returns.
 */
import { Expression } from './expression';
import { keyAttributeValue } from '../shared/key-values';
import type { KeyCondition } from '../shared/range-query';

/** The partition a Query reads: a string key attribute and its value. */
export interface PartitionKeyValue {
  readonly attribute: string;
  readonly value: string;
}

/** `#p = :p`, and `AND` the sort key condition, typed as the sort key is. */
export function keyConditionExpression(e: Expression, partition: PartitionKeyValue, condition?: KeyCondition): string {
  const p = `${e.name(partition.attribute)} = ${e.value({ S: partition.value })}`;
  if (condition === undefined) return p;
  const s = e.name(condition.attribute);
  const v = (i: number) => e.value(keyAttributeValue(condition.type, condition.values[i]));
  switch (condition.op) {
    case 'eq': return `${p} AND ${s} = ${v(0)}`;
    case 'gt': return `${p} AND ${s} > ${v(0)}`;
    case 'gte': return `${p} AND ${s} >= ${v(0)}`;
    case 'lt': return `${p} AND ${s} < ${v(0)}`;
    case 'lte': return `${p} AND ${s} <= ${v(0)}`;
    case 'begins': return `${p} AND begins_with(${s}, ${v(0)})`;
    case 'between': return `${p} AND ${s} BETWEEN ${v(0)} AND ${v(1)}`;
  }
}

/** A ProjectionExpression of top-level attribute names (each a placeholder, so any name is taken literally). */
export function projectionExpression(e: Expression, names: readonly string[]): string {
  return names.map((n) => e.name(n)).join(', ');
}
