import { type Document, isMap, isNode, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import { BadRequestError, type FieldProblem, InvalidError, PayloadTooLargeError } from '../errors.js';
import { countMemberNames, countMembers, findDuplicateNames } from './json-duplicates.js';

/** One document of a request, with what is needed to point at its fields. */
export interface DecodedDocument {
  index: number;
  value: unknown;
  /** 1-based line and column of the node at `pointer` (or its nearest present ancestor). */
  positionOf?: (pointer: string) => { line: number; column: number } | undefined;
}

export interface DecodeLimits {
  maxDocuments: number;
  /** Alias nodes a YAML document may resolve; bounds "billion laughs" expansion. */
  maxAliasCount: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDocuments: 20_000, maxAliasCount: 100 };

/** Keys that could reach Object.prototype if any later code merged objects naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function tooMany(count: number, limits: DecodeLimits): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `request has ${count} documents; at most ${limits.maxDocuments} are accepted per request`,
  );
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function positionFinder(document: Document, lineCounter: LineCounter) {
  return (pointer: string) => {
    const path: Array<string | number> = pointerSegments(pointer).map((segment) =>
      /^\d+$/.test(segment) ? Number(segment) : segment,
    );
    // A missing field (e.g. a required one) has no node: point at its nearest present ancestor.
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
      // A mapping member is pointed at by its key, where an editor would put the cursor.
      const parent =
        length === 0
          ? undefined
          : length === 1
            ? document.contents
            : document.getIn(path.slice(0, length - 1), true);
      const pair = isMap(parent)
        ? parent.items.find(
            (item) => isScalar(item.key) && String(item.key.value) === String(path[length - 1]),
          )
        : undefined;
      const target = pair && isNode(pair.key) ? pair.key : node;
      if (isNode(target) && target.range) {
        const { line, col } = lineCounter.linePos(target.range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  };
}

/** Reports forbidden keys anywhere in a decoded value (all of them, with pointers). */
export function findForbiddenKeys(
  value: unknown,
  index: number,
  pointer = '',
  problems: FieldProblem[] = [],
): FieldProblem[] {
  if (Array.isArray(value)) {
    for (const [position, item] of value.entries())
      findForbiddenKeys(item, index, `${pointer}/${position}`, problems);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key))
        problems.push({ document: index, pointer: child, message: `key "${key}" is not allowed` });
      else findForbiddenKeys((value as Record<string, unknown>)[key], index, child, problems);
    }
  }
  return problems;
}

/**
 * Decodes a multi-document YAML stream. Every syntax error of every document is reported at
 * once (BadRequestError with line and column); duplicate keys are errors; aliases are bounded.
 * Empty documents (a trailing `---`) are skipped.
 */
export function decodeYaml(text: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const parsed = Array.isArray(documents) ? documents : [];
  if (parsed.length > limits.maxDocuments) throw tooMany(parsed.length, limits);
  const problems: FieldProblem[] = [];
  const decoded: DecodedDocument[] = [];
  for (const document of parsed) {
    if (document.contents === null && document.errors.length === 0) continue;
    const index = decoded.length;
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        problems.push({
          document: index,
          pointer: '',
          message: `YAML: ${error.message.split('\n')[0]}`,
          line,
          column: col,
        });
      }
      decoded.push({ index, value: undefined });
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (error) {
      problems.push({ document: index, pointer: '', message: `YAML: ${(error as Error).message}` });
      decoded.push({ index, value: undefined });
      continue;
    }
    // An empty document (a trailing `---`, or only comments) is no manifest: skip it, as kubectl does.
    if (value === null || value === undefined) continue;
    const positionOf = positionFinder(document, lineCounter);
    for (const problem of findForbiddenKeys(value, index))
      problems.push({ ...problem, ...positionOf(problem.pointer) });
    decoded.push({ index, value, positionOf });
  }
  if (problems.length > 0) {
    throw new BadRequestError(
      `request body is not valid YAML (${problems.length} problem${problems.length > 1 ? 's' : ''})`,
      { problems },
    );
  }
  return decoded;
}

/**
 * The duplicate member names of a JSON body, each with its document index and its pointer inside
 * that document (a duplicate in a List's own members has no document). Cheap unless there is one:
 * the members written in the text are counted and compared with those JSON.parse kept.
 */
function duplicateKeyProblems(text: string, body: unknown, isList: boolean): FieldProblem[] {
  if (countMemberNames(text) === countMembers(body)) return [];
  return findDuplicateNames(text).map((pointer): FieldProblem => {
    const name = pointer
      .slice(pointer.lastIndexOf('/') + 1)
      .replace(/~1/g, '/')
      .replace(/~0/g, '~');
    const message = `duplicate key "${name}": a key may appear once per object`;
    const inDocument = isList ? pointer.match(/^\/items\/(\d+)(\/.*)?$/) : pointer.match(/^\/(\d+)(\/.*)?$/);
    if (Array.isArray(body) || isList)
      return inDocument
        ? { document: Number(inDocument[1]), pointer: inDocument[2] ?? '', message }
        : { pointer, message };
    return { document: 0, pointer, message };
  });
}

/**
 * Accepts one manifest, an array of them, or a `List` whose `items` are manifests. With the body's
 * `text`, duplicate keys are refused as in YAML (JSON.parse would keep the last silently).
 */
export function decodeJson(
  body: unknown,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  text?: string,
): DecodedDocument[] {
  let items: unknown[];
  let isList = false;
  if (Array.isArray(body)) items = body;
  else if (body !== null && typeof body === 'object' && (body as { kind?: unknown }).kind === 'List') {
    isList = true;
    const listItems = (body as { items?: unknown }).items;
    if (!Array.isArray(listItems))
      throw new InvalidError('a List must have an "items" array', {
        problems: [{ pointer: '/items', message: 'must be an array' }],
      });
    items = listItems;
  } else if (body !== null && typeof body === 'object') items = [body];
  else throw new BadRequestError('request body must be a manifest, an array of manifests or a List');
  if (items.length > limits.maxDocuments) throw tooMany(items.length, limits);
  const duplicates = text === undefined ? [] : duplicateKeyProblems(text, body, isList);
  const problems = items.flatMap((item, index) => findForbiddenKeys(item, index));
  if (duplicates.length > 0)
    throw new BadRequestError(
      `request body has ${duplicates.length} duplicate key${duplicates.length > 1 ? 's' : ''}`,
      { problems: [...duplicates, ...problems] },
    );
  if (problems.length > 0) throw new BadRequestError('request body has forbidden keys', { problems });
  return items.map((value, index) => ({ index, value }));
}
