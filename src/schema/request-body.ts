import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { type FieldProblem, InvalidError } from '../errors.js';
import { addStewardKeywords } from './keywords.js';
import { translateErrors } from './problems.js';

/** A JSON Schema for a request body, tagged with the type a body has once it passes. */
export type BodySchema<T> = Readonly<Record<string, unknown>> & { readonly __body?: T };

/** Declares a body schema: the object is the plain JSON Schema (what the OpenAPI document shows). */
export function bodySchema<T>(schema: Record<string, unknown>): BodySchema<T> {
  return schema as BodySchema<T>;
}

/**
 * A body answering more problems than this is hostile or not meant for the route: the first ones
 * say what is wrong, and the answer stays small whatever was sent.
 */
const MAX_PROBLEMS = 50;

// One instance for every body schema, options as for manifests: every error at once, `verbose` so
// that problems.ts finds each schema's errorMessage, strict so that a typo in a schema fails start-up.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
addStewardKeywords(ajv);

/**
 * Compiles `schema` once (call at module load: a broken schema fails start-up) into a check that
 * answers the body typed, or throws InvalidError with every problem (JSON pointer and message) in
 * the shape manifests use. Pure; never mutates the body; never echoes a string field's value.
 */
export function compileBodySchema<T>(schema: BodySchema<T>): (body: unknown) => T {
  const validate: ValidateFunction = ajv.compile(schema);
  return (body: unknown): T => {
    if (validate(body)) return body as T;
    const problems: FieldProblem[] = translateErrors(validate.errors ?? []);
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length - shown.length;
    throw new InvalidError(
      `invalid request body: ${shown.map(describe).join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
      { problems: shown },
    );
  };
}

/** `/admin/password` + message → `admin.password: message` (Kubernetes' field-path style). */
function describe(problem: FieldProblem): string {
  if (problem.pointer === '') return problem.message;
  const path = problem.pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  return `${path}: ${problem.message}`;
}
