/** The client-visible failures about one item, as problems. */
import { HttpError } from './http';
import { parentPathOf } from './relations';
import type { OperationRequest, Services } from './services';
import { PROBLEMS, ProblemViolation } from '../shared/problems';

export function invalidItem(errors: ProblemViolation[]): HttpError {
  const n = errors.length;
  return new HttpError(PROBLEMS.VALIDATION_FAILED, `The item is invalid: ${n} violation${n === 1 ? '' : 's'}, listed in 'errors'.`, { errors });
}

export function notFound(id: string): HttpError {
  return new HttpError(PROBLEMS.NOT_FOUND, `No item with id '${id}'.`);
}

export function alreadyExists(id: string): HttpError {
  return new HttpError(PROBLEMS.ALREADY_EXISTS, `An item with id '${id}' already exists.`);
}

export function preconditionFailed(): HttpError {
  return new HttpError(PROBLEMS.PRECONDITION_FAILED, 'The item does not match the request\'s If-Match / If-None-Match; read it again and retry.');
}

/** A nested write whose parent does not exist (or is being deleted). */
export function parentNotFound(s: Services, req: OperationRequest): HttpError {
  return new HttpError(PROBLEMS.PARENT_NOT_FOUND,
    `No ${s.config.parent} item at ${parentPathOf(req)} (or it is being deleted); create it first, then its ${s.config.name}.`);
}

/** DELETE of an item that still has children. */
export function hasChildren(s: Services, req: OperationRequest, id: string, children: readonly string[]): HttpError {
  const path = `${req.ancestors.length ? parentPathOf(req) : ''}/${s.config.name}/${encodeURIComponent(id)}`;
  return new HttpError(PROBLEMS.HAS_CHILDREN,
    `${path} still has ${children.join(' and ')}; delete them first (an item is deleted only once it has no children).`);
}
