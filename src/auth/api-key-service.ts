import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { AlreadyExistsError, ForbiddenError, NotFoundError } from '../errors.js';
import { fromJsonColumn, toJsonColumn } from '../store/database.js';
import { type IdentityDeps, journalAs } from './identity-writes.js';
import { ACTIONS, API_KEY_TYPES, type ApiKeyType, type Role } from './permissions.js';
import { keyPermissions, type Principal } from './principal.js';
import { newToken } from './tokens.js';

export const MAX_KEY_DAYS = 365;
const DEFAULT_KEY_DAYS = 30;
const DAY_MS = 86_400_000;

/** The two slots of admin and read-only keys, rotated independently. */
export const KEY_SLOTS = ['primary', 'secondary'] as const;
export type KeySlot = (typeof KEY_SLOTS)[number];

/**
 * A key to create, its shape already validated (src/api/routes/identity-bodies.ts): fine-grained
 * keys have a name and permissions and no slot; slot keys are named after their slot. `null`
 * means absent, as it always has.
 */
export interface CreateKeyInput {
  type: ApiKeyType;
  slot?: KeySlot | null;
  name?: string | null;
  permissions?: string[] | null;
  expiresInDays?: number | null;
}

/** An API key as listed: never its secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  type: ApiKeyType;
  slot: string | null;
  prefix: string;
  permissions: string[];
  owner: string;
  createdAt: string;
  lastRotatedAt: string | null;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

interface KeyRow {
  id: string;
  tenant: string;
  type: string;
  slot: string | null;
  name: string;
  user_id: string;
  permissions: unknown;
  created_at: string;
  last_rotated_at: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  username?: string;
  role?: string;
}

/**
 * API keys: created (plaintext answered once, only a hash stored), listed, rotated and revoked.
 * Each write is one transaction with its journal entry and drops the key from the
 * authenticator's cache, so it takes effect on the next request.
 */
export class ApiKeyService {
  constructor(private readonly deps: IdentityDeps) {}

  private keyView(row: KeyRow): ApiKeyView {
    const chosen = fromJsonColumn<string[]>(row.permissions) ?? [];
    const type = row.type as ApiKeyType;
    const role = (row.role ?? 'viewer') as Role;
    return {
      id: row.id,
      name: row.name,
      type,
      slot: row.slot,
      prefix: `stw_${row.id}`,
      permissions: keyPermissions(this.deps.authenticator.permissions, type, chosen, role, row.tenant),
      owner: row.username ?? row.user_id,
      createdAt: row.created_at,
      lastRotatedAt: row.last_rotated_at,
      lastUsedAt: this.deps.authenticator.pendingLastUse(row.id) ?? row.last_used_at,
      expiresAt: row.expires_at,
    };
  }

  private keysQuery(executor: Knex | Knex.Transaction, tenant: string) {
    return executor('credentials as c')
      .join('users as u', 'u.id', 'c.user_id')
      .where('c.tenant', tenant)
      .whereIn('c.type', API_KEY_TYPES)
      .whereNull('c.revoked_at')
      .select('c.*', 'u.username', 'u.role');
  }

  /** Live keys: all of the tenant's for `keys:admin`, else the caller's own fine-grained ones. */
  async listKeys(context: OperationContext, principal: Principal): Promise<ApiKeyView[]> {
    const query = this.keysQuery(this.deps.db.knex, context.tenant).orderBy('c.created_at').orderBy('c.id');
    if (!principal.permissions.has(ACTIONS.keysAdmin)) query.where('c.user_id', principal.userId);
    return ((await query) as KeyRow[]).map((row) => this.keyView(row));
  }

  private async findKey(
    executor: Knex | Knex.Transaction,
    context: OperationContext,
    principal: Principal,
    id: string,
  ): Promise<KeyRow> {
    const row = (await this.keysQuery(executor, context.tenant).where('c.id', id).first()) as
      | KeyRow
      | undefined;
    // Someone else's key is as invisible as a missing one to a caller who may not administer it.
    if (!row || (!principal.permissions.has(ACTIONS.keysAdmin) && row.user_id !== principal.userId))
      throw new NotFoundError(`API key "${id}" not found`);
    return row;
  }

  /**
   * Creates a key and answers its plaintext, once. Admin and read-only keys live in a primary or
   * secondary slot (keys:admin); fine-grained keys carry chosen permissions, never more than the
   * creator holds nor than the API-key ceiling, and expire after 1–365 days (default 30).
   */
  async createKey(
    context: OperationContext,
    principal: Principal,
    input: CreateKeyInput,
  ): Promise<ApiKeyView & { key: string }> {
    const { type } = input;
    let slot: KeySlot | null = null;
    let name: string;
    let permissions: string[] = [];
    if (type === 'fine-grained') {
      context.authorize(ACTIONS.keysWrite);
      name = input.name as string;
      permissions = [...new Set(input.permissions ?? [])].sort();
      const refused = this.deps.authenticator.permissions.refused(permissions, principal.permissions);
      if (refused)
        throw new ForbiddenError(
          `permission "${refused.permission}" ${refused.why}: a key can never hold more than its creator`,
          { details: { permission: refused.permission } },
        );
    } else {
      context.authorize(ACTIONS.keysAdmin);
      slot = input.slot ?? 'primary';
      name = `${type}-${slot}`;
    }
    const days = input.expiresInDays ?? (type === 'fine-grained' ? DEFAULT_KEY_DAYS : null);
    const now = this.deps.clock();
    const expiresAt = days === null ? null : new Date(now.getTime() + days * DAY_MS).toISOString();
    const token = newToken('apikey');
    const row = await this.deps.db.transaction(async (trx) => {
      const clash = (await this.keysQuery(trx, context.tenant).where('c.name', name).first()) as
        | KeyRow
        | undefined;
      if (clash)
        throw new AlreadyExistsError(
          type === 'fine-grained'
            ? `an API key named "${name}" exists (id ${clash.id})`
            : `the ${type} ${slot} key exists (id ${clash.id}): rotate it with POST /api/v1/keys/${clash.id}/rotate`,
        );
      await trx('credentials').insert({
        id: token.id,
        tenant: context.tenant,
        type,
        slot,
        name,
        secret_hash: token.secretHash,
        user_id: principal.userId,
        permissions: toJsonColumn(permissions),
        created_at: now.toISOString(),
        last_rotated_at: now.toISOString(),
        expires_at: expiresAt,
      });
      await journalAs(this.deps, trx, context, {
        operation: 'key.create',
        kind: 'APIKey',
        name,
        result: 'created',
        reason: `${type} key ${token.id}${permissions.length ? ` with ${permissions.join(',')}` : ''}${expiresAt ? `, expires ${expiresAt}` : ''}`,
      });
      return (await this.keysQuery(trx, context.tenant).where('c.id', token.id).first()) as KeyRow;
    });
    return { ...this.keyView(row), key: token.token };
  }

  /** A new secret for the same key id: the old plaintext stops working on the next request. */
  async rotateKey(
    context: OperationContext,
    principal: Principal,
    id: string,
  ): Promise<ApiKeyView & { key: string }> {
    const token = newToken('apikey', id);
    const row = await this.deps.db.transaction(async (trx) => {
      const key = await this.findKey(trx, context, principal, id);
      context.authorize(key.type === 'fine-grained' ? ACTIONS.keysWrite : ACTIONS.keysAdmin);
      await trx('credentials')
        .where({ id })
        .update({ secret_hash: token.secretHash, last_rotated_at: this.deps.clock().toISOString() });
      await journalAs(this.deps, trx, context, {
        operation: 'key.rotate',
        kind: 'APIKey',
        name: key.name,
        result: 'configured',
        reason: `${key.type} key ${id} rotated`,
      });
      return (await this.keysQuery(trx, context.tenant).where('c.id', id).first()) as KeyRow;
    });
    this.deps.authenticator.invalidate({ credentialId: id });
    return { ...this.keyView(row), key: token.token };
  }

  async revokeKey(context: OperationContext, principal: Principal, id: string): Promise<ApiKeyView> {
    const row = await this.deps.db.transaction(async (trx) => {
      const key = await this.findKey(trx, context, principal, id);
      context.authorize(key.type === 'fine-grained' ? ACTIONS.keysWrite : ACTIONS.keysAdmin);
      await trx('credentials').where({ id }).update({ revoked_at: this.deps.clock().toISOString() });
      await journalAs(this.deps, trx, context, {
        operation: 'key.revoke',
        kind: 'APIKey',
        name: key.name,
        result: 'revoked',
        reason: `${key.type} key ${id} revoked`,
      });
      return key;
    });
    this.deps.authenticator.invalidate({ credentialId: id });
    return this.keyView(row);
  }
}
