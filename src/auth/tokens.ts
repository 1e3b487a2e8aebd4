import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys start `stw_`, session tokens `sts_`, minted short-lived tokens (OIDC or certificate
 * exchange, personal tokens) `stt_`: scanners and people can tell them apart.
 */
export const API_KEY_PREFIX = 'stw';
export const SESSION_PREFIX = 'sts';
export const MINTED_PREFIX = 'stt';

const PREFIXES = { apikey: API_KEY_PREFIX, session: SESSION_PREFIX, token: MINTED_PREFIX } as const;
const KINDS_BY_PREFIX: Readonly<Record<string, ParsedToken['kind']>> = {
  [API_KEY_PREFIX]: 'apikey',
  [SESSION_PREFIX]: 'session',
  [MINTED_PREFIX]: 'token',
};

export interface ParsedToken {
  kind: 'apikey' | 'session' | 'token';
  /** Non-secret id used to find the credential row. */
  id: string;
  secret: string;
}

/**
 * A new token: `<prefix>_<id>_<secret>` with a 16-hex-char id and 256 random bits of secret.
 * Only sha256(secret) is stored: with 256 bits of entropy a slow hash adds nothing.
 */
export function newToken(
  kind: ParsedToken['kind'],
  /** Given when rotating: the key keeps its id, only the secret changes. */
  id: string = randomBytes(8).toString('hex'),
): { token: string; id: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${PREFIXES[kind]}_${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

export function parseToken(token: string): ParsedToken | null {
  const match = /^(stw|sts|stt)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  return { kind: KINDS_BY_PREFIX[match[1]], id: match[2], secret: match[3] };
}

/** SHA-256 in hex; the one-shot `crypto.hash` costs a fifth of a Hash object on the hot path. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Constant-time comparison of a presented secret with a stored (hex) hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'latin1');
  const expected = Buffer.from(storedHash, 'latin1');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
