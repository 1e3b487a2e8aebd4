import type { OperationContext } from '../context.js';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError } from '../errors.js';
import type { UserRow } from './auth-entities.js';
import {
  countAdmins,
  endCredentials,
  type IdentityDeps,
  insertUser,
  journalAs,
  lastAdminRefusal,
  lockTenant,
} from './identity-writes.js';
import { hashPassword } from './passwords.js';
import type { Role } from './permissions.js';
import type { Principal } from './principal.js';

/** A user to create, its shape already validated (src/api/routes/identity-bodies.ts). */
export interface NewUser {
  username: string;
  password: string;
  /** Default: viewer. */
  role?: Role;
}

/** What an admin changes of a user: at least one of the two. */
export interface UserChange {
  role?: Role;
  password?: string;
}

/**
 * The users of the caller's tenant. A change to what a user may do (role, password, deletion)
 * applies to their sessions and keys from the next request: the authenticator's cache is dropped
 * once the transaction has committed.
 */
export class UserService {
  constructor(private readonly deps: IdentityDeps) {}

  async listUsers(
    context: OperationContext,
  ): Promise<Array<{ username: string; role: string; createdAt: string }>> {
    const rows = (await this.deps.db
      .knex('users')
      .where({ tenant: context.tenant })
      .orderBy('username')) as UserRow[];
    return rows.map((row) => ({ username: row.username, role: row.role, createdAt: row.created_at }));
  }

  async createUser(context: OperationContext, input: NewUser): Promise<{ username: string; role: Role }> {
    const { username } = input;
    const role = input.role ?? 'viewer';
    const passwordHash = await hashPassword(input.password);
    await this.deps.db.transaction(async (trx) => {
      if (await trx('users').where({ tenant: context.tenant, username }).first('id'))
        throw new AlreadyExistsError(`user "${username}" already exists`);
      await insertUser(this.deps, trx, { tenant: context.tenant, username, passwordHash, role });
      await journalAs(this.deps, trx, context, {
        operation: 'user.create',
        kind: 'User',
        name: username,
        result: 'created',
        reason: `role ${role}`,
      });
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
    input: UserChange,
  ): Promise<{ username: string; role: string }> {
    const { db } = this.deps;
    // Looked up first: a name of another tenant is 404 whatever the body says.
    if (!(await db.knex('users').where({ tenant: context.tenant, username }).first('id')))
      throw new NotFoundError(`user "${username}" not found`);
    const { role } = input;
    if (role === undefined && input.password === undefined)
      throw new InvalidError('nothing to change: give role and/or password', {
        problems: [{ pointer: '', message: 'nothing to change: give role and/or password' }],
      });
    const hash = input.password === undefined ? undefined : await hashPassword(input.password);
    const user = await db.transaction(async (trx) => {
      await lockTenant(this.deps, trx, context.tenant);
      const found = (await trx('users').where({ tenant: context.tenant, username }).first()) as
        | UserRow
        | undefined;
      if (!found) throw new NotFoundError(`user "${username}" not found`);
      const refusal =
        found.role === 'admin' && role && role !== 'admin'
          ? lastAdminRefusal(found, { role }, await countAdmins(trx, context.tenant))
          : undefined;
      if (refusal) throw new ConflictError(refusal);
      await trx('users')
        .where({ id: found.id })
        .update({ ...(role ? { role } : {}), ...(hash ? { password_hash: hash } : {}) });
      if (hash) await endCredentials(this.deps, trx, found.id);
      const changed = [
        role && role !== found.role ? `role ${found.role} -> ${role}` : '',
        hash ? 'password reset, sessions ended' : '',
      ]
        .filter(Boolean)
        .join('; ');
      await journalAs(this.deps, trx, context, {
        operation: 'user.update',
        kind: 'User',
        name: username,
        result: changed ? 'configured' : 'unchanged',
        reason: changed || undefined,
      });
      return { ...found, role: role ?? found.role };
    });
    this.deps.authenticator.invalidate({ userId: user.id });
    return { username, role: user.role };
  }

  /**
   * Deletes a user, ending their sessions and revoking the keys they created. The tenant keeps an
   * admin: two admins deleting each other at once, one of them is refused.
   */
  async deleteUser(context: OperationContext, principal: Principal, username: string): Promise<void> {
    if (username === principal.username) throw new ConflictError('you cannot delete your own user');
    const user = await this.deps.db.transaction(async (trx) => {
      await lockTenant(this.deps, trx, context.tenant);
      const user = (await trx('users').where({ tenant: context.tenant, username }).first()) as
        | UserRow
        | undefined;
      if (!user) throw new NotFoundError(`user "${username}" not found`);
      const refusal =
        user.role === 'admin'
          ? lastAdminRefusal(user, { delete: true }, await countAdmins(trx, context.tenant))
          : undefined;
      if (refusal) throw new ConflictError(refusal);
      await endCredentials(this.deps, trx, user.id, { keysToo: true });
      await trx('users').where({ id: user.id }).delete();
      await journalAs(this.deps, trx, context, {
        operation: 'user.delete',
        kind: 'User',
        name: username,
        result: 'deleted',
        reason: 'sessions ended and keys revoked',
      });
      return user;
    });
    this.deps.authenticator.invalidate({ userId: user.id });
  }
}
