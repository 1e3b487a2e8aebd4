/**
 * The pure rules of enrollment tokens (issue #14): the plaintext format, the checks a presented
 * token goes through, when a new token expires, and what a listing shows. No I/O; the service
 * (enroll-tokens.ts) reads and writes the rows.
 */
import { randomBytes } from 'node:crypto';
import { hashSecret } from '../auth/tokens.js';
import { parseDuration } from '../contract/duration.js';
import type { FieldProblem } from '../errors.js';
import type { EnrollTokenRow } from './device-tables.js';

/**
 * `stw_enroll_<16 hex id>_<43 base64url secret>`. The `stw_` start lets secret scanners treat it
 * like an API key; `enroll` is not 16 hex digits, so parseToken (src/auth/tokens.ts) never takes
 * it for a key or a session, and the REST API answers it as an unknown credential.
 */
export const ENROLL_TOKEN_PREFIX = 'stw_enroll_';
const ENROLL_TOKEN = /^stw_enroll_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const DEFAULT_MAX_USES = 1;
export const MAX_MAX_USES = 100_000;
export const DEFAULT_EXPIRES_IN = '24h';
/** A year: a token is a bearer secret that mints device identities, so it cannot live forever. */
export const MAX_EXPIRES_IN = '8760h';
export const MIN_EXPIRES_IN = '1m';
export const APPROVALS = ['auto', 'manual'] as const;
export type Approval = (typeof APPROVALS)[number];

/** Why a presented token is refused, with a message that names the token (never its secret). */
export type TokenRefusal = { reason: 'Malformed' | 'Unknown' | 'Expired' | 'UsedUp'; message: string };

/** A token to create, its shape already validated (src/api/routes/enroll-token-body.ts). `null`: absent. */
export interface CreateEnrollTokenInput {
  description?: string | null;
  maxUses?: number | null;
  /** A duration (`24h`, `7d`); exclusive with expiresAt. Default 24h. */
  expiresIn?: string | null;
  /** An RFC 3339 time; exclusive with expiresIn. */
  expiresAt?: string | null;
  labels?: Record<string, string> | null;
  /** Name of a CertificateAuthority of the caller's tenant. */
  caRef: string;
  approval?: Approval | null;
}

/** An enrollment token as listed: never its secret nor its hash. */
export interface EnrollTokenView {
  id: string;
  description: string | null;
  maxUses: number;
  uses: number;
  remaining: number;
  expiresAt: string;
  expired: boolean;
  labels: Record<string, string>;
  caRef: string;
  approval: string;
  createdBy: string;
  createdAt: string;
}

/** A new token: 64 random bits of id, 256 of secret; only sha256(secret) is stored. */
export function newEnrollToken(): { token: string; id: string; secretHash: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${ENROLL_TOKEN_PREFIX}${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

/** The id and secret of a plaintext token, or null when it is not one. Pure; never throws. */
export function parseEnrollToken(plaintext: unknown): { id: string; secret: string } | null {
  if (typeof plaintext !== 'string' || plaintext.length > 128) return null;
  const match = ENROLL_TOKEN.exec(plaintext);
  return match ? { id: match[1], secret: match[2] } : null;
}

export const MALFORMED: TokenRefusal = {
  reason: 'Malformed',
  message: `enrollment token is malformed (expected ${ENROLL_TOKEN_PREFIX}<16 hex>_<43 base64url>)`,
};

/** Unknown id and wrong secret read the same: a presenter learns nothing of which ids exist. */
export function unknownToken(id: string): TokenRefusal {
  return { reason: 'Unknown', message: `enrollment token ${id} is unknown` };
}

/**
 * Why a token whose secret matched cannot enroll at `now`, or undefined when it can. Expiry is
 * checked first: an expired token is expired whatever its uses. Pure.
 */
export function tokenRefusal(
  token: Pick<EnrollTokenRow, 'id' | 'expires_at' | 'uses' | 'max_uses'>,
  now: Date,
): TokenRefusal | undefined {
  if (isExpired(token.expires_at, now))
    return { reason: 'Expired', message: `enrollment token ${token.id} expired at ${token.expires_at}` };
  if (token.uses >= token.max_uses)
    return {
      reason: 'UsedUp',
      message: `enrollment token ${token.id} has been used ${token.uses} of ${token.max_uses} times`,
    };
  return undefined;
}

/** Expired at its expiry instant, as `consume`'s `expires_at > now` says. Pure. */
export function isExpired(expiresAt: string, now: Date): boolean {
  return !(Date.parse(expiresAt) > now.getTime());
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * The instant of an RFC 3339 time, or undefined when a field is out of range (February 30th,
 * hour 24, a leap second: Date.parse would roll them over). Pure.
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || !offsetOk) return undefined;
  const time = Date.parse(text.toUpperCase());
  return Number.isNaN(time) ? undefined : time;
}

/**
 * When a token created at `now` expires (ISO-8601 UTC), or the problems of the input's expiry,
 * each at its JSON pointer. The shape (a duration, an RFC 3339 text, in range) is the body
 * schema's; what depends on `now` is checked here. Pure.
 */
export function resolveExpiry(
  input: Pick<CreateEnrollTokenInput, 'expiresIn' | 'expiresAt'>,
  now: Date,
): { expiresAt: string; problems: [] } | { expiresAt?: undefined; problems: FieldProblem[] } {
  const max = parseDuration(MAX_EXPIRES_IN) as number;
  const hasIn = input.expiresIn !== undefined && input.expiresIn !== null;
  const hasAt = input.expiresAt !== undefined && input.expiresAt !== null;
  if (hasIn && hasAt)
    return {
      problems: [{ pointer: '/expiresIn', message: 'give expiresIn or expiresAt, not both' }],
    };
  if (hasAt) {
    const at = parseRfc3339(input.expiresAt as string);
    if (at === undefined)
      return { problems: [{ pointer: '/expiresAt', message: 'must be a valid RFC 3339 time' }] };
    if (at <= now.getTime())
      return {
        problems: [{ pointer: '/expiresAt', message: `must be in the future (now ${now.toISOString()})` }],
      };
    if (at - now.getTime() > max)
      return {
        problems: [{ pointer: '/expiresAt', message: `must be at most ${MAX_EXPIRES_IN} from now` }],
      };
    return { expiresAt: new Date(at).toISOString(), problems: [] };
  }
  const ms = parseDuration(hasIn ? (input.expiresIn as string) : DEFAULT_EXPIRES_IN);
  if (ms === undefined || ms <= 0 || ms > max)
    return { problems: [{ pointer: '/expiresIn', message: `must be a duration up to ${MAX_EXPIRES_IN}` }] };
  return { expiresAt: new Date(now.getTime() + ms).toISOString(), problems: [] };
}

/** A stored row (its labels decoded) as listed. Pure. */
export function enrollTokenView(row: EnrollTokenRow, now: Date): EnrollTokenView {
  return {
    id: row.id,
    description: row.description,
    maxUses: row.max_uses,
    uses: row.uses,
    remaining: Math.max(0, row.max_uses - row.uses),
    expiresAt: row.expires_at,
    expired: isExpired(row.expires_at, now),
    labels: row.labels,
    caRef: row.ca_name,
    approval: row.approval,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * What the journal records of a token: what it grants, never its secret or hash. (Its labels'
 * keys pass the journal's redaction like any other member.) Pure.
 */
export function journaledFields(row: EnrollTokenRow): Record<string, unknown> {
  return {
    description: row.description,
    labels: row.labels,
    caRef: row.ca_name,
    approval: row.approval,
    maxUses: row.max_uses,
    expiresAt: row.expires_at,
  };
}
