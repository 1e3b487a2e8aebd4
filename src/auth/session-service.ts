import { createHmac, randomBytes } from 'node:crypto';
import type { OperationContext } from '../context.js';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../errors.js';
import { toJsonColumn } from '../store/database.js';
import type { UserRow } from './auth-entities.js';
import { endCredentials, type IdentityDeps, journalAs, type RequestInfo } from './identity-writes.js';
import type { LoginLimiter } from './login-limits.js';
import { DUMMY_HASH_INPUT, hashPassword, verifyPassword } from './passwords.js';
import type { Role } from './permissions.js';
import { actorOf, type Principal, rolePermissions, SYSTEM_TENANT } from './principal.js';
import { hashSecret, newToken } from './tokens.js';

/** A login request, its shape already validated (src/api/routes/identity-bodies.ts). */
export interface LoginInput {
  username: string;
  password: string;
  /** Default: the system tenant. */
  tenant?: string | null;
}

/** A user's change of their own password, its shape already validated. */
export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export interface LoginResult {
  principal: Principal;
  sessionToken: string;
  csrfToken: string;
  expiresAt: string;
  /** From now to expiresAt, for the cookies' Max-Age (by the service's clock, not the route's). */
  lifetimeSeconds: number;
}

/**
 * Login sessions: opened by a password, ended by logout, and all but the current one ended by a
 * password change. Each write is one transaction with its journal entry.
 */
export class SessionService {
  constructor(
    private readonly deps: IdentityDeps,
    private readonly sessionTtlSeconds: number,
    /** Login attempts per tenant/user and per source address, shared by every process. */
    readonly limits: LoginLimiter,
    /** Per-install HMAC key (from the master key) naming unknown users in the journal. */
    private readonly pseudonymKey: Buffer,
  ) {}

  /**
   * Checks a password and opens a session. Unknown tenants, unknown users and wrong passwords get
   * the same answer after the same scrypt work, so neither timing nor message tells them apart.
   * The attempt is counted before the password is checked (LoginLimiter.reserve), so parallel
   * guesses cannot all pass the limit; it stays counted unless the login succeeds.
   */
  async login(input: LoginInput, request: RequestInfo): Promise<LoginResult> {
    const { username, password } = input;
    const tenant = input.tenant ?? SYSTEM_TENANT;
    const { db, authenticator } = this.deps;
    const reservation = await this.limits.reserve(tenant, username, request.source ?? 'unknown');

    const user = (await db.knex('users').where({ tenant, username }).first()) as UserRow | undefined;
    const valid = await verifyPassword(password, user?.password_hash ?? (await dummyHash()));
    if (!user || !valid) {
      const tenantExists = user || (await db.knex('tenants').where({ name: tenant }).first('name'));
      if (tenantExists)
        await authenticator.record(
          tenant,
          { type: 'user', id: user?.id ?? '', name: user ? username : this.unknownUser(username) },
          request,
          {
            operation: 'auth.login',
            result: 'failure',
            reason: user ? 'wrong password' : 'no such user',
          },
        );
      throw new UnauthorizedError('invalid username or password');
    }
    const token = newToken('session');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.deps.clock();
    const expiresAt = new Date(now.getTime() + this.sessionTtlSeconds * 1000).toISOString();
    await db.transaction(async (trx) => {
      // Expired sessions of this user are swept as they log in again: the table does not grow.
      await trx('credentials')
        .where({ user_id: user.id, type: 'session' })
        .where('expires_at', '<', now.toISOString())
        .delete();
      await this.limits.succeeded(reservation, trx);
      await trx('credentials').insert({
        id: token.id,
        tenant,
        type: 'session',
        slot: null,
        name: token.id,
        secret_hash: token.secretHash,
        user_id: user.id,
        permissions: toJsonColumn([]),
        // Only hashes are stored: a copy of the table opens no session and forges no CSRF header.
        csrf_token: hashSecret(csrfToken),
        created_at: now.toISOString(),
        expires_at: expiresAt,
      });
      await authenticator.record(
        tenant,
        { type: 'user', id: user.id, name: username },
        request,
        { operation: 'auth.login', result: 'success', reason: `session ${token.id} until ${expiresAt}` },
        trx,
      );
    });
    const principal: Omit<Principal, 'actor'> = {
      tenant,
      userId: user.id,
      username,
      role: user.role as Role,
      permissions: new Set(rolePermissions(authenticator.permissions, user.role as Role, tenant)),
      credential: { type: 'session', id: token.id, name: token.id, expiresAt },
    };
    return {
      principal: { ...principal, actor: actorOf(principal) },
      sessionToken: token.token,
      csrfToken,
      expiresAt,
      lifetimeSeconds: this.sessionTtlSeconds,
    };
  }

  /**
   * The journal's actor name for a username no user has: a fixed prefix and 12 hex digits of an
   * HMAC keyed per install, never the text, which may be a password typed into the wrong field.
   * The same name gives the same pseudonym (repeated guesses stay visible as such); reversing one
   * needs the key, not just a dictionary.
   */
  unknownUser(username: string): string {
    return `unknown-user:${createHmac('sha256', this.pseudonymKey).update(`unknown-user\0${username}`).digest('hex').slice(0, 12)}`;
  }

  async logout(context: OperationContext, principal: Principal): Promise<void> {
    if (principal.credential.type !== 'session')
      throw new BadRequestError('logout ends a session; an API key is revoked with DELETE /api/v1/keys/{id}');
    await this.deps.db.transaction(async (trx) => {
      await trx('credentials')
        .where({ id: principal.credential.id })
        .update({ revoked_at: this.deps.clock().toISOString() });
      await journalAs(this.deps, trx, context, {
        operation: 'auth.logout',
        result: 'success',
        reason: `session ${principal.credential.id}`,
      });
    });
    this.deps.authenticator.invalidate({ credentialId: principal.credential.id });
  }

  /** A user changes their own password; their other sessions end. */
  async changePassword(
    context: OperationContext,
    principal: Principal,
    input: PasswordChange,
  ): Promise<void> {
    // Session only, like all administration of credentials: a leaked key cannot take the account.
    if (principal.credential.type !== 'session')
      throw new ForbiddenError('a password is changed with a login session, never with an API key');
    const user = (await this.deps.db.knex('users').where({ id: principal.userId }).first()) as
      | UserRow
      | undefined;
    if (!user || !(await verifyPassword(input.currentPassword, user.password_hash)))
      throw new UnauthorizedError('currentPassword is not the current password');
    const hash = await hashPassword(input.newPassword);
    await this.deps.db.transaction(async (trx) => {
      await trx('users').where({ id: user.id }).update({ password_hash: hash });
      await endCredentials(this.deps, trx, user.id, { except: principal.credential.id });
      await journalAs(this.deps, trx, context, {
        operation: 'auth.password',
        kind: 'User',
        name: user.username,
        result: 'configured',
        reason: 'password changed; other sessions ended',
      });
    });
    this.deps.authenticator.invalidate({ userId: user.id });
  }
}

let dummy: Promise<string> | undefined;
/** A real scrypt hash to verify against when the user does not exist (equal timing). */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(DUMMY_HASH_INPUT);
  return dummy;
}
