/** Requests sent at once, whose outcome the model still decides exactly. */
import { fillPath, ResourceSpec } from './contract';
import { ApiModel, Attrs, Id } from './model';
import { checkItem, fail, itemFrom, itemPath, pathIdProblem, placeOf, remember, resolveTarget, written } from './step-support';
import { Step, World } from './steps';
import { Wire, WireResponse } from './wire';

/** Three (or two) requests at once: exactly one wins where one must, none is lost where all must land. */
export async function race(step: Extract<Step, { kind: 'race' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  if (!place.parentExists) return;
  if (world.acceptance.judge(r, step.body) !== 'valid') return;
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  if (pathIdProblem(r, id)) return;
  const json = { ...place.headers, 'content-type': 'application/json' };
  const all = (n: number, make: (i: number) => Parameters<Wire['send']>[0]) => Promise.all(Array.from({ length: n }, (_, i) => world.wire.send(make(i))));
  const statuses = (rs: (WireResponse | undefined)[]) => rs.map((x) => x?.status ?? 0).sort((a, b) => a - b);
  // Racers write different content: an attribute of their own, or (a closed schema) a different name.
  const closed = r.input.additionalProperties === false;
  const racer = (i: number): Attrs => (closed ? { ...step.body, name: `racer ${i}` } : { ...step.body, racer: i });
  const racerOf = (res: WireResponse): Attrs => (closed ? { ...step.body, name: res.json.name } : { ...step.body, racer: res.json.racer });
  switch (step.what) {
    case 'idempotent-posts': {
      const key = `race-${model.all(r).length}-${model.idempotency.get(r.name)!.size}`;
      const sent = r.serverIds ? step.body : { [r.idAttribute]: id, ...step.body };
      if (!r.serverIds && item) return;
      const rs = await all(3, () => ({ method: 'POST', path: place.basePath, headers: { ...json, 'idempotency-key': key }, body: JSON.stringify(sent) }));
      if (statuses(rs).join() !== '201,201,201') fail(step, `statuses ${statuses(rs).join()} (one key, one body: all 201)`);
      const ids = new Set(rs.map((x) => String(x!.json[r.idAttribute])));
      if (ids.size !== 1) fail(step, `one key answered ${ids.size} different items`);
      if (new Set(rs.map((x) => x!.headers.etag)).size !== 1) fail(step, 'one key answered different ETags');
      if (rs.filter((x) => x!.headers['idempotent-replayed'] !== 'true').length !== 1) fail(step, 'not exactly one original among the answers');
      const got = rs.find((x) => x!.headers['idempotent-replayed'] !== 'true')!;
      const newId: Id = got.json[r.idAttribute];
      const created = itemFrom(got, newId, step.body, 1, place.ancestors);
      model.noteEtag(r, place.scope, newId, created.etag);
      model.put(r, place.scope, created);
      remember(model, r, world, step.tenant, key, place, sent, created);
      return;
    }
    case 'same-id-posts': {
      if (r.serverIds || item) return;
      const rs = await all(3, (i) => ({ method: 'POST', path: place.basePath, headers: json, body: JSON.stringify({ [r.idAttribute]: id, ...racer(i) }) }));
      if (statuses(rs).join() !== '201,409,409') fail(step, `statuses ${statuses(rs).join()} (one id: one 201, two 409)`);
      const won = rs.find((x) => x!.status === 201)!;
      const created = itemFrom(won, id, racerOf(won), 1, place.ancestors);
      written(step, won, r, model, place, created);
      return;
    }
    case 'if-match-puts': {
      if (!item) return;
      const rs = await all(3, (i) => ({ method: 'PUT', path: itemPath(r, place, id), headers: { ...json, 'if-match': item.etag }, body: JSON.stringify(racer(i)) }));
      if (statuses(rs).join() !== '200,412,412') fail(step, `statuses ${statuses(rs).join()} (one If-Match: one 200, two 412)`);
      const won = rs.find((x) => x!.status === 200)!;
      written(step, won, r, model, place, { ...itemFrom(won, id, racerOf(won), item.version + 1, item.ancestors), createdAt: item.createdAt }, item);
      return;
    }
    case 'disjoint-patches': {
      if (!item || r.input.additionalProperties === false) return;
      const rs = await all(3, (i) => ({ method: 'PATCH', path: itemPath(r, place, id), headers: { ...place.headers, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ [`race${i}`]: i }) }));
      if (statuses(rs).join() !== '200,200,200') fail(step, `statuses ${statuses(rs).join()} (patches of different attributes: all 200)`);
      const versions = rs.map((x) => x!.json.version).sort((a, b) => a - b);
      if (versions.join() !== [1, 2, 3].map((d) => item.version + d).join()) fail(step, `versions ${versions.join()} after ${item.version}`);
      const last = rs.find((x) => x!.json.version === item.version + 3)!;
      const attrs = { ...item.attrs, race0: 0, race1: 1, race2: 2 };
      for (const x of rs) model.noteEtag(r, place.scope, id, x!.headers.etag);
      checkItem(step, last, r, { id, attrs, version: item.version + 3 }, place);
      model.put(r, place.scope, { ...item, attrs, version: item.version + 3, etag: last.headers.etag, updatedAt: last.json.updatedAt });
      return;
    }
    case 'deletes': {
      if (!item || model.hasChildren(r, place.scope, id)) return;
      const rs = await all(2, () => ({ method: 'DELETE', path: itemPath(r, place, id), headers: place.headers }));
      if (statuses(rs).join() !== '204,404') fail(step, `statuses ${statuses(rs).join()} (two deletes: one 204, one 404)`);
      model.delete(r, place.scope, id);
      return;
    }
    case 'child-vs-parent-delete': {
      // A parent's delete against a child's creation: never both (an orphan), never neither.
      const child = world.resources.find((c) => c.ancestors.length === r.ancestors.length + 1 && c.ancestors[c.ancestors.length - 1].name === r.item.split('/').pop()!.slice(1, -1));
      if (!child || !item || model.hasChildren(r, place.scope, id)) return;
      const childPlace = { ...place, ancestors: { ...place.ancestors, [child.ancestors[child.ancestors.length - 1].name]: id } };
      const childScope = model.scopeOf(child, place.owner, childPlace.ancestors);
      const childId: Id = child.idNumeric ? 1 : 'x1';
      const [del, made] = await Promise.all([
        world.wire.send({ method: 'DELETE', path: itemPath(r, place, id), headers: place.headers }),
        world.wire.send({ method: 'POST', path: fillPath(child.collection, childPlace.ancestors), headers: json, body: JSON.stringify(child.serverIds ? {} : { [child.idAttribute]: childId }) }),
      ]);
      const pair = `${del?.status},${made?.status}`;
      if (pair === '204,404') {
        model.delete(r, place.scope, id);
      } else if (pair === '409,201') {
        const newId: Id = made!.json[child.idAttribute];
        model.noteEtag(child, childScope, newId, made!.headers.etag);
        model.put(child, childScope, itemFrom(made!, newId, {}, 1, childPlace.ancestors));
      } else {
        fail(step, `parent DELETE ${del?.status} and child POST ${made?.status}: expected 204 and 404, or 409 and 201`);
      }
      return;
    }
  }
}
