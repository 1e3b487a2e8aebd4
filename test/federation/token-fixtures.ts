import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { KeyLookup } from '../../src/federation/verify-token.js';

/** A local issuer for the federation tests: keys made with jose, tokens signed with SignJWT. */
export const ISSUER = 'https://token.actions.githubusercontent.com';
export const AUDIENCE = 'acme.steward.example.com';
/** 2026-12-04T09:00:00Z, in seconds. */
export const NOW = 1_796_374_800;

export interface TestIssuer {
  rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  /** Looks keys up by kid only, as a naive JWKS cache would: "rsa-1" and "ec-1". */
  keyFor: KeyLookup;
  rsaPublicPem: string;
}

export async function makeIssuer(): Promise<TestIssuer> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const keys: Record<string, CryptoKey> = { 'rsa-1': rsa.publicKey, 'ec-1': ec.publicKey };
  return {
    rsa,
    ec,
    keyFor: async (kid) => keys[kid],
    rsaPublicPem: await exportSPKI(rsa.publicKey),
  };
}

/** The claims of a GitHub Actions job token, valid at NOW. */
export function jobClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: NOW - 60,
    nbf: NOW - 60,
    exp: NOW + 240,
    jti: 'c1f8a2d0-6a0c-4d55-9a43-3b8f2c1e0a77',
    sub: 'repo:acme/infra:ref:refs/heads/main',
    repository: 'acme/infra',
    repository_id: '987654',
    repository_owner: 'acme',
    repository_owner_id: '123456',
    ref: 'refs/heads/main',
    job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
    event_name: 'push',
    environment: 'production',
    ...overrides,
  };
}

/** Drops the keys whose override is undefined, so a claim can be removed. */
function withoutUndefined(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

export async function sign(
  key: CryptoKey | Uint8Array,
  claims: Record<string, unknown>,
  header: { alg: string; kid?: string } = { alg: 'RS256', kid: 'rsa-1' },
): Promise<string> {
  return new SignJWT(withoutUndefined(claims)).setProtectedHeader(header).sign(key);
}

/** An unsecured token (`alg: none`) built by hand: jose refuses to make one with a key. */
export function unsecured(claims: Record<string, unknown>, kid = 'rsa-1'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', kid })}.${part(claims)}.`;
}

/** Replaces the payload with other claims, keeping the original header and signature. */
export function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
