/**
 * The claim checks an OIDC job token and an x5c client token share: one audience, exactly the
 * expected one; `exp`/`iat` (and `nbf` when given) NumericDates within the leeway; the payload a
 * JSON object. Each answers the problem (a reason key both verifiers' reason tables hold, with the
 * same string) or undefined. Pure, but for the replay guard the replay check asks.
 */
import type { ReplayGuard } from './replay-guard.js';

/** The reasons these checks give, by their key in TOKEN_REASONS and X5C_REASONS. */
export type ClaimProblemReason =
  | 'multipleAudiences'
  | 'audienceMismatch'
  | 'missingClaim'
  | 'expired'
  | 'notYetValid'
  | 'issuedInFuture'
  | 'replayed'
  | 'replayCheckUnavailable';

export interface ClaimProblem {
  reason: ClaimProblemReason;
  check: 'audience' | 'lifetime' | 'replay';
  message: string;
}

const MAX_JTI_LENGTH = 256;

/**
 * `jti` present (1–256 characters) and remembered by the guard for the first time, under `key`
 * (the id itself, or scoped, e.g. by certificate) until `until` (epoch ms). A guard that cannot
 * answer refuses the token (fail closed). `replayed` says how a replay is told.
 */
export async function replayProblem(
  jti: unknown,
  guard: ReplayGuard,
  key: (jti: string) => string,
  until: number,
  replayed: string,
): Promise<ClaimProblem | undefined> {
  const problem = (reason: ClaimProblemReason, message: string): ClaimProblem => ({
    reason,
    check: 'replay',
    message,
  });
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH)
    return problem(
      'missingClaim',
      `jti: want a token id of 1 to ${MAX_JTI_LENGTH} characters, got ${show(jti)}`,
    );
  let firstUse: boolean;
  try {
    firstUse = await guard.remember(key(jti), until);
  } catch {
    return problem(
      'replayCheckUnavailable',
      `replay: cannot record token id ${show(jti)}; refused unchecked`,
    );
  }
  return firstUse
    ? undefined
    : problem('replayed', `replay: token id ${show(jti)} ${replayed}; a token is used once`);
}

/** `aud` must be `want`, alone: a token meant for several services is refused outright. */
export function audienceProblem(aud: unknown, want: string): ClaimProblem | undefined {
  if (Array.isArray(aud) && aud.length > 1)
    return {
      reason: 'multipleAudiences',
      check: 'audience',
      message: `audience: want exactly ${show(want)}, got ${aud.length} audiences (${aud.map(show).join(', ')})`,
    };
  const single = Array.isArray(aud) ? aud[0] : aud;
  if (single !== want)
    return {
      reason: 'audienceMismatch',
      check: 'audience',
      message: `audience: want ${show(want)}, got ${show(single)}`,
    };
  return undefined;
}

/** `exp` and `iat` present, `nbf` optional; none past its bound by more than `leeway` seconds. `now` in seconds. */
export function lifetimeProblem(
  claims: Readonly<Record<string, unknown>>,
  now: number,
  leeway: number,
): ClaimProblem | undefined {
  const { exp, nbf, iat } = claims;
  const problem = (reason: ClaimProblemReason, message: string): ClaimProblem => ({
    reason,
    check: 'lifetime',
    message,
  });
  if (!isNumericDate(exp)) return problem('missingClaim', `exp: want a NumericDate, got ${show(exp)}`);
  if (!isNumericDate(iat)) return problem('missingClaim', `iat: want a NumericDate, got ${show(iat)}`);
  if (nbf !== undefined && !isNumericDate(nbf))
    return problem('missingClaim', `nbf: want a NumericDate, got ${show(nbf)}`);
  if (now >= exp + leeway)
    return problem(
      'expired',
      `lifetime: expired at ${iso(exp)}, ${Math.floor(now - exp)} s ago (leeway ${leeway} s)`,
    );
  if (nbf !== undefined && nbf > now + leeway)
    return problem(
      'notYetValid',
      `lifetime: not valid before ${iso(nbf)}, ${Math.ceil(nbf - now)} s from now (leeway ${leeway} s)`,
    );
  if (iat > now + leeway)
    return problem(
      'issuedInFuture',
      `lifetime: issued at ${iso(iat)}, ${Math.ceil(iat - now)} s in the future (leeway ${leeway} s)`,
    );
  return undefined;
}

/** The payload as a JSON object (strict UTF-8), or undefined. */
export function parsePayload(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A claim or header value for a message: JSON, cut to 100 characters; "none" when absent. */
export function show(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
