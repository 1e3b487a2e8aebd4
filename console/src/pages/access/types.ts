/** Wire shapes of the Access pages: API keys, users and trust policies as the API answers them. */
import type { Condition, ServedResource } from '../../../../src/contract/resource';

export type KeyType = 'admin' | 'readonly' | 'fine-grained';
export type KeySlot = 'primary' | 'secondary';

/** `GET /api/v1/keys` item: never the secret. */
export interface ApiKey {
  id: string;
  name: string;
  type: KeyType;
  slot: KeySlot | null;
  prefix: string;
  permissions: string[];
  owner: string;
  createdAt: string;
  lastRotatedAt: string | null;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** The answer of create and rotate: the key with its plaintext, shown once. */
export type ApiKeyWithSecret = ApiKey & { key: string };

export interface ItemList<T> {
  items: T[];
}

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface User {
  username: string;
  role: Role;
  createdAt: string;
}

export interface LintWarning {
  code: string;
  message: string;
}

export interface TrustPolicySpec {
  type?: 'oidc' | 'x509';
  issuer?: string;
  claims?: Record<string, string>;
  permissions?: string[];
  maxSessionSeconds?: number;
  [field: string]: unknown;
}

export type TrustPolicy = ServedResource & {
  spec: TrustPolicySpec;
  status: ServedResource['status'] & { warnings?: LintWarning[]; conditions?: Condition[] };
};

/** `GET /api/v1/auth/oidc?policy=NAME`. */
export interface OidcSetup {
  audience: string;
  tokenUrl: string;
  snippet: string;
}
