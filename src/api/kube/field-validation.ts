import { BadRequestError, type FieldProblem, InvalidError } from '../../errors.js';
import { fieldPath } from './kube-status.js';

/** Kubernetes' `fieldValidation`: what to do with fields the schema does not know. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The query parameter; absent is Warn, Kubernetes' default (kubectl sends Strict). Pure. */
export function parseFieldValidation(value: string | undefined): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw new BadRequestError(`fieldValidation must be Strict, Warn or Ignore, got "${value}"`);
}

/** `?dryRun=All` (the only value Kubernetes defines). Pure. */
export function parseDryRun(value: string | string[] | undefined): boolean {
  if (value === undefined || value === '') return false;
  const values = Array.isArray(value) ? value : [value];
  for (const item of values)
    if (item !== 'All') throw new BadRequestError(`dryRun must be "All", got "${item}"`);
  return true;
}

function isUnknown(problem: FieldProblem): boolean {
  return problem.message.startsWith('unknown field ');
}

function removeAt(object: unknown, pointer: string): void {
  const segments = pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = segments.pop();
  let parent = object;
  for (const segment of segments) {
    if (parent === null || typeof parent !== 'object') return;
    parent = (parent as Record<string, unknown>)[segment];
  }
  if (last !== undefined && parent !== null && typeof parent === 'object' && !Array.isArray(parent))
    delete (parent as Record<string, unknown>)[last];
}

/**
 * Applies `fieldValidation` to a manifest, given the schema's problems with it: Strict refuses
 * unknown fields (a 422 naming each); Warn and Ignore drop them (Warn answers one warning each,
 * Kubernetes' `Warning` header) and leave every other problem to the apply, which reports it.
 * Dropping a field can reveal another (an unknown field inside an unknown object is reported
 * once), so it repeats a few times. Returns a copy; the input is not changed.
 */
export function applyFieldValidation(
  manifest: Record<string, unknown>,
  validation: FieldValidation,
  problemsOf: (manifest: unknown) => FieldProblem[],
): { manifest: Record<string, unknown>; warnings: string[] } {
  let copy = structuredClone(manifest);
  const warnings: string[] = [];
  for (let round = 0; round < 8; round++) {
    const unknown = problemsOf(copy).filter(isUnknown);
    if (unknown.length === 0) break;
    if (validation === 'Strict')
      throw new InvalidError(
        `${unknown.length} unknown field${unknown.length > 1 ? 's' : ''} (fieldValidation=Strict)`,
        {
          problems: unknown,
        },
      );
    copy = structuredClone(copy);
    for (const problem of unknown) {
      removeAt(copy, problem.pointer);
      if (validation === 'Warn') warnings.push(`unknown field "${fieldPath(problem.pointer)}"`);
    }
  }
  return { manifest: copy, warnings };
}
