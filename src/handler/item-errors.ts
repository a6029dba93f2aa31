/** The client-visible failures about one item, as problems. */
import { HttpError } from './http';
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
