import { EntitySchema } from '@mikro-orm/core';

export interface TenantRow {
  name: string;
  created_at: string;
}

export const TenantEntity = new EntitySchema<TenantRow>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    name: { type: 'string', length: 63, primary: true },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
});

export interface UserRow {
  id: string;
  tenant: string;
  username: string;
  /** scrypt, self-describing (see passwords.ts); never the password. */
  password_hash: string;
  role: string;
  created_at: string;
}

export const UserEntity = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    tenant: { type: 'string', length: 63 },
    username: { type: 'string', length: 63 },
    password_hash: { type: 'string', fieldName: 'password_hash', length: 255 },
    role: { type: 'string', length: 16 },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
  uniques: [{ name: 'users_tenant_username_unique', properties: ['tenant', 'username'] }],
});

/** A credential found by its non-secret id; only the SHA-256 of its secret part is stored. */
export interface CredentialRow {
  id: string;
  tenant: string;
  /**
   * 'session'; an API key type: admin | readonly | fine-grained; or a minted short-lived token:
   * oidc | x509 (from a TrustPolicy, named after it) | personal (a user's, from a session).
   */
  type: string;
  slot: string | null;
  name: string;
  secret_hash: string;
  user_id: string;
  permissions: unknown;
  csrf_token: string | null;
  created_at: string;
  last_rotated_at: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** Minted tokens: who it was minted for (the OIDC `sub`, the certificate subject); never a secret. */
  subject: string | null;
  /** x5c tokens: the SHA-256 fingerprint of the client certificate (its revocation revokes the token). */
  certificate?: string | null;
}

export const CredentialEntity = new EntitySchema<CredentialRow>({
  name: 'Credential',
  tableName: 'credentials',
  properties: {
    id: { type: 'string', length: 32, primary: true },
    tenant: { type: 'string', length: 63 },
    type: { type: 'string', length: 16 },
    slot: { type: 'string', length: 16, nullable: true },
    name: { type: 'string', length: 63 },
    secret_hash: { type: 'string', fieldName: 'secret_hash', length: 64 },
    user_id: { type: 'string', fieldName: 'user_id', length: 36 },
    permissions: { type: 'json' },
    csrf_token: { type: 'string', fieldName: 'csrf_token', length: 64, nullable: true },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
    last_rotated_at: { type: 'string', fieldName: 'last_rotated_at', length: 30, nullable: true },
    last_used_at: { type: 'string', fieldName: 'last_used_at', length: 30, nullable: true },
    expires_at: { type: 'string', fieldName: 'expires_at', length: 30, nullable: true },
    revoked_at: { type: 'string', fieldName: 'revoked_at', length: 30, nullable: true },
    subject: { type: 'string', length: 1024, nullable: true },
    certificate: { type: 'string', length: 64, nullable: true },
  },
  indexes: [
    { name: 'credentials_tenant_type', properties: ['tenant', 'type'] },
    { name: 'credentials_certificate', properties: ['certificate'] },
  ],
});

/**
 * One login attempt counted against one limit (a user or a source address), reserved before the
 * password is checked. `limit_key` is an HMAC (login-limits.ts), never a username or address.
 */
export interface LoginAttemptRow {
  limit_key: string;
  /** Random id of the login attempt: its user and address rows share it. */
  attempt: string;
  /** Epoch milliseconds of the reservation. */
  at: number | string;
}

export const LoginAttemptEntity = new EntitySchema<LoginAttemptRow>({
  name: 'LoginAttempt',
  tableName: 'login_attempts',
  properties: {
    limit_key: { type: 'string', fieldName: 'limit_key', length: 64, primary: true },
    attempt: { type: 'string', length: 36, primary: true },
    at: { type: 'bigint' },
  },
  indexes: [{ name: 'login_attempts_key_at', properties: ['limit_key', 'at'] }],
});

/** An exchanged token's id (hashed with its issuer), kept until the token could no longer be accepted. */
export interface TokenReplayRow {
  /** SHA-256 hex of the issuer (or certificate) and the token's `jti`. */
  key: string;
  /** Epoch milliseconds: the token's `exp` plus the leeway. */
  until: number | string;
}

export const TokenReplayEntity = new EntitySchema<TokenReplayRow>({
  name: 'TokenReplay',
  tableName: 'token_replays',
  properties: {
    key: { type: 'string', length: 64, primary: true },
    until: { type: 'bigint' },
  },
  indexes: [{ name: 'token_replays_until', properties: ['until'] }],
});
