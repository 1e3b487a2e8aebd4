/**
 * JSON merge patch (RFC 7396, which obsoleted RFC 7386 without changing the algorithm) and JSON
 * patch (RFC 6902), the two bodies Kubernetes' PATCH takes besides apply. Pure: inputs are never
 * mutated and a result shares no object with them.
 *
 * Errors follow Kubernetes' patch handler: a body that is not a patch is a BadRequestError (400)
 * listing every problem at once, pointers into the patch body; more than 10,000 operations is a
 * PayloadTooLargeError (413); an operation that cannot apply is an InvalidError (422) naming the
 * operation's index, op and path, its pointer the field of the resource. Operations apply in order,
 * so only the first failure is reported: later ones depend on it.
 *
 * The field names `__proto__`, `constructor` and `prototype` are refused anywhere in a patch (400):
 * no Steward resource has them, and refusing them rules out a write through a prototype whatever
 * the code downstream does with the result.
 *
 * RFC 6902 is written here, not taken from fast-json-patch 3.1.1: that library resolves pointers
 * through inherited members (`remove /toString` succeeds on `{}`; `replace /hasOwnProperty` adds a
 * member where RFC 6902 requires an error), throws a bare TypeError (a 500) on a `move` into its
 * own child, accepts `~2` in a pointer, has no bound on what `copy` may duplicate, and its ES module
 * entry exports no named function. A guard for each is most of an implementation.
 */
import { BadRequestError, type FieldProblem, InvalidError, PayloadTooLargeError } from '../../errors.js';
import { jsonEqual } from '../../resources/json-equal.js';

type JsonObject = { [key: string]: unknown };

const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper values are refused, so that the recursive merge and clones cannot exhaust the stack. */
export const MAX_PATCH_DEPTH = 512;
/** Kubernetes' bound (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
/**
 * What `copy` operations of one patch may duplicate in total (JSON characters), as Kubernetes'
 * AccumulatedCopySizeLimit: each copy may double the document, so 30 of them in a small body would
 * otherwise build a billion-node object.
 */
export const DEFAULT_MAX_COPIED_CHARS = 3 * 1024 * 1024;

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type Op = (typeof OPS)[number];

interface Operation {
  op: Op;
  path: string[];
  pathText: string;
  from: string[];
  fromText: string;
  value: unknown;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** RFC 6901 escaping of one reference token. */
function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointerOf(tokens: readonly string[]): string {
  return tokens.map((token) => `/${escapeToken(token)}`).join('');
}

/** A short rendering of a value for a message: patch bodies may hold large documents. */
function render(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

interface ValueFrame {
  parent?: ValueFrame;
  key: string;
  value: unknown;
  depth: number;
}

/** The pointer of a frame, built only for a problem: frames link to their parents. */
function framePointer(frame: ValueFrame): string {
  const tokens: string[] = [];
  for (let at: ValueFrame | undefined = frame; at?.parent !== undefined; at = at.parent) tokens.push(at.key);
  return pointerOf(tokens.reverse());
}

/**
 * Refused field names and nesting past MAX_PATCH_DEPTH in a value taken from a patch body, pointers
 * under `pointer`. Iterative, so that a deeply nested body cannot overflow the stack before it is
 * refused.
 */
function inspectValue(value: unknown, pointer: string, problems: FieldProblem[]): void {
  const pending: ValueFrame[] = [{ key: '', value, depth: 0 }];
  while (pending.length > 0) {
    const frame = pending.pop() as ValueFrame;
    if (frame.parent && !Array.isArray(frame.parent.value) && REFUSED_NAMES.has(frame.key)) {
      problems.push({
        pointer: pointer + framePointer(frame),
        message: `the field name "${frame.key}" is refused`,
      });
      continue;
    }
    if (typeof frame.value !== 'object' || frame.value === null) continue;
    if (frame.depth >= MAX_PATCH_DEPTH) {
      problems.push({
        pointer: pointer + framePointer(frame),
        message: `nested deeper than ${MAX_PATCH_DEPTH} levels`,
      });
      return;
    }
    const node = frame.value as JsonObject;
    const keys = Array.isArray(node) ? Array.from(node.keys(), String) : Object.keys(node);
    // Pushed last to first, so that problems come out in the body's order.
    for (let index = keys.length - 1; index >= 0; index--) {
      pending.push({ parent: frame, key: keys[index], value: node[keys[index]], depth: frame.depth + 1 });
    }
  }
}

function summary(problems: FieldProblem[]): string {
  const shown = problems.slice(0, 5).map((problem) => `${problem.pointer || '(body)'}: ${problem.message}`);
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
  return shown.join('; ');
}

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

/** Every operation, checked against RFC 6902 §4 before any applies; all problems at once. */
function parseOperations(operations: unknown): Operation[] {
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

/** Options of jsonPatch; the defaults are Kubernetes'. */
export interface JsonPatchLimits {
  maxCopiedChars?: number;
}

/**
 * RFC 6902 JSON patch. Pure. Pointers resolve through own members only. BadRequestError for a
 * body that is not a patch; InvalidError for an operation that cannot apply (a missing path, an
 * index out of bounds, a failing `test`, copies past the budget), naming its index and path.
 */
export function jsonPatch(target: unknown, operations: unknown, limits: JsonPatchLimits = {}): unknown {
  const parsed = parseOperations(operations);
  const limit = limits.maxCopiedChars ?? DEFAULT_MAX_COPIED_CHARS;
  const budget = { limit, left: limit };
  let document = structuredClone(target);
  parsed.forEach((operation, index) => {
    document = apply(document, operation, index, budget);
  });
  return document;
}

type Fail = (message: string, at?: 'path' | 'from') => never;

function apply(
  document: unknown,
  operation: Operation,
  index: number,
  budget: { limit: number; left: number },
): unknown {
  const { op, path, pathText, from, fromText } = operation;
  const where = op === 'move' || op === 'copy' ? `from ${fromText || '""'} to ${pathText || '""'}` : pathText;
  const fail: Fail = (message, at = 'path') => {
    const full = `JSON patch operation ${index} (${op} ${where || '""'}): ${message}`;
    throw new InvalidError(full, {
      problems: [{ pointer: at === 'path' ? pathText : fromText, message: full }],
    });
  };
  switch (op) {
    case 'add':
      return put(document, path, structuredClone(operation.value), fail, 'insert');
    case 'remove':
      remove(document, path, fail, 'path');
      return document;
    case 'replace':
      return put(document, path, structuredClone(operation.value), fail, 'replace');
    case 'move': {
      const value = get(document, from, fail, 'from');
      if (pointerOf(from) === pointerOf(path)) return document;
      remove(document, from, fail, 'from');
      return put(document, path, value, fail, 'insert');
    }
    case 'copy': {
      const value = get(document, from, fail, 'from');
      budget.left -= (JSON.stringify(value) ?? '').length;
      if (budget.left < 0)
        fail(
          `the copies of this patch duplicate more than ${budget.limit} characters of JSON, the limit`,
          'from',
        );
      return put(document, path, structuredClone(value), fail, 'insert');
    }
    case 'test': {
      const actual = get(document, path, fail);
      // The value found is not shown: the caller may write this resource without reading it.
      if (!jsonEqual(actual, operation.value)) {
        const found =
          kindOf(actual) === kindOf(operation.value) ? `a different ${describe(actual)}` : kindOf(actual);
        fail(`test failed: expected ${render(operation.value)}, found ${found}`);
      }
      return document;
    }
  }
}

function describe(value: unknown): string {
  return kindOf(value).replace(/^an? /, '');
}

/** The container holding the last token of `tokens`; every step an own member. */
function parentOf(
  document: unknown,
  tokens: string[],
  fail: Fail,
  at: 'path' | 'from',
): JsonObject | unknown[] {
  let node = document;
  for (let depth = 0; depth < tokens.length; depth++) {
    // Pointers of a failure are built only then: at every step they would be quadratic.
    if (typeof node !== 'object' || node === null)
      fail(
        `${pointerOf(tokens.slice(0, depth)) || 'the document'} is ${kindOf(node)}, not an object or array`,
        at,
      );
    if (depth === tokens.length - 1) return node as JsonObject | unknown[];
    const token = tokens[depth];
    const next = Array.isArray(node)
      ? arrayIndex(node, token, false)
      : Object.hasOwn(node as object, token)
        ? token
        : undefined;
    if (next === undefined) fail(`${pointerOf(tokens.slice(0, depth + 1))} does not exist`, at);
    node = (node as JsonObject)[next as string];
  }
  return fail('the document itself has no parent', at);
}

/** The index `token` names in `array` (RFC 6901: no leading zeros), if it names an element. */
function arrayIndex(array: unknown[], token: string, inserting: boolean): number | undefined {
  if (inserting && token === '-') return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < array.length || (inserting && index === array.length) ? index : undefined;
}

function get(document: unknown, tokens: string[], fail: Fail, at: 'path' | 'from' = 'path'): unknown {
  if (tokens.length === 0) return document;
  const parent = parentOf(document, tokens, fail, at);
  const token = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, token, false);
    if (index === undefined) fail(missingElement(parent, tokens, token), at);
    return parent[index as number];
  }
  if (!Object.hasOwn(parent, token)) fail(`${pointerOf(tokens)} does not exist`, at);
  return parent[token];
}

function missingElement(array: unknown[], tokens: string[], token: string): string {
  const where = pointerOf(tokens.slice(0, -1));
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return `"${token}" is not an index of the array ${where}`;
  return `index ${token} is out of bounds: the array ${where} has ${array.length} elements`;
}

/**
 * Writes `value` at `tokens`: inserted (RFC 6902 §4.1 `add`: a new array element, "-" appends) or
 * in place of what is there (§4.3 `replace`). Returns the document, which a write at the root
 * replaces.
 */
function put(
  document: unknown,
  tokens: string[],
  value: unknown,
  fail: Fail,
  mode: 'insert' | 'replace',
): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(document, tokens, fail, 'path');
  const token = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, token, mode === 'insert');
    if (index === undefined) return fail(missingElement(parent, tokens, token));
    parent.splice(index, mode === 'replace' ? 1 : 0, value);
  } else {
    if (mode === 'replace' && !Object.hasOwn(parent, token)) fail(`${pointerOf(tokens)} does not exist`);
    parent[token] = value;
  }
  return document;
}

function remove(document: unknown, tokens: string[], fail: Fail, at: 'path' | 'from'): void {
  if (tokens.length === 0) fail('the whole document cannot be removed', at);
  const parent = parentOf(document, tokens, fail, at);
  const token = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, token, false);
    if (index === undefined) fail(missingElement(parent, tokens, token), at);
    parent.splice(index as number, 1);
  } else {
    if (!Object.hasOwn(parent, token)) fail(`${pointerOf(tokens)} does not exist`, at);
    delete parent[token];
  }
}
