/**
 * The operations of a JSON patch (RFC 6902) body, each checked against RFC 6902 §4 before any
 * applies (json-patch.ts applies them), so that a malformed body is answered with every problem at
 * once: a BadRequestError (400), pointers into the patch body; more than 10,000 operations is a
 * PayloadTooLargeError (413), as in Kubernetes' patch handler. Pure.
 */
import { BadRequestError, type FieldProblem, PayloadTooLargeError } from '../../errors.js';
import { inspectValue, isObject, kindOf, REFUSED_NAMES, render, summary } from './patch-body.js';

/** Kubernetes' bound (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type Op = (typeof OPS)[number];

/** One operation, its pointers parsed into tokens; the texts are kept for messages. */
export interface Operation {
  op: Op;
  path: string[];
  pathText: string;
  from: string[];
  fromText: string;
  value: unknown;
}

/** The tokens of an RFC 6901 pointer, or why it is not one. */
function parsePointer(text: string): string[] | { problem: string } {
  if (text === '') return [];
  if (!text.startsWith('/'))
    return { problem: `"${text}" is not a JSON pointer (it must be empty or start with "/")` };
  if (/~(?![01])/.test(text))
    return { problem: `"${text}" is not a JSON pointer ("~" must be followed by 0 or 1)` };
  return text
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Every operation, checked against RFC 6902 §4 before any applies; all problems at once. Pure.
 * BadRequestError for a body that is not a patch, PayloadTooLargeError past
 * MAX_JSON_PATCH_OPERATIONS.
 */
export function parseOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    const message = `a JSON patch must be an array of operations, got ${kindOf(operations)}`;
    throw new BadRequestError(message, { problems: [{ pointer: '', message }] });
  }
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PayloadTooLargeError(
      `a JSON patch may hold at most ${MAX_JSON_PATCH_OPERATIONS} operations, got ${operations.length}`,
    );
  }
  const problems: FieldProblem[] = [];
  const parsed = operations.map((candidate: unknown, index) => parseOperation(candidate, index, problems));
  if (problems.length > 0)
    throw new BadRequestError(`malformed JSON patch: ${summary(problems)}`, { problems });
  return parsed as Operation[];
}

/** One operation of the body, or undefined with its problems added to `problems`. */
function parseOperation(candidate: unknown, index: number, problems: FieldProblem[]): Operation | undefined {
  const problem = (member: string, message: string): undefined => {
    problems.push({ pointer: `/${index}${member}`, message: `operation ${index}: ${message}` });
    return undefined;
  };
  if (!isObject(candidate)) return problem('', `must be an object, got ${kindOf(candidate)}`);
  const op = candidate.op;
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    return problem('/op', `"op" must be one of ${OPS.join(', ')}, got ${render(op)}`);
  }
  const pointer = (member: 'path' | 'from'): string[] | undefined => {
    const text = candidate[member];
    if (text === undefined) return problem('', `${op} needs a "${member}" (a JSON pointer)`);
    if (typeof text !== 'string') {
      return problem(
        `/${member}`,
        `"${member}" of ${op} must be a string (a JSON pointer), got ${kindOf(text)}`,
      );
    }
    const tokens = parsePointer(text);
    if (!Array.isArray(tokens)) return problem(`/${member}`, `${op} ${member} ${tokens.problem}`);
    const refused = tokens.find((token) => REFUSED_NAMES.has(token));
    if (refused !== undefined) {
      return problem(
        `/${member}`,
        `${op} ${member} "${text}" names "${refused}", a field name Steward refuses`,
      );
    }
    return tokens;
  };
  const path = pointer('path');
  const from = op === 'move' || op === 'copy' ? pointer('from') : [];
  const needsValue = op === 'add' || op === 'replace' || op === 'test';
  if (needsValue && !Object.hasOwn(candidate, 'value')) problem('', `${op} needs a "value"`);
  if (needsValue) inspectValue(candidate.value, `/${index}/value`, problems);
  if (path === undefined || from === undefined) return undefined;
  if (op === 'move' && from.length < path.length && from.every((token, at) => token === path[at])) {
    return problem('/from', `cannot move ${candidate.from} into its own child ${candidate.path}`);
  }
  return {
    op: op as Op,
    path,
    pathText: candidate.path as string,
    from,
    fromText: typeof candidate.from === 'string' ? candidate.from : '',
    value: candidate.value,
  };
}
