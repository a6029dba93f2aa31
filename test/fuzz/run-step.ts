/** The step interpreter's entry: one step, against the API and the model. */
import { bad } from './bad-requests';
import { create, list, patchStep, put, read, remove, replay } from './crud-steps';
import { ApiModel } from './model';
import { race } from './races';
import { fail } from './step-support';
import { Step, World } from './steps';

/** Runs one step against the API and the model. */
export async function runStep(step: Step, model: ApiModel, world: World): Promise<void> {
  const label = step.kind === 'race' || step.kind === 'bad' ? `${step.kind} ${step.what}` : step.kind;
  world.stats.set(label, (world.stats.get(label) ?? 0) + 1);
  if (step.kind === 'check') {
    const diff = await world.scanDiff(model);
    if (diff.length) fail(step, `the tables differ from the model:\n      ${diff.slice(0, 10).join('\n      ')}`);
    return;
  }
  const r = world.resources.find((x) => x.name === step.r)!;
  const tenant = step.tenant;
  switch (step.kind) {
    case 'create': return create(step, r, model, world);
    case 'replay': return replay(step, r, model, world, tenant);
    case 'read': return read(step, r, model, world);
    case 'put': return put(step, r, model, world);
    case 'patch': return patchStep(step, r, model, world);
    case 'delete': return remove(step, r, model, world);
    case 'list': return list(step, r, model, world);
    case 'bad': return bad(step, r, model, world);
    case 'race': return race(step, r, model, world);
  }
}
