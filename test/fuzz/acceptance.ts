/**
 * Which bodies a resource must take and which it must refuse, decided from its document (the request schema, through
 * ajv, as any client's validator would) and from what DynamoDB can store (the limits the README states). A body the
 * fuzzer cannot call either way (numbers at DynamoDB's edge, items near 400 KB) may go either way, but must then be
 * stored exactly as answered.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ResourceSpec } from './contract';
import { Attrs, Json } from './model';
import { HIDDEN_ATTRIBUTES } from '../../src/shared/config';
import { OWNER_INDEX_KEY_PREFIX, PARENT_KEY_ATTRIBUTE, SCOPED_INDEX_KEY_PREFIX } from '../../src/shared/keys';

export type Verdict = 'valid' | 'invalid' | 'unsure';

const MAX_DEPTH = 32;
const MAX_NAME_BYTES = 255;
const MAX_KEY_BYTES = { partition: 2048, sort: 1024 };

/** Names the server keeps to itself (refused in bodies and `fields`). */
export function isHidden(name: string): boolean {
  return Object.values<string>(HIDDEN_ATTRIBUTES).includes(name) || name === PARENT_KEY_ATTRIBUTE
    || name.startsWith(OWNER_INDEX_KEY_PREFIX) || name.startsWith(SCOPED_INDEX_KEY_PREFIX);
}

export class Acceptance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
  private readonly validators = new Map<string, (v: unknown) => boolean>();

  constructor(resources: readonly ResourceSpec[]) {
    addFormats(this.ajv);
    for (const r of resources) {
      const { [r.idAttribute]: _id, ...props } = r.input.properties ?? {};
      this.validators.set(r.name, this.ajv.compile({ ...r.input, properties: props }) as (v: unknown) => boolean);
    }
  }

  /**
   * The verdict on a resource's attributes (the id left out) as they would be stored; `schema` false judges only
   * what DynamoDB and the server's own rules decide (a merge patch's own values, before merging).
   */
  public judge(r: ResourceSpec, attrs: Attrs, schema = true): Verdict {
    let verdict: Verdict = !schema || this.validators.get(r.name)!(attrs) ? 'valid' : 'invalid';
    const worse = (v: Verdict) => {
      if (v === 'invalid' || (v === 'unsure' && verdict === 'valid')) verdict = v;
    };
    for (const [name, value] of Object.entries(attrs)) {
      if (r.managed.includes(name) || isHidden(name) || name === r.idAttribute) worse('invalid');
      const partition = r.partitions.find((p) => p.name === name);
      const range = r.ranges.find((x) => x.name === name && !x.isId);
      if (range?.numeric && typeof value !== 'number') {worse('invalid');} else if ((partition || range) && !range?.numeric) {
        if (typeof value !== 'string' || value === '') worse('invalid');
        else if (Buffer.byteLength(value) > (partition ? MAX_KEY_BYTES.partition : MAX_KEY_BYTES.sort) - 200) worse('unsure');
      }
      worse(storable(value, 1, name));
    }
    if (JSON.stringify(attrs).length > 350 * 1024) worse('unsure');
    return verdict;
  }
}

/** Whether DynamoDB can store a value (its names, strings, numbers and depth). */
function storable(value: Json, depth: number, name?: string): Verdict {
  let verdict: Verdict = 'valid';
  const worse = (v: Verdict) => {
    if (v === 'invalid' || (v === 'unsure' && verdict === 'valid')) verdict = v;
  };
  if (name !== undefined) {
    if (name === '' || name === '__proto__' || /\p{Cs}/u.test(name) || Buffer.byteLength(name) > MAX_NAME_BYTES) worse('invalid');
  }
  if (depth > MAX_DEPTH + 1) return 'invalid';
  if (depth >= MAX_DEPTH - 1 && (Array.isArray(value) || (value !== null && typeof value === 'object'))) worse('unsure');
  if (typeof value === 'string') {
    if (/\p{Cs}/u.test(value)) worse('invalid');
  } else if (typeof value === 'number') {
    const m = Math.abs(value);
    if (m !== 0 && (m < 1e-129 || m > 9.9e125)) worse(m < 1e-131 || m > 1e126 ? 'invalid' : 'unsure');
    else if (m !== 0 && String(value).replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length > 38) worse('unsure');
  } else if (Array.isArray(value)) {
    for (const v of value) worse(storable(v, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) worse(storable(v, depth + 1, k));
  }
  return verdict;
}
