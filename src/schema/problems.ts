import type { ErrorObject } from 'ajv';

/** One translated schema violation: where (JSON pointer into the document) and what, for people. */
export interface SchemaProblem {
  pointer: string;
  message: string;
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Turns ajv's errors (compiled with `allErrors` and `verbose`) into problems people can act on:
 * one per real violation, each pointing at the offending field itself, with the schema's
 * `errorMessage`/`patternErrorMessage` where it has one. Removes ajv's noise: the `if` keyword's
 * "must match then schema", the `propertyNames` wrapper, the per-branch errors of a failed
 * oneOf/anyOf (replaced by its errorMessage, or else by the most specific branch) and duplicates.
 * Keeps ajv's order otherwise. Pure.
 */
export function translateErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const dropped = new Set<ErrorObject>();
  const replacement = new Map<ErrorObject, SchemaProblem>();
  const combinators = errors
    .filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf')
    // Outer combinators first, so that an inner one inside a dropped branch is dropped with it.
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const combinator of combinators) {
    if (dropped.has(combinator)) continue;
    const branches = branchErrors(errors, combinator);
    const custom = schemaMessage(combinator, 'errorMessage');
    if (custom !== undefined) {
      for (const error of branches.flat()) dropped.add(error);
      replacement.set(combinator, { pointer: combinator.instancePath, message: custom });
      continue;
    }
    const kept = mostSpecific(branches);
    for (const error of branches.flat()) if (!kept.includes(error)) dropped.add(error);
    // With a branch kept, its errors say what to fix; with none (several branches passed), say so.
    if (kept.length > 0) dropped.add(combinator);
  }

  // An empty string fails both minLength and pattern; "must not be empty" says it all.
  const empty = new Set(
    errors.filter((e) => e.keyword === 'minLength' && e.data === '').map((e) => e.instancePath),
  );
  for (const error of errors)
    if (error.keyword === 'pattern' && empty.has(error.instancePath)) dropped.add(error);

  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (dropped.has(error) || error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const problem = replacement.get(error) ?? translate(error);
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/**
 * The errors raised inside each branch of a failed combinator, by branch index. Branches are found
 * by schema path, which ajv keeps continuous within one schema resource: Steward's schemas keep
 * `$ref` out of combinator branches (and give combinators an errorMessage) so this is exact.
 */
function branchErrors(errors: readonly ErrorObject[], combinator: ErrorObject): ErrorObject[][] {
  const prefix = `${combinator.schemaPath}/`;
  const branches: ErrorObject[][] = [];
  for (const error of errors) {
    if (error === combinator || !error.schemaPath.startsWith(prefix)) continue;
    if (!error.instancePath.startsWith(combinator.instancePath)) continue;
    const index = Number.parseInt(error.schemaPath.slice(prefix.length), 10);
    const branch = branches[index] ?? [];
    branch.push(error);
    branches[index] = branch;
  }
  return branches.filter((branch) => branch !== undefined);
}

/** The branch that got furthest into the document (deepest pointer), then the one with fewest errors. */
function mostSpecific(branches: ErrorObject[][]): ErrorObject[] {
  let best: ErrorObject[] = [];
  let bestDepth = -1;
  for (const branch of branches) {
    const depth = Math.max(...branch.map((error) => error.instancePath.split('/').length));
    if (depth > bestDepth || (depth === bestDepth && branch.length < best.length)) {
      best = branch;
      bestDepth = depth;
    }
  }
  return best;
}

function schemaMessage(
  error: ErrorObject,
  keyword: 'errorMessage' | 'patternErrorMessage',
): string | undefined {
  const message: unknown = error.parentSchema?.[keyword];
  return typeof message === 'string' ? message : undefined;
}

function translate(error: ErrorObject): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  // An error about a property name (propertyNames) concerns that key, not the whole object.
  if (error.propertyName !== undefined) {
    return {
      pointer: `${error.instancePath}/${pointerSegment(error.propertyName)}`,
      message: `invalid key ${JSON.stringify(error.propertyName)}: ${messageOf(error, params)}`,
    };
  }
  switch (error.keyword) {
    case 'required':
      return {
        pointer: `${error.instancePath}/${pointerSegment(String(params.missingProperty))}`,
        message:
          schemaMessage(error, 'errorMessage') ??
          `missing required field ${JSON.stringify(params.missingProperty)}`,
      };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const field = String(params.additionalProperty ?? params.unevaluatedProperty);
      return {
        pointer: `${error.instancePath}/${pointerSegment(field)}`,
        message: `unknown field ${JSON.stringify(field)}`,
      };
    }
    default:
      return { pointer: error.instancePath, message: messageOf(error, params) };
  }
}

const FORMAT_MESSAGES: Record<string, string> = {
  email: 'must be an e-mail address, e.g. "ada@example.com"',
  uri: 'must be an absolute URI, e.g. "https://example.com/path"',
  'date-time': 'must be an RFC 3339 date-time, e.g. "2024-05-01T12:00:00Z"',
};

function messageOf(error: ErrorObject, params: Record<string, unknown>): string {
  if (error.keyword === 'pattern') {
    const custom = schemaMessage(error, 'patternErrorMessage') ?? schemaMessage(error, 'errorMessage');
    return custom ?? `must match the pattern ${String(params.pattern)}`;
  }
  const custom = schemaMessage(error, 'errorMessage');
  if (custom !== undefined) return custom;
  switch (error.keyword) {
    case 'type':
      return `must be ${typeName(String(params.type))}, not ${describeValue(error.data)}`;
    case 'enum':
      return `must be one of ${listValues(params.allowedValues)} (got ${JSON.stringify(error.data)})`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)} (got ${JSON.stringify(error.data)})`;
    case 'format':
      return FORMAT_MESSAGES[String(params.format)] ?? `must be a valid ${String(params.format)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters long`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params.limit)}`;
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'maxProperties':
      return `must have at most ${String(params.limit)} entries`;
    case 'uniqueItems':
      return `must not contain duplicates (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'not':
    case 'false schema':
      return 'is not allowed here';
    case 'oneOf':
      return 'must match exactly one of the allowed shapes';
    case 'anyOf':
      return 'must match at least one of the allowed shapes';
    default:
      return error.message ?? `violates ${error.keyword}`;
  }
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'an object',
    array: 'an array',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean (true or false)',
    null: 'null',
  };
  return type
    .split(',')
    .map((name) => names[name] ?? name)
    .join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeName(typeof value);
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(', ') : String(values);
}
