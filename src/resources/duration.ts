import { DURATION_GRAMMAR, parseDuration } from '../contract/duration.js';
import { InvalidError } from '../errors.js';

/**
 * parseDuration (src/contract/duration.ts, the one grammar) for server code whose input was
 * already validated or whose refusal is a domain error. Pure.
 *
 * @throws InvalidError when the text is not a duration or exceeds Number.MAX_SAFE_INTEGER ms.
 */
export function requireDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new InvalidError(`invalid duration ${JSON.stringify(text)}: expected ${DURATION_GRAMMAR}`);
  return ms;
}
