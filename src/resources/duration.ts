import { InvalidError } from '../errors.js';

/**
 * Durations as manifests write them: one or more `<integer><unit>` parts, unit one of
 * ms, s, m, h, d (`8760h`, `90d`, `1h30m`, `500ms`). The same grammar as the `duration`
 * definition of schemas/v1/common.json, so anything the schema accepts parses here.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** Kept in sync with schemas/v1/common.json#/$defs/duration. */
export const DURATION_PATTERN = /^([0-9]+(ms|s|m|h|d))+$/;

// `ms` must come before `m` in the alternation, or "5ms" would read as 5 minutes and a stray "s".
const PART = /([0-9]+)(ms|s|m|h|d)/g;

/**
 * Parses a duration into milliseconds. Parts add up and may come in any order or repeat
 * (`30m1h` = `1h30m`), as Go's time.ParseDuration allows. Pure.
 *
 * @throws InvalidError when the text does not match the grammar or exceeds Number.MAX_SAFE_INTEGER ms.
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) {
    throw new InvalidError(
      `invalid duration ${JSON.stringify(text)}: expected digits followed by a unit (ms, s, m, h, d), e.g. "90d" or "1h30m"`,
    );
  }
  let total = 0;
  for (const [, digits, unit] of text.matchAll(PART)) {
    total += Number(digits) * UNIT_MS[unit as Unit];
  }
  if (!Number.isSafeInteger(total)) {
    throw new InvalidError(`invalid duration ${JSON.stringify(text)}: too large`);
  }
  return total;
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
