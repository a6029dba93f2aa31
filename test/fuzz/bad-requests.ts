/** Requests that must be refused, each built from the resource's routes: a 4xx, and nothing changed. */
import { gzipSync } from 'zlib';
import { RangeParam, ResourceSpec } from './contract';
import { ApiModel, Id } from './model';
import { bodyOf, checkItem, expectStatus, itemFrom, itemPath, pathIdProblem, placeOf, resolveTarget } from './step-support';
import { Step, World } from './steps';
import { nested } from './values';
import { Lie } from './wire';

/** Requests that must be refused (4xx, nothing changed), each built from the resource's routes. */
export async function bad(step: Extract<Step, { kind: 'bad' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const listing = (query: string) => ({ method: 'GET', path: `${place.basePath}?${query}`, headers: place.headers });
  const json = { ...place.headers, 'content-type': 'application/json' };
  const post = (payload: string | Buffer, headers: Record<string, string> = json, lie?: Lie) => ({ method: 'POST', path: place.basePath, headers, body: payload, lie });
  const valid = bodyOf(r.serverIds ? {} : {}, r.serverIds ? undefined : id, r.idAttribute);
  const rangeOf = (pred: (x: RangeParam) => boolean) => r.ranges.find(pred);
  const s = r.ranges.find((x) => !x.numeric);
  const n = r.ranges.find((x) => x.numeric);
  const needs = (x?: RangeParam) => (x?.needs ? `${x.needs}=open&` : '');
  let req: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer; lie?: Lie };
  let allowed = [400];
  switch (step.what) {
    case 'limit-zero': req = listing('limit=0'); break;
    case 'limit-over': req = listing(`limit=${r.maxPageSize + 1}`); break;
    case 'limit-text': req = listing('limit=1e1'); break;
    case 'limit-twice': req = listing('limit=1&limit=2'); break;
    case 'cursor-garbage': req = listing('cursor=!!not-a-cursor'); break;
    // Under API Gateway's 10 KB request line and headers (a longer one never reaches the function).
    case 'cursor-long': req = listing(`cursor=${'A'.repeat(9 * 1024)}`); break;
    case 'cursor-forged': req = listing(`cursor=${Buffer.from(JSON.stringify({ v: 1, k: { id: 'x' } })).toString('base64url')}`); break;
    case 'unknown-param': req = listing('nope=1'); break;
    case 'range-bad-op': req = s ? listing(`${needs(s)}${s.name}=after.2026`) : listing('title=gte.a'); break;
    case 'range-bad-number': req = n ? listing(`${needs(n)}${n.name}=gte.01`) : listing('x=1'); break;
    case 'range-empty-value': req = s ? listing(`${needs(s)}${s.name}=gte.`) : listing('x=1'); break;
    case 'range-begins-number': req = n ? listing(`${needs(n)}${n.name}=begins.1`) : listing('x=1'); break;
    case 'range-inverted': req = n ? listing(`${needs(n)}${n.name}=gte.5&${n.name}=lte.1`) : listing('x=1'); break;
    case 'order-sideways': req = listing('order=sideways'); break;
    case 'fields-hidden': req = listing('fields=_generation'); break;
    case 'fields-too-many': req = listing(`fields=${Array.from({ length: 101 }, (_, i) => `f${i}`).join(',')}`); break;
    case 'fields-empty': req = listing('fields=a,,b'); break;
    case 'two-partitions': req = r.partitions.length ? listing(`${r.partitions[0].name}=a&${r.partitions[0].name}=b`) : listing('x=1'); break;
    case 'id-noncanonical': req = { method: 'GET', path: itemPath(r, place, r.idNumeric ? '07' : 'a'.repeat(1025)), headers: place.headers }; break;
    case 'id-too-long': req = { method: 'DELETE', path: itemPath(r, place, r.idNumeric ? '1.0' : '🦄'.repeat(257)), headers: place.headers }; break;
    case 'json-broken': req = post('{"a":'); break;
    case 'json-array': req = post('[{"a":1}]'); break;
    case 'json-trailing-comma': req = post('{"a":1,}'); break;
    case 'json-empty': req = post(''); break;
    case 'utf8-invalid': req = post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])); break;
    case 'body-huge': req = post(`{"a":"${'x'.repeat(1024 * 1024 + 1)}"}`); allowed = [413]; break;
    case 'item-too-large': req = post(bodyOf({ big: 'x'.repeat(410 * 1024) }, r.serverIds ? undefined : id, r.idAttribute)); allowed = [413, 422]; break;
    case 'gzip-body': req = post(gzipSync(valid), { ...json, 'content-encoding': 'gzip' }); allowed = [400, 415]; break;
    case 'type-text': req = post(valid, { ...place.headers, 'content-type': 'text/plain' }); allowed = [415]; break;
    case 'type-latin1': req = post(valid, { ...place.headers, 'content-type': 'application/json; charset=iso-8859-1' }); allowed = [415]; break;
    case 'type-missing': req = post(valid, place.headers); allowed = [415]; break;
    case 'type-patch-on-post': req = post(valid, { ...place.headers, 'content-type': 'application/merge-patch+json' }); allowed = [415]; break;
    case 'idem-empty': req = post(valid, { ...json, 'idempotency-key': '""' }); break;
    case 'idem-non-ascii': req = post(valid, { ...json, 'idempotency-key': 'clé' }); break;
    case 'idem-long': req = post(valid, { ...json, 'idempotency-key': 'k'.repeat(256) }); break;
    case 'lie-short': req = post(`{"bad":"${'x'.repeat(10)}"}`, json, 'short-length'); break;
    case 'lie-long': req = post('{"a":1}', json, 'long-length'); break;
    case 'lie-two': req = post(valid, json, 'two-lengths'); break;
    case 'lie-chunked': req = post(valid, json, 'length-and-chunked'); break;
    case 'method-undeclared': req = { method: 'POST', path: itemPath(r, place, id), headers: json, body: valid }; allowed = [404]; break;
    case 'path-undeclared': req = { method: 'GET', path: `${place.basePath}/${encodeURIComponent(String(id))}/extra`, headers: place.headers }; allowed = [404]; break;
    case 'path-bad-escape': req = { method: 'DELETE', path: `${place.basePath}/%E0%A4%A`, headers: place.headers }; allowed = [404]; break;
    case 'query-bad-escape': req = listing('limit=%ZZ'); break;
    case 'body-deep': req = post(bodyOf({ deep: nested(200) }, r.serverIds ? undefined : id, r.idAttribute)); allowed = [400, 422]; break;
    case 'json-duplicate-keys': req = post(`{"dup":1,"dup":2${r.serverIds ? '' : `,"${r.idAttribute}":${JSON.stringify(id)}`}}`); allowed = [400, 422]; break;
    case 'id-unsafe-number': req = { method: 'GET', path: r.idNumeric ? itemPath(r, place, '9007199254740993') : `${place.basePath}/%ED%A0%80`, headers: place.headers }; allowed = r.idNumeric ? [400] : [404]; break;
    case 'id-negative-zero': req = { method: 'PUT', path: itemPath(r, place, r.idNumeric ? '-0' : 'a'.repeat(1025)), headers: json, body: '{}' }; break;
    case 'id-plus': req = { method: 'DELETE', path: itemPath(r, place, r.idNumeric ? '+1' : 'x'.repeat(2000)), headers: place.headers }; break;
    case 'method-head': req = { method: 'HEAD', path: place.basePath, headers: place.headers }; allowed = [404]; break;
    case 'method-put-collection': req = { method: 'PUT', path: place.basePath, headers: json, body: valid }; allowed = [404]; break;
    case 'method-options': req = { method: 'OPTIONS', path: itemPath(r, place, id), headers: place.headers }; allowed = [404]; break;
    case 'param-twice': req = listing('order=asc&order=desc'); break;
    case 'patch-past-item-limit': {
      // An item near DynamoDB's 400 KB, then a patch that would take it past: 413, and the item as it was.
      if (r.input.additionalProperties === false || pathIdProblem(r, id)) return;
      const big = { big: 'b'.repeat(300 * 1024) };
      const made = await world.wire.send(post(bodyOf(big, r.serverIds ? undefined : id, r.idAttribute)));
      if (made?.status !== 201) {
        expectStatus(step, made, [409, 404]);
        return;
      }
      const newId: Id = made.json[r.idAttribute];
      const item = itemFrom(made, newId, big, 1, place.ancestors);
      checkItem(step, made, r, item, place);
      model.noteEtag(r, place.scope, newId, item.etag);
      model.put(r, place.scope, item);
      req = { method: 'PATCH', path: itemPath(r, place, newId), headers: { ...place.headers, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ more: 'm'.repeat(120 * 1024) }) };
      allowed = [413];
      break;
    }
    case 'cursor-other-tenant': case 'cursor-other-order': {
      // A real cursor of this listing, replayed by the other tenant (or under another parent), or with another order.
      const first = await world.wire.send(listing('limit=1'));
      const cursor = first?.status === 200 ? first.json.nextCursor : undefined;
      if (!cursor) return;
      if (step.what === 'cursor-other-order') {
        if (r.scans) return;
        req = listing(`limit=1&order=desc&cursor=${cursor}`);
      } else {
        const other = placeOf(world, model, r, step.tenant === 'a' ? 'b' : 'a', { pick: step.parent.pick + 1, kind: 'existing' });
        if (other.scope === place.scope) return;
        req = { method: 'GET', path: `${other.basePath}?limit=1&cursor=${cursor}`, headers: other.headers };
      }
      break;
    }
    case 'body-null-proto': req = post(`{"__proto__":{"admin":true}${r.serverIds ? '' : `,"${r.idAttribute}":${JSON.stringify(id)}`}}`); allowed = [400, 422]; break;
  }
  void rangeOf;
  const res = await world.wire.send(req);
  if (req.lie && (res === undefined || (res.status === 400 && res.body === ''))) return;
  expectStatus(step, res, req.lie ? [400, 413] : allowed);
}
