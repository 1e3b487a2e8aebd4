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
  if (!KEY.test(key)) throw new BadRequestError(`label selector "${selector}": invalid label key "${key}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value))
    throw new BadRequestError(`label selector "${selector}": invalid label value "${value}"`);
  return value;
}

/**
 * Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). Pure; throws BadRequestError
 * naming the part it could not read. An empty selector selects everything.
 */
export function parseSelector(selector: string): Requirement[] {
  if (selector.trim() === '') return [];
  return splitTopLevel(selector).map((part): Requirement => {
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
      const values = set[3].split(',').map((value) => checkValue(value.trim(), selector));
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
