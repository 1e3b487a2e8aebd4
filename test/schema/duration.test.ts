import { describe, expect, it } from 'vitest';
import { InvalidError } from '../../src/errors.js';
import { formatDuration, parseDuration } from '../../src/resources/duration.js';

const HOUR = 3_600_000;

describe('parseDuration', () => {
  it.each([
    ['8760h is a year of hours', '8760h', 8760 * HOUR],
    ['90d is ninety 24-hour days', '90d', 90 * 24 * HOUR],
    ['1h30m adds its parts', '1h30m', 1.5 * HOUR],
    ['500ms reads milliseconds, not minutes', '500ms', 500],
    ['5m500ms mixes minutes and milliseconds', '5m500ms', 300_500],
    ['parts may come in any order', '30m1h', 1.5 * HOUR],
    ['zero is a duration', '0s', 0],
  ])('%s', (_name, text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['an empty string is refused', ''],
    ['a number without unit is refused', '90'],
    ['an unknown unit is refused', '3w'],
    ['a negative duration is refused', '-1h'],
    ['a fraction is refused', '1.5h'],
    ['spaces are refused', '1h 30m'],
    ['upper-case units are refused', '1H'],
    ['a duration past the safe integer range is refused', '99999999999999999d'],
  ])('%s', (_name, text) => {
    expect(() => parseDuration(text)).toThrow(InvalidError);
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
