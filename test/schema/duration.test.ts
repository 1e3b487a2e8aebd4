import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../src/contract/duration.js';
import { InvalidError } from '../../src/errors.js';
import { requireDuration } from '../../src/resources/duration.js';
import common from '../../schemas/v1/common.json' with { type: 'json' };

const HOUR = 3_600_000;

/** One grammar for manifests, journal query bounds and CLI flags (src/contract/duration.ts). */
describe('parseDuration', () => {
  it.each([
    ['8760h is a year of hours', '8760h', 8760 * HOUR],
    ['90d is ninety 24-hour days', '90d', 90 * 24 * HOUR],
    ['1h30m adds its parts', '1h30m', 1.5 * HOUR],
    ['500ms reads milliseconds, not minutes', '500ms', 500],
    ['5m500ms mixes minutes and milliseconds', '5m500ms', 300_500],
    ['parts may come in any order', '30m1h', 1.5 * HOUR],
    ['zero is a duration', '0s', 0],
    ['a part may have a fraction (as the CLI always took)', '1.5h', 1.5 * HOUR],
    ['fractions add up like whole parts', '0.5d1.5h', 13.5 * HOUR],
    ['a fraction of a millisecond is rounded', '1.5ms', 2],
    [
      'the largest safe number of milliseconds is a duration',
      `${Number.MAX_SAFE_INTEGER}ms`,
      Number.MAX_SAFE_INTEGER,
    ],
  ])('%s', (_name, text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(requireDuration(text)).toBe(ms);
  });

  it.each([
    ['an empty string is refused', ''],
    ['a number without unit is refused', '90'],
    ['an unknown unit is refused', '3w'],
    ['a negative duration is refused', '-1h'],
    ['a fraction without digits before its point is refused', '.5h'],
    ['a point without digits after it is refused', '1.h'],
    ['spaces are refused', '1h 30m'],
    ['spaces around it are refused', ' 1h'],
    ['upper-case units are refused', '1H'],
    ['a word is refused', 'soon'],
    ['a duration past the safe integer range is refused', '99999999999999999d'],
  ])('%s', (_name, text) => {
    expect(parseDuration(text)).toBeUndefined();
    expect(() => requireDuration(text)).toThrow(InvalidError);
  });

  it('parses everything the manifests schema accepts: its pattern is a subset of the grammar', () => {
    const schema = common.$defs.duration;
    const manifestPattern = new RegExp(schema.pattern);
    for (const example of schema.examples) {
      expect(manifestPattern.test(example)).toBe(true);
      expect(DURATION_PATTERN.test(example)).toBe(true);
    }
    // Whole parts only in manifests: a manifest's duration reads the same to every tool.
    expect(manifestPattern.test('1.5h')).toBe(false);
    expect(schema.pattern.replace('[0-9]+', '[0-9]+(\\.[0-9]+)?')).toBe(DURATION_PATTERN.source);
  });
});

describe('formatDuration', () => {
  it.each([
    ['zero formats as 0s', 0, '0s'],
    ['an hour and a half formats as 1h30m', 1.5 * HOUR, '1h30m'],
    ['whole days use the day unit', 90 * 24 * HOUR, '90d'],
    ['milliseconds are kept', 1_500, '1s500ms'],
    ['a negative value is shown with a sign', -HOUR, '-1h'],
  ])('%s', (_name, ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 999, 60_000, 5_400_000, 87_600 * HOUR, 123_456_789]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('refuses a value that is not finite', () => {
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});
