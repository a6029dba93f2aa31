import { Token } from 'aws-cdk-lib';
import type { CrudResourceProps } from './crud-resource-props';
import type { ResourcePlan } from './plan';
import { DEFAULTS, MAX_NESTING_DEPTH } from '../shared/config';
import { routePath } from '../shared/routes';

/*
 * The nesting rules of resolvePlan (#13): which resource is nested under which, checked across the entries of
 * `resources`. checkParents runs before the resources are resolved (their key schemas depend on being nested),
 * checkChains after (it compares the resolved attributes along each chain). Every message names the props by their
 * place in `resources`.
 */

type Fail = (message: string) => never;

/** The parents: each names another resource of the API, no cycle, at most MAX_NESTING_DEPTH levels. */
export function checkParents(entries: readonly CrudResourceProps[], fail: Fail): void {
  const names = entries.map((e) => e.name);
  entries.forEach((entry, i) => {
    const parent = entry.parent;
    if (parent === undefined) return;
    if (Token.isUnresolved(parent)) fail(`'resources[${i}].parent' is a token; a parent is a resource name known at synth time`);
    if (parent === entry.name) {
      fail(`'resources[${i}].parent' names '${parent}' itself; a resource cannot be nested under itself — name another resource or remove parent`);
    }
    if (!names.includes(parent)) {
      fail(`'resources[${i}].parent' names '${parent}', which is not a resource of this API (${names.join(', ')}); use one of those names or remove parent`);
    }
  });
  entries.forEach((entry, i) => {
    const chain = [entry.name];
    let current = entry;
    while (current.parent !== undefined) {
      const next = entries.find((e) => e.name === current.parent)!;
      if (chain.includes(next.name)) {
        fail(`'resources[${i}].parent' makes a cycle (${[...chain, next.name].join(' → ')}); a resource cannot be nested under its own descendant — remove one parent`);
      }
      chain.push(next.name);
      current = next;
    }
    if (chain.length > MAX_NESTING_DEPTH) {
      fail(`'resources[${i}]' ('${entry.name}') is nested ${chain.length} levels deep (${chain.reverse().join(' → ')}); at most ${MAX_NESTING_DEPTH} levels are allowed — ` +
        'nest it under a shallower resource');
    }
  });
}

/** The names of the resources nested directly under `name`, in declared order. */
export function childrenOf(entries: readonly CrudResourceProps[], name: string): string[] {
  return entries.filter((e) => e.parent === name).map((e) => e.name);
}

/**
 * The rules that compare resolved resources along each chain: a parent names its path parameter; path parameters are
 * unique along a chain and none is one of a descendant's own attributes (descendants store each ancestor's id under
 * its path parameter); owner scoping is the same along a chain.
 */
export function checkChains(resources: readonly Omit<ResourcePlan, 'lambda'>[], entries: readonly CrudResourceProps[], fail: Fail): void {
  const at = (name: string) => resources.findIndex((r) => r.name === name);
  resources.forEach((r, i) => {
    if (r.children.length > 0 && r.pathParameter === DEFAULTS.pathParameter && !Token.isUnresolved(entries[i].pathParameter)) {
      fail(`'resources[${i}].pathParameter' is '${r.pathParameter}'${entries[i].pathParameter === undefined ? ' (the default)' : ''}, but '${r.name}' has children ` +
        `(${r.children.join(', ')}): their routes carry its id and their items store it under that name; set a distinct one, e.g. '${singular(r.name)}Id'`);
    }
  });
  resources.forEach((r, i) => {
    if (r.parent === undefined) return;
    const p = at(r.parent);
    const parent = resources[p];
    if ((parent.ownerAttribute === undefined) !== (r.ownerAttribute === undefined)) {
      fail(`'resources[${i}].ownerScoping' is ${r.ownerAttribute !== undefined ? 'on' : 'off'} but its parent '${parent.name}' ('resources[${p}].ownerScoping') ` +
        `has it ${parent.ownerAttribute !== undefined ? 'on' : 'off'}; owner scoping must be the same along a chain (a child's key holds its parent's owner): set both the same`);
    }
    if (r.ownerAttribute !== undefined && r.ownerAttribute !== parent.ownerAttribute) {
      fail(`'resources[${i}].ownerAttribute' is '${r.ownerAttribute}' but its parent '${parent.name}' ('resources[${p}].ownerAttribute') uses '${parent.ownerAttribute}'; ` +
        'owner scoping must be the same along a chain: use one owner attribute');
    }
    // Every ancestor's path parameter against this resource's own names.
    const own: [string, string][] = [
      [`resources[${i}].pathParameter`, r.pathParameter],
      [`resources[${i}].idAttribute`, r.idAttribute],
      ...(r.ownerAttribute !== undefined ? [[`resources[${i}].ownerAttribute`, r.ownerAttribute] as [string, string]] : []),
      ...r.indexes.flatMap((ix, k) => [
        ...(ix.partitionKey !== undefined ? [[`resources[${i}].indexes[${k}].partitionKey`, ix.partitionKey] as [string, string]] : []),
        ...(ix.sortKey !== undefined ? [[`resources[${i}].indexes[${k}].sortKey`, ix.sortKey] as [string, string]] : []),
      ]),
    ];
    for (let a: string | undefined = r.parent; a !== undefined; a = resources[at(a)].parent) {
      const ancestor = resources[at(a)];
      const clash = own.find(([, name]) => name === ancestor.pathParameter);
      if (clash) {
        const path = routePath(resources, r.name, 'item');
        fail(`'resources[${at(a)}].pathParameter' '${ancestor.pathParameter}' is also '${clash[0]}' of its descendant '${r.name}' (${path}); ` +
          `path parameters must be unique along a chain and differ from a descendant's attributes (it stores '${ancestor.name}''s id under '${ancestor.pathParameter}'): rename one`);
      }
    }
  });
}

/** `projects` → `project`, for a suggested path parameter. */
function singular(name: string): string {
  const base = name.replace(/[^A-Za-z0-9_]/g, '_');
  return base.endsWith('s') && base.length > 1 ? base.slice(0, -1) : base;
}
