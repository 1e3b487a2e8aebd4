/**
 * Which tenant a presented token is for: its audience `<tenant>.<STEWARD_PUBLIC_HOST>`, read
 * unverified only to know whose policies and keys to verify it with (the exchanges check the
 * audience again, exactly, after the signature).
 */
import { decodeJwt } from 'jose';
import { show } from '../federation/jwt-claims.js';
import type { OidcClaims } from '../federation/verify-token.js';
import type { ExchangeRefusals, RefusalRequest } from './exchange-refusals.js';

/** `<tenant>.<host>`: the one audience a tenant's tokens must carry. Pure. */
export function audienceOf(tenant: string, publicHost: string): string {
  return `${tenant}.${publicHost}`;
}

/** The tenant an audience names, or undefined when it names none of this server. Pure. */
export function tenantOfAudience(audience: unknown, publicHost: string): string | undefined {
  if (typeof audience !== 'string' || !audience.endsWith(`.${publicHost}`)) return undefined;
  const tenant = audience.slice(0, -publicHost.length - 1);
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(tenant) ? tenant : undefined;
}

/** The token's unverified claims and the tenant its one audience names; refuses (401) otherwise. */
export async function tenantOfToken(
  token: string,
  publicHost: string,
  refusals: ExchangeRefusals,
  request: RefusalRequest,
): Promise<{ tenant: string; claims: OidcClaims }> {
  let claims: OidcClaims;
  try {
    claims = decodeJwt(token);
  } catch {
    return refusals.refuse(
      undefined,
      request,
      'MalformedToken',
      'token is not a JWT (a compact JWS with a JSON payload)',
    );
  }
  const { aud } = claims;
  if (Array.isArray(aud) && aud.length > 1)
    return refusals.refuse(
      undefined,
      request,
      'MultipleAudiences',
      `audience: want exactly one audience <tenant>.${publicHost}, got ${aud.length} (${aud.map(show).join(', ')})`,
    );
  const audience = Array.isArray(aud) ? aud[0] : aud;
  const tenant = tenantOfAudience(audience, publicHost);
  if (tenant === undefined)
    return refusals.refuse(
      undefined,
      request,
      'AudienceMismatch',
      `audience: want <tenant>.${publicHost}, got ${show(audience)}`,
    );
  return { tenant, claims };
}
