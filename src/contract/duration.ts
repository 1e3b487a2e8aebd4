/**
 * Durations, one grammar for manifests, query parameters and CLI flags: one or more
 * `<number><unit>` parts, the number digits with an optional decimal fraction, the unit one of
 * ms, s, m, h, d (a day is 24h): `8760h`, `90d`, `1h30m`, `500ms`, `1.5h`. Parts add up and may
 * come in any order or repeat (`30m1h` = `1h30m`), as in Go's time.ParseDuration. Manifests are
 * stricter: their schema (schemas/v1/common.json#/$defs/duration) takes whole numbers only, a
 * subset of this grammar, so anything a manifest may say parses here. Dependency-free: the CLI
 * imports it too.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

export const DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ms|s|m|h|d))+$/;

// `ms` must come before `m` in the alternation, or "5ms" would read as 5 minutes and a stray "s".
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** What the grammar says, for messages that refuse a duration. */
export const DURATION_GRAMMAR = 'a number followed by a unit (ms, s, m, h, d), e.g. "90d", "1h30m" or "1.5h"';

/**
 * A duration in milliseconds (fractions rounded to the millisecond), or undefined when the text
 * does not follow the grammar or exceeds Number.MAX_SAFE_INTEGER ms. Pure.
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, number, unit] of text.matchAll(PART)) total += Number(number) * UNIT_MS[unit as Unit];
  total = Math.round(total);
  return Number.isSafeInteger(total) ? total : undefined;
}

const FORMAT_UNITS: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

/**
 * Formats milliseconds in the compact form `parseDuration` reads, largest units first and zero
 * parts omitted (`5400000` → `1h30m`, `0` → `0s`). For non-negative integers,
 * `parseDuration(formatDuration(ms)) === ms`. Fractions are rounded to the millisecond; a negative
 * value is formatted with a leading '-' (for display only: `parseDuration` refuses it). Pure.
 *
 * @throws RangeError when ms is not a finite number.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format duration ${ms}`);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let text = '';
  for (const unit of FORMAT_UNITS) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return ms < 0 ? `-${text}` : text;
}
