import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { JournalRecord } from '../journal/journal-writer.js';
import type { Database } from '../store/database.js';
import type { Authenticator } from './authenticator.js';
import type { Role } from './permissions.js';

/**
 * What the identity services (sessions, API keys, users, tenants) are built on: the database, the
 * authenticator (journal entries, cache invalidation) and the one clock every time is read from.
 */
export interface IdentityDeps {
  db: Database;
  authenticator: Authenticator;
  clock: () => Date;
}

/** Who sent a request that has no credential yet (login). */
export interface RequestInfo {
  requestId: string;
  source?: string;
}

/** Appends `record` to the caller's tenant, as the caller, inside `trx`: with the write it describes. */
export function journalAs(
  deps: IdentityDeps,
  trx: Knex.Transaction,
  context: OperationContext,
  record: JournalRecord,
): Promise<void> {
  return deps.authenticator.record(context.tenant, context.actor, context, record, trx);
}

/** Inserts a user with an already-hashed password; answers its id. */
export async function insertUser(
  deps: IdentityDeps,
  trx: Knex.Transaction,
  user: { tenant: string; username: string; passwordHash: string; role: Role },
): Promise<string> {
  const id = randomUUID();
  await trx('users').insert({
    id,
    tenant: user.tenant,
    username: user.username,
    password_hash: user.passwordHash,
    role: user.role,
    created_at: deps.clock().toISOString(),
  });
  return id;
}

/**
 * Ends a user's live sessions (all but `except`), or with `keysToo` every credential they hold.
 * The caller invalidates the authenticator's cache once its transaction has committed.
 */
export async function endCredentials(
  deps: IdentityDeps,
  trx: Knex.Transaction,
  userId: string,
  options: { except?: string; keysToo?: boolean } = {},
): Promise<void> {
  const query = trx('credentials').where({ user_id: userId }).whereNull('revoked_at');
  // A password change ends the user's sessions and the personal tokens minted from them.
  if (!options.keysToo) query.whereIn('type', ['session', 'personal']);
  if (options.except) query.whereNot({ id: options.except });
  await query.update({ revoked_at: deps.clock().toISOString() });
}

/**
 * Serialises, per tenant, the writes that can take a tenant's admin away (a user deleted or
 * demoted), so that "a tenant keeps at least one admin" is checked against what the other writers
 * committed. Call it first in the transaction, before anything is read. PostgreSQL: a row lock on
 * the tenant (READ COMMITTED then reads the committed admins once it holds it). SQLite: a write
 * (that changes nothing) as the first statement takes the database's write lock at once, as
 * BEGIN IMMEDIATE would: a read first would let another writer commit between the check and the
 * write.
 */
export async function lockTenant(deps: IdentityDeps, trx: Knex.Transaction, tenant: string): Promise<void> {
  if (deps.db.dialect === 'postgresql')
    await trx('tenants').where({ name: tenant }).forUpdate().first('name');
  else
    await trx('tenants')
      .where({ name: tenant })
      .update({ created_at: trx.raw('created_at') });
}

/** The rule the last-admin refusals name. */
export const LAST_ADMIN_RULE = 'a tenant keeps at least one admin';

/**
 * Why a change of `user` must be refused because it would leave the tenant without an admin, or
 * undefined when it may go ahead. `admins` counts the tenant's admins, `user` included. Pure.
 */
export function lastAdminRefusal(
  user: { username: string; role: string },
  change: { delete: true } | { role?: Role },
  admins: number,
): string | undefined {
  if (user.role !== 'admin') return undefined;
  const removesAdmin = 'delete' in change || (change.role !== undefined && change.role !== 'admin');
  if (!removesAdmin || admins > 1) return undefined;
  return `user "${user.username}" is the tenant's last admin (${LAST_ADMIN_RULE}): make another admin first`;
}

/** How many admins `tenant` has, read in `trx`. */
export async function countAdmins(trx: Knex.Transaction, tenant: string): Promise<number> {
  const rows = await trx('users').where({ tenant, role: 'admin' }).count({ n: '*' });
  return Number((rows[0] as { n: number | string }).n);
}
