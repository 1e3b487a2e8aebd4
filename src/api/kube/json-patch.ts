/**
 * JSON patch (RFC 6902), one of the two bodies Kubernetes' PATCH takes besides apply (the other is
 * json-merge-patch.ts). Pure: inputs are never mutated and a result shares no object with them.
 * A body's operations are checked first, all at once (json-patch-operations.ts); what a body may
 * hold (refused field names, depth) is patch-body.ts'.
 *
 * Errors follow Kubernetes' patch handler: an operation that cannot apply is an InvalidError (422)
 * naming the operation's index, op and path, its pointer the field of the resource. Operations
 * apply in order, so only the first failure is reported: later ones depend on it.
 *
 * RFC 6902 is written here, not taken from fast-json-patch 3.1.1: that library resolves pointers
 * through inherited members (`remove /toString` succeeds on `{}`; `replace /hasOwnProperty` adds a
 * member where RFC 6902 requires an error), throws a bare TypeError (a 500) on a `move` into its
 * own child, accepts `~2` in a pointer, has no bound on what `copy` may duplicate, and its ES module
 * entry exports no named function. A guard for each is most of an implementation.
 */
import { InvalidError } from '../../errors.js';
import { jsonEqual } from '../../resources/json-equal.js';
import { type Operation, parseOperations } from './json-patch-operations.js';
import { type JsonObject, kindOf, pointerOf, render } from './patch-body.js';

/**
 * What `copy` operations of one patch may duplicate in total (JSON characters), as Kubernetes'
 * AccumulatedCopySizeLimit: each copy may double the document, so 30 of them in a small body would
 * otherwise build a billion-node object.
 */
export const DEFAULT_MAX_COPIED_CHARS = 3 * 1024 * 1024;

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
