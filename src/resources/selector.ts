import { BadRequestError } from '../errors.js';
import type { Labels } from './model.js';

/** One requirement of a label selector, as in Kubernetes. */
export type Requirement =
  | { key: string; operator: 'In' | 'NotIn'; values: string[] }
  | { key: string; operator: 'Exists' | 'DoesNotExist' };

/** The object form used in specs (DeviceGroup, Rollout targets). */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Bounds of the string form. Kubernetes sets none beyond its label rules, but every requirement
 * becomes an SQL condition: SQLite refuses an expression tree deeper than 1,000 ("Expression tree is
 * too large") and a statement's parameters are bounded too. Well below both, and far above any
 * selector a person writes.
 */
export const SELECTOR_LIMITS = {
  /** Characters of the whole selector. */
  maxLength: 4096,
  /** Comma-separated requirements. */
  maxRequirements: 64,
  /** Values of one `in (...)` / `notin (...)` set. */
  maxValuesPerSet: 64,
  /** The DNS-subdomain prefix of a key (`example.com/` in `example.com/team`), as in Kubernetes. */
  maxKeyPrefixLength: 253,
} as const;

/** A selector past one of SELECTOR_LIMITS: a 400 that names the limit and its value. */
function overLimit(limit: keyof typeof SELECTOR_LIMITS, message: string): BadRequestError {
  return new BadRequestError(`label selector: ${message}`, {
    details: { parameter: 'labelSelector', limit, max: SELECTOR_LIMITS[limit] },
  });
}

/** Splits on commas that are not inside a parenthesised set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

function checkKey(key: string, selector: string): string {
  const slash = key.lastIndexOf('/');
  if (slash > SELECTOR_LIMITS.maxKeyPrefixLength)
    throw overLimit(
      'maxKeyPrefixLength',
      `the prefix of label key "${key.slice(0, 40)}..." has ${slash} characters; at most ${SELECTOR_LIMITS.maxKeyPrefixLength} are allowed`,
    );
  if (!KEY.test(key))
    throw new BadRequestError(
      `label selector "${selector}": invalid label key "${key}" (a key is an optional DNS-subdomain prefix and "/", then 1 to 63 characters [A-Za-z0-9._-], beginning and ending alphanumeric)`,
    );
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value))
    throw new BadRequestError(
      `label selector "${selector}": invalid label value "${value}" (a value is empty or 1 to 63 characters [A-Za-z0-9._-], beginning and ending alphanumeric)`,
    );
  return value;
}

/**
 * Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). Pure; throws BadRequestError
 * naming the part it could not read or the limit of SELECTOR_LIMITS it passes. An empty selector
 * selects everything.
 */
export function parseSelector(selector: string): Requirement[] {
  // Checked before any parsing, so that the work done on a hostile selector is bounded too.
  if (selector.length > SELECTOR_LIMITS.maxLength)
    throw overLimit(
      'maxLength',
      `the selector has ${selector.length} characters; at most ${SELECTOR_LIMITS.maxLength} are allowed`,
    );
  if (selector.trim() === '') return [];
  const parts = splitTopLevel(selector);
  if (parts.length > SELECTOR_LIMITS.maxRequirements)
    throw overLimit(
      'maxRequirements',
      `the selector has ${parts.length} requirements; at most ${SELECTOR_LIMITS.maxRequirements} are allowed`,
    );
  return parts.map((part): Requirement => {
    const absent = part.match(/^!\s*([^\s=!(),]+)$/);
    if (absent) return { key: checkKey(absent[1], selector), operator: 'DoesNotExist' };
    const equality = part.match(/^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/);
    if (equality) {
      const value = checkValue(equality[3], selector);
      return {
        key: checkKey(equality[1], selector),
        operator: equality[2] === '!=' ? 'NotIn' : 'In',
        values: [value],
      };
    }
    const set = part.match(/^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/);
    if (set) {
      const texts = set[3].split(',');
      if (texts.length > SELECTOR_LIMITS.maxValuesPerSet)
        throw overLimit(
          'maxValuesPerSet',
          `the set of "${set[1]}" has ${texts.length} values; at most ${SELECTOR_LIMITS.maxValuesPerSet} are allowed`,
        );
      const values = texts.map((value) => checkValue(value.trim(), selector));
      return { key: checkKey(set[1], selector), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
    }
    const present = part.match(/^([^\s=!(),]+)$/);
    if (present) return { key: checkKey(present[1], selector), operator: 'Exists' };
    throw new BadRequestError(`label selector "${selector}": cannot parse "${part}"`);
  });
}

/** The requirements of the object form; matchLabels entries become `In` with one value. */
export function selectorRequirements(selector: LabelSelector): Requirement[] {
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: 'In' as const,
    values: [value],
  }));
  for (const expression of selector.matchExpressions ?? []) {
    requirements.push(
      expression.operator === 'In' || expression.operator === 'NotIn'
        ? { key: expression.key, operator: expression.operator, values: expression.values ?? [] }
        : { key: expression.key, operator: expression.operator },
    );
  }
  return requirements;
}

/** Evaluates requirements against labels in memory (for single objects; lists go to SQL). Pure. */
export function matches(requirements: Requirement[], labels: Labels): boolean {
  return requirements.every((requirement) => {
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      case 'In':
        return value !== undefined && requirement.values.includes(value);
      default:
        return value === undefined || !requirement.values.includes(value);
    }
  });
}
