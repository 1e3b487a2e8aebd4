/**
 * What the two patch bodies Kubernetes' PATCH takes besides apply (json-merge-patch.ts,
 * json-patch.ts) have in common: what a body may hold, and how its problems are worded. Pure.
 *
 * Errors follow Kubernetes' patch handler: a body that is not a patch is a BadRequestError (400)
 * listing every problem at once, pointers into the patch body.
 *
 * The field names `__proto__`, `constructor` and `prototype` are refused anywhere in a patch (400):
 * no Steward resource has them, and refusing them rules out a write through a prototype whatever
 * the code downstream does with the result.
 */
import type { FieldProblem } from '../../errors.js';

export type JsonObject = { [key: string]: unknown };

export const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper values are refused, so that the recursive merge and clones cannot exhaust the stack. */
export const MAX_PATCH_DEPTH = 512;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** RFC 6901 escaping of one reference token. */
function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(tokens: readonly string[]): string {
  return tokens.map((token) => `/${escapeToken(token)}`).join('');
}

/** A short rendering of a value for a message: patch bodies may hold large documents. */
export function render(value: unknown): string {
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
export function inspectValue(value: unknown, pointer: string, problems: FieldProblem[]): void {
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

export function summary(problems: FieldProblem[]): string {
  const shown = problems.slice(0, 5).map((problem) => `${problem.pointer || '(body)'}: ${problem.message}`);
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
  return shown.join('; ');
}
