/**
 * JSON merge patch (RFC 7396, which obsoleted RFC 7386 without changing the algorithm), one of the
 * two bodies Kubernetes' PATCH takes besides apply (the other is json-patch.ts). Pure: inputs are
 * never mutated and a result shares no object with them. What a body may hold is patch-body.ts'.
 */
import { BadRequestError, type FieldProblem } from '../../errors.js';
import { inspectValue, isObject, type JsonObject, summary } from './patch-body.js';

/**
 * RFC 7396 JSON merge patch: members of an object patch are merged recursively, a null member
 * removes, an array or any non-object patch replaces the whole. Pure. BadRequestError for a body
 * that is no JSON value, a refused field name or nesting past MAX_PATCH_DEPTH.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === undefined)
    throw new BadRequestError('a JSON merge patch must be a JSON value; the body is empty');
  const problems: FieldProblem[] = [];
  inspectValue(patch, '', problems);
  if (problems.length > 0)
    throw new BadRequestError(`JSON merge patch refused: ${summary(problems)}`, { problems });
  return merge(structuredClone(target), patch);
}

/** RFC 7396 §2 onto `target`, which the caller owns (a clone): changed in place and returned. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = merge(Object.hasOwn(result, name) ? result[name] : undefined, value);
  }
  return result;
}
