import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  UnauthorizedError,
} from '../errors.js';
import { type Database, fromJsonColumn, toJsonColumn } from '../store/database.js';
import type { UserRow } from './auth-entities.js';
import { type Authenticator, tooManyFailures } from './authenticator.js';
import { DUMMY_HASH_INPUT, hashPassword, verifyPassword } from './passwords.js';
import { type ApiKeyType, ACTIONS, ROLES, type Role } from './permissions.js';
import { actorOf, keyPermissions, type Principal, rolePermissions, SYSTEM_TENANT } from './principal.js';
import { FailureLimiter } from './rate-limit.js';
import { hashSecret, newToken } from './tokens.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/;
const NAME_RULE = 'must be a DNS-1123 label (lower-case letters, digits, "-"; at most 63)';
const USERNAME_RULE = 'must be 1 to 63 letters, digits, ".", "_", "@" or "-"';
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
const MAX_KEY_DAYS = 365;
const DEFAULT_KEY_DAYS = 30;
const DAY_MS = 86_400_000;

export interface RequestInfo {
  requestId: string;
  source?: string;
}

export interface LoginResult {
  principal: Principal;
  sessionToken: string;
  csrfToken: string;
  expiresAt: string;
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

export interface CreateKeyInput {
  type?: unknown;
  slot?: unknown;
  name?: unknown;
  permissions?: unknown;
  expiresInDays?: unknown;
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

/** A 422 naming the field (`admin/password` → pointer `/admin/password`) and what it must be. */
function invalid(field: string, rule: string): InvalidError {
  return new InvalidError(field ? `${field.replace('/', '.')} ${rule}` : rule, {
    problems: [{ pointer: field ? `/${field}` : '', message: rule }],
  });
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required');
  return value;
}

function checkPassword(password: unknown, field = 'password'): string {
  const text = requireString(password, field);
  if (text.length < MIN_PASSWORD || text.length > MAX_PASSWORD)
    throw invalid(field, `must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long`);
  return text;
}

function checkRole(role: unknown): Role {
  if (!ROLES.includes(role as Role)) throw invalid('role', `must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

/**
 * Tenants, users, sessions and API keys: every write in one transaction with its journal entry,
 * and every write that changes what a credential may do invalidates the authenticator's cache.
 * All administration here is reached through session-only permissions (see permissions.ts).
 */
export class IdentityService {
  /** Failed logins per tenant/user and per source address. */
  readonly userFailures = new FailureLimiter(5, 15 * 60_000);
  readonly addressFailures = new FailureLimiter(20, 15 * 60_000);

  constructor(
    private readonly db: Database,
    readonly authenticator: Authenticator,
    private readonly sessionTtlSeconds: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * First start of an empty database: tenant `default` and its `admin` (role admin). Answers the
   * generated password when none was configured, for the caller to print once; never stored
   * anywhere but as a hash.
   */
  async bootstrap(configuredPassword?: string): Promise<{ created: boolean; generatedPassword?: string }> {
    const existing = await this.db.knex('tenants').where({ name: SYSTEM_TENANT }).first('name');
    if (existing) return { created: false };
    const generatedPassword = configuredPassword ? undefined : randomBytes(18).toString('base64url');
    const passwordHash = await hashPassword(configuredPassword ?? (generatedPassword as string));
    const system = { requestId: 'bootstrap' };
    try {
      await this.db.transaction(async (trx) => {
        await trx('tenants').insert({ name: SYSTEM_TENANT, created_at: this.now() });
        const id = await this.insertUser(trx, SYSTEM_TENANT, 'admin', passwordHash, 'admin');
        await this.authenticator.record(
          SYSTEM_TENANT,
          { type: 'system', id: 'bootstrap', name: 'system:bootstrap' },
          system,
          {
            operation: 'user.create',
            kind: 'User',
            name: 'admin',
            result: 'created',
            reason: `bootstrap admin ${id} with role admin`,
          },
          trx,
        );
      });
    } catch (error) {
      // Two processes starting on one empty PostgreSQL: the other one bootstrapped.
      if (await this.db.knex('tenants').where({ name: SYSTEM_TENANT }).first('name'))
        return { created: false };
      throw error;
    }
    return { created: true, generatedPassword };
  }

  private async insertUser(
    trx: Knex.Transaction,
    tenant: string,
    username: string,
    passwordHash: string,
    role: Role,
  ): Promise<string> {
    const id = randomUUID();
    await trx('users').insert({
      id,
      tenant,
      username,
      password_hash: passwordHash,
      role,
      created_at: this.now(),
    });
    return id;
  }

  // ---- sessions ----------------------------------------------------------------------------

  /**
   * Checks a password and opens a session. Unknown tenants, unknown users and wrong passwords get
   * the same answer after the same scrypt work, so neither timing nor message tells them apart.
   */
  async login(
    input: { username?: unknown; password?: unknown; tenant?: unknown },
    request: RequestInfo,
  ): Promise<LoginResult> {
    const username = requireString(input.username, 'username');
    const password = requireString(input.password, 'password');
    const tenant =
      input.tenant === undefined || input.tenant === null
        ? SYSTEM_TENANT
        : requireString(input.tenant, 'tenant');
    const userKey = `${tenant}/${username}`;
    const address = request.source ?? 'unknown';
    const userWait = this.userFailures.retryAfter(userKey);
    if (userWait > 0) throw tooManyFailures(`for user "${username}"`, userWait, this.userFailures);
    const addressWait = this.addressFailures.retryAfter(address);
    if (addressWait > 0) throw tooManyFailures(`from ${address}`, addressWait, this.addressFailures);

    const user = (await this.db.knex('users').where({ tenant, username }).first()) as UserRow | undefined;
    const valid = await verifyPassword(password, user?.password_hash ?? (await dummyHash()));
    if (!user || !valid) {
      this.userFailures.fail(userKey);
      this.addressFailures.fail(address);
      const tenantExists = user || (await this.db.knex('tenants').where({ name: tenant }).first('name'));
      if (tenantExists)
        await this.authenticator.record(
          tenant,
          { type: 'user', id: user?.id ?? '', name: username },
          request,
          {
            operation: 'auth.login',
            result: 'failure',
            reason: user ? 'wrong password' : 'no such user',
          },
        );
      throw new UnauthorizedError('invalid username or password');
    }
    this.userFailures.succeed(userKey);
    const token = newToken('session');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.sessionTtlSeconds * 1000).toISOString();
    await this.db.transaction(async (trx) => {
      // Expired sessions of this user are swept as they log in again: the table does not grow.
      await trx('credentials')
        .where({ user_id: user.id, type: 'session' })
        .where('expires_at', '<', now.toISOString())
        .delete();
      await trx('credentials').insert({
        id: token.id,
        tenant,
        type: 'session',
        slot: null,
        name: token.id,
        secret_hash: token.secretHash,
        user_id: user.id,
        permissions: toJsonColumn([]),
        csrf_token: hashSecret(csrfToken),
        created_at: now.toISOString(),
        expires_at: expiresAt,
      });
      await this.authenticator.record(
        tenant,
        { type: 'user', id: user.id, name: username },
        request,
        {
          operation: 'auth.login',
          result: 'success',
          reason: `session ${token.id} until ${expiresAt}`,
        },
        trx,
      );
    });
    const principal: Omit<Principal, 'actor'> = {
      tenant,
      userId: user.id,
      username,
      role: user.role as Role,
      permissions: new Set(rolePermissions(this.authenticator.permissions, user.role as Role, tenant)),
      credential: { type: 'session', id: token.id, name: token.id, expiresAt },
    };
    return {
      principal: { ...principal, actor: actorOf(principal) },
      sessionToken: token.token,
      csrfToken,
      expiresAt,
    };
  }

  async logout(context: OperationContext, principal: Principal): Promise<void> {
    if (principal.credential.type !== 'session')
      throw new BadRequestError('logout ends a session; an API key is revoked with DELETE /api/v1/keys/{id}');
    await this.db.transaction(async (trx) => {
      await trx('credentials').where({ id: principal.credential.id }).update({ revoked_at: this.now() });
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'auth.logout',
          result: 'success',
          reason: `session ${principal.credential.id}`,
        },
        trx,
      );
    });
    this.authenticator.invalidate({ credentialId: principal.credential.id });
  }

  /** A user changes their own password; their other sessions end. */
  async changePassword(
    context: OperationContext,
    principal: Principal,
    input: { currentPassword?: unknown; newPassword?: unknown },
  ): Promise<void> {
    // Session only, like all administration of credentials: a leaked key cannot take the account.
    if (principal.credential.type !== 'session')
      throw new ForbiddenError('a password is changed with a login session, never with an API key');
    const current = requireString(input.currentPassword, 'currentPassword');
    const next = checkPassword(input.newPassword, 'newPassword');
    const user = (await this.db.knex('users').where({ id: principal.userId }).first()) as UserRow | undefined;
    if (!user || !(await verifyPassword(current, user.password_hash)))
      throw new UnauthorizedError('currentPassword is not the current password');
    const hash = await hashPassword(next);
    await this.db.transaction(async (trx) => {
      await trx('users').where({ id: user.id }).update({ password_hash: hash });
      await trx('credentials')
        .where({ user_id: user.id, type: 'session' })
        .whereNot({ id: principal.credential.id })
        .whereNull('revoked_at')
        .update({ revoked_at: this.now() });
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'auth.password',
          kind: 'User',
          name: user.username,
          result: 'configured',
          reason: 'password changed; other sessions ended',
        },
        trx,
      );
    });
    this.authenticator.invalidate({ userId: user.id });
  }

  // ---- API keys ----------------------------------------------------------------------------

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
      permissions: keyPermissions(this.authenticator.permissions, type, chosen, role, row.tenant),
      owner: row.username ?? row.user_id,
      createdAt: row.created_at,
      lastRotatedAt: row.last_rotated_at,
      lastUsedAt: this.authenticator.pendingLastUse(row.id) ?? row.last_used_at,
      expiresAt: row.expires_at,
    };
  }

  private keysQuery(executor: Knex | Knex.Transaction, tenant: string) {
    return executor('credentials as c')
      .join('users as u', 'u.id', 'c.user_id')
      .where('c.tenant', tenant)
      .whereNot('c.type', 'session')
      .whereNull('c.revoked_at')
      .select('c.*', 'u.username', 'u.role');
  }

  /** Live keys: all of the tenant's for `keys:admin`, else the caller's own fine-grained ones. */
  async listKeys(context: OperationContext, principal: Principal): Promise<ApiKeyView[]> {
    const query = this.keysQuery(this.db.knex, context.tenant).orderBy('c.created_at').orderBy('c.id');
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
    const type = input.type;
    if (type !== 'admin' && type !== 'readonly' && type !== 'fine-grained')
      throw invalid('type', 'must be admin, readonly or fine-grained');
    let slot: string | null = null;
    let name: string;
    let permissions: string[] = [];
    if (type === 'fine-grained') {
      context.authorize(ACTIONS.keysWrite);
      if (input.slot !== undefined && input.slot !== null)
        throw invalid('slot', 'is only for admin and readonly keys');
      name = requireString(input.name, 'name');
      if (!NAME.test(name)) throw invalid('name', NAME_RULE);
      if (
        !Array.isArray(input.permissions) ||
        input.permissions.length === 0 ||
        !input.permissions.every((p) => typeof p === 'string')
      )
        throw invalid('permissions', 'must be a non-empty list of permissions');
      permissions = [...new Set(input.permissions as string[])].sort();
      const refused = this.authenticator.permissions.refused(permissions, principal.permissions);
      if (refused)
        throw new ForbiddenError(
          `permission "${refused.permission}" ${refused.why}: a key can never hold more than its creator`,
          { details: { permission: refused.permission } },
        );
    } else {
      context.authorize(ACTIONS.keysAdmin);
      slot = input.slot === undefined || input.slot === null ? 'primary' : String(input.slot);
      if (slot !== 'primary' && slot !== 'secondary') throw invalid('slot', 'must be primary or secondary');
      if (input.name !== undefined && input.name !== null && input.name !== `${type}-${slot}`)
        throw invalid('name', `must be ${type}-${slot} or omitted: a slot key is named after its slot`);
      name = `${type}-${slot}`;
    }
    const days = this.expiryDays(input.expiresInDays, type);
    const now = this.clock();
    const expiresAt = days === null ? null : new Date(now.getTime() + days * DAY_MS).toISOString();
    const token = newToken('apikey');
    const row = await this.db.transaction(async (trx) => {
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
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'key.create',
          kind: 'APIKey',
          name,
          result: 'created',
          reason: `${type} key ${token.id}${permissions.length ? ` with ${permissions.join(',')}` : ''}${expiresAt ? `, expires ${expiresAt}` : ''}`,
        },
        trx,
      );
      return (await this.keysQuery(trx, context.tenant).where('c.id', token.id).first()) as KeyRow;
    });
    return { ...this.keyView(row), key: token.token };
  }

  private expiryDays(value: unknown, type: ApiKeyType): number | null {
    if (value === undefined || value === null) return type === 'fine-grained' ? DEFAULT_KEY_DAYS : null;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_KEY_DAYS)
      throw invalid(
        'expiresInDays',
        `must be a whole number of days from 1 to ${MAX_KEY_DAYS} (7, 30, 90, 365 or custom)`,
      );
    return value as number;
  }

  /** A new secret for the same key id: the old plaintext stops working on the next request. */
  async rotateKey(
    context: OperationContext,
    principal: Principal,
    id: string,
  ): Promise<ApiKeyView & { key: string }> {
    const token = newToken('apikey', id);
    const row = await this.db.transaction(async (trx) => {
      const key = await this.findKey(trx, context, principal, id);
      context.authorize(key.type === 'fine-grained' ? ACTIONS.keysWrite : ACTIONS.keysAdmin);
      const now = this.now();
      await trx('credentials').where({ id }).update({ secret_hash: token.secretHash, last_rotated_at: now });
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'key.rotate',
          kind: 'APIKey',
          name: key.name,
          result: 'configured',
          reason: `${key.type} key ${id} rotated`,
        },
        trx,
      );
      return (await this.keysQuery(trx, context.tenant).where('c.id', id).first()) as KeyRow;
    });
    this.authenticator.invalidate({ credentialId: id });
    return { ...this.keyView(row), key: token.token };
  }

  async revokeKey(context: OperationContext, principal: Principal, id: string): Promise<ApiKeyView> {
    const row = await this.db.transaction(async (trx) => {
      const key = await this.findKey(trx, context, principal, id);
      context.authorize(key.type === 'fine-grained' ? ACTIONS.keysWrite : ACTIONS.keysAdmin);
      await trx('credentials').where({ id }).update({ revoked_at: this.now() });
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'key.revoke',
          kind: 'APIKey',
          name: key.name,
          result: 'revoked',
          reason: `${key.type} key ${id} revoked`,
        },
        trx,
      );
      return key;
    });
    this.authenticator.invalidate({ credentialId: id });
    return this.keyView(row);
  }

  // ---- users -------------------------------------------------------------------------------

  async listUsers(
    context: OperationContext,
  ): Promise<Array<{ username: string; role: string; createdAt: string }>> {
    const rows = (await this.db
      .knex('users')
      .where({ tenant: context.tenant })
      .orderBy('username')) as UserRow[];
    return rows.map((row) => ({ username: row.username, role: row.role, createdAt: row.created_at }));
  }

  async createUser(
    context: OperationContext,
    input: { username?: unknown; password?: unknown; role?: unknown },
  ) {
    const username = requireString(input.username, 'username');
    if (!USERNAME.test(username)) throw invalid('username', USERNAME_RULE);
    const role = checkRole(input.role ?? 'viewer');
    const hash = await hashPassword(checkPassword(input.password));
    await this.db.transaction(async (trx) => {
      if (await trx('users').where({ tenant: context.tenant, username }).first('id'))
        throw new AlreadyExistsError(`user "${username}" already exists`);
      await this.insertUser(trx, context.tenant, username, hash, role);
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'user.create',
          kind: 'User',
          name: username,
          result: 'created',
          reason: `role ${role}`,
        },
        trx,
      );
    });
    return { username, role };
  }

  /**
   * Changes a user's role and/or sets a new password. A new role applies to their sessions and
   * keys from the next request; a new password ends their sessions. The tenant keeps an admin.
   */
  async updateUser(
    context: OperationContext,
    username: string,
    input: { role?: unknown; password?: unknown },
  ): Promise<{ username: string; role: string }> {
    // Looked up first: a name of another tenant is 404 whatever the body says.
    if (!(await this.db.knex('users').where({ tenant: context.tenant, username }).first('id')))
      throw new NotFoundError(`user "${username}" not found`);
    if (input.role === undefined && input.password === undefined)
      throw invalid('', 'nothing to change: give role and/or password');
    const role = input.role === undefined ? undefined : checkRole(input.role);
    const hash = input.password === undefined ? undefined : await hashPassword(checkPassword(input.password));
    const user = await this.db.transaction(async (trx) => {
      const found = (await trx('users').where({ tenant: context.tenant, username }).first()) as
        | UserRow
        | undefined;
      if (!found) throw new NotFoundError(`user "${username}" not found`);
      if (found.role === 'admin' && role && role !== 'admin') {
        const admins = await trx('users').where({ tenant: context.tenant, role: 'admin' }).count({ n: '*' });
        if (Number((admins[0] as { n: number | string }).n) <= 1)
          throw new ConflictError(`user "${username}" is the tenant's last admin: make another admin first`);
      }
      await trx('users')
        .where({ id: found.id })
        .update({ ...(role ? { role } : {}), ...(hash ? { password_hash: hash } : {}) });
      if (hash)
        await trx('credentials')
          .where({ user_id: found.id, type: 'session' })
          .whereNull('revoked_at')
          .update({ revoked_at: this.now() });
      const changed = [
        role && role !== found.role ? `role ${found.role} -> ${role}` : '',
        hash ? 'password reset, sessions ended' : '',
      ]
        .filter(Boolean)
        .join('; ');
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'user.update',
          kind: 'User',
          name: username,
          result: changed ? 'configured' : 'unchanged',
          reason: changed || undefined,
        },
        trx,
      );
      return { ...found, role: role ?? found.role };
    });
    this.authenticator.invalidate({ userId: user.id });
    return { username, role: user.role };
  }

  /** Deletes a user, ending their sessions and revoking the keys they created. */
  async deleteUser(context: OperationContext, principal: Principal, username: string): Promise<void> {
    if (username === principal.username) throw new ConflictError('you cannot delete your own user');
    const user = (await this.db.knex('users').where({ tenant: context.tenant, username }).first()) as
      | UserRow
      | undefined;
    if (!user) throw new NotFoundError(`user "${username}" not found`);
    await this.db.transaction(async (trx) => {
      await trx('credentials')
        .where({ user_id: user.id })
        .whereNull('revoked_at')
        .update({ revoked_at: this.now() });
      await trx('users').where({ id: user.id }).delete();
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'user.delete',
          kind: 'User',
          name: username,
          result: 'deleted',
          reason: 'sessions ended and keys revoked',
        },
        trx,
      );
    });
    this.authenticator.invalidate({ userId: user.id });
  }

  // ---- tenants -----------------------------------------------------------------------------

  async listTenants(): Promise<Array<{ name: string; createdAt: string }>> {
    const rows = (await this.db.knex('tenants').orderBy('name')) as Array<{
      name: string;
      created_at: string;
    }>;
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
  }

  /** A new tenant with its first admin user: nobody else can reach into it. */
  async createTenant(
    context: OperationContext,
    input: { name?: unknown; admin?: { username?: unknown; password?: unknown } },
  ) {
    const name = requireString(input.name, 'name');
    if (!NAME.test(name)) throw invalid('name', NAME_RULE);
    const adminName = requireString(input.admin?.username, 'admin/username');
    if (!USERNAME.test(adminName)) throw invalid('admin/username', USERNAME_RULE);
    const hash = await hashPassword(checkPassword(input.admin?.password, 'admin/password'));
    await this.db.transaction(async (trx) => {
      if (await trx('tenants').where({ name }).first('name'))
        throw new AlreadyExistsError(`tenant "${name}" already exists`);
      await trx('tenants').insert({ name, created_at: this.now() });
      const id = await this.insertUser(trx, name, adminName, hash, 'admin');
      await this.authenticator.record(
        context.tenant,
        context.actor,
        context,
        {
          operation: 'tenant.create',
          kind: 'Tenant',
          name,
          result: 'created',
          reason: `first admin ${adminName}`,
        },
        trx,
      );
      // The new tenant's own chain starts with who created it.
      await this.authenticator.record(
        name,
        context.actor,
        context,
        {
          operation: 'user.create',
          kind: 'User',
          name: adminName,
          result: 'created',
          reason: `first admin ${id} with role admin, created by ${context.tenant}/${context.actor.name}`,
        },
        trx,
      );
    });
    return { name, admin: adminName };
  }
}

let dummy: Promise<string> | undefined;
/** A real scrypt hash to verify against when the user does not exist (equal timing). */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(DUMMY_HASH_INPUT);
  return dummy;
}
