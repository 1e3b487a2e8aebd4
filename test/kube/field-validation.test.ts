/**
 * fieldValidation and dryRun as tables: the query values, and what Strict, Warn and Ignore do with
 * unknown fields, the real ManifestValidator supplying schema problems.
 */
import { describe, expect, it } from 'vitest';
import {
  applyFieldValidation,
  parseDryRun,
  parseFieldValidation,
} from '../../src/api/kube/field-validation.js';
import { BadRequestError, type FieldProblem, InvalidError } from '../../src/errors.js';
import { KINDS } from '../../src/kinds.js';
import { ManifestValidator } from '../../src/schema/validator.js';
import { deepFreeze, thrown } from './kube-fixtures.js';

const validator = new ManifestValidator(KINDS);

describe('fieldValidation and dryRun', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'Warn'],
    ['', 'Warn'],
    ['Strict', 'Strict'],
    ['Warn', 'Warn'],
    ['Ignore', 'Ignore'],
  ])('fieldValidation=%j is %s', (value, expected) => {
    expect(parseFieldValidation(value)).toBe(expected);
  });

  it.each(['strict', 'true', 'None'])('fieldValidation=%j is a 400 listing the values', (value) => {
    const error = thrown(() => parseFieldValidation(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(`fieldValidation must be Strict, Warn or Ignore, got "${value}"`);
  });

  it.each<[string | string[] | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['All', true],
    [['All', 'All'], true],
  ])('dryRun=%j is %s', (value, expected) => {
    expect(parseDryRun(value)).toBe(expected);
  });

  it.each<[string | string[], string]>([
    ['all', 'dryRun must be "All", got "all"'],
    ['true', 'dryRun must be "All", got "true"'],
    [['All', 'None'], 'dryRun must be "All", got "None"'],
  ])('dryRun=%j is a 400', (value, message) => {
    const error = thrown(() => parseDryRun(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(message);
  });

  const problemsOf = (manifest: unknown) => validator.validate(manifest).problems;
  const withUnknown = () =>
    deepFreeze({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'edge-1', bogus: true },
      spec: {
        platform: 'linux',
        permanentIdentifier: 'id-1',
        grup: 'edge',
        extra: { deep: { deeper: 1 } },
        user: { email: 'ada@example.com', nick: 'ada' },
      },
    });
  const cleaned = {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: 'edge-1' },
    spec: { platform: 'linux', permanentIdentifier: 'id-1', user: { email: 'ada@example.com' } },
  };

  it('Strict refuses unknown fields with a 422 listing each, an unknown object once (not what is inside it)', () => {
    const error = thrown(() => applyFieldValidation(withUnknown(), 'Strict', problemsOf));
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.message).toBe('4 unknown fields (fieldValidation=Strict)');
    expect(error.problems).toEqual([
      { pointer: '/metadata/bogus', message: 'unknown field "bogus"' },
      { pointer: '/spec/grup', message: 'unknown field "grup"' },
      { pointer: '/spec/extra', message: 'unknown field "extra"' },
      { pointer: '/spec/user/nick', message: 'unknown field "nick"' },
    ]);
  });

  it('Strict says "field" for a single unknown field', () => {
    const one = { ...cleaned, spec: { ...cleaned.spec, grup: 'x' } };
    expect(thrown(() => applyFieldValidation(one, 'Strict', problemsOf)).message).toBe(
      '1 unknown field (fieldValidation=Strict)',
    );
  });

  it('Warn drops unknown fields (an unknown object whole) and warns once for each, in Kubernetes field paths', () => {
    const input = withUnknown();
    const result = applyFieldValidation(input, 'Warn', problemsOf);
    expect(result.manifest).toEqual(cleaned);
    expect(result.warnings).toEqual([
      'unknown field "metadata.bogus"',
      'unknown field "spec.grup"',
      'unknown field "spec.extra"',
      'unknown field "spec.user.nick"',
    ]);
    expect(input.spec).toHaveProperty('grup');
    expect(result.manifest).not.toBe(input);
  });

  it('Ignore drops unknown fields silently', () => {
    const result = applyFieldValidation(withUnknown(), 'Ignore', problemsOf);
    expect(result).toEqual({ manifest: cleaned, warnings: [] });
  });

  it.each(['Strict', 'Warn', 'Ignore'] as const)(
    '%s leaves other problems to the apply and answers a copy of a manifest without unknown fields',
    (validation) => {
      const invalid = deepFreeze({ ...cleaned, spec: { permanentIdentifier: 'id-1', user: { email: 3 } } });
      const result = applyFieldValidation(invalid, validation, problemsOf);
      expect(problemsOf(invalid).length).toBeGreaterThan(0);
      expect(result).toEqual({ manifest: invalid, warnings: [] });
      expect(result.manifest).not.toBe(invalid);
    },
  );

  it('drops an unknown field revealed by dropping another, warning for both, and gives up after eight rounds', () => {
    // A schema where a field is reported only once its unknown sibling is gone (as happens with
    // alternatives): scripted, to hold the rounds to their contract.
    const revealing = (manifest: unknown): FieldProblem[] => {
      const spec = (manifest as { spec: Record<string, unknown> }).spec;
      if ('a' in spec) return [{ pointer: '/spec/a', message: 'unknown field "a"' }];
      if ('b' in spec) return [{ pointer: '/spec/b', message: 'unknown field "b"' }];
      return [];
    };
    const result = applyFieldValidation({ spec: { a: 1, b: 2, c: 3 } }, 'Warn', revealing);
    expect(result).toEqual({
      manifest: { spec: { c: 3 } },
      warnings: ['unknown field "spec.a"', 'unknown field "spec.b"'],
    });
    let calls = 0;
    const endless = (): FieldProblem[] => {
      calls++;
      return [{ pointer: '/spec/ghost', message: 'unknown field "ghost"' }];
    };
    expect(applyFieldValidation({ spec: {} }, 'Ignore', endless).manifest).toEqual({ spec: {} });
    expect(calls).toBe(8);
  });
});
