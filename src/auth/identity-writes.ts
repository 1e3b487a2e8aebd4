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
  if (!options.keysToo) query.where({ type: 'session' });
  if (options.except) query.whereNot({ id: options.except });
  await query.update({ revoked_at: deps.clock().toISOString() });
}
