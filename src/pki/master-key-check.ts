/**
 * The start-up check that ties a database to its master key: the first start stores the key's
 * check value (MasterKey.keyCheck, an HMAC that reveals nothing of the key); every later start
 * compares, so a wrong or lost key stops the server with a clear error instead of failing later
 * on the first CA key it cannot open (or, worse, generating fresh CAs beside unreadable ones).
 */
import { unlink } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { Database } from '../store/database.js';
import { type LoadedMasterKey, loadMasterKey, MASTER_KEY_ENV, type MasterKey } from './master-key.js';
import { type MasterKeyCheckRow, TABLES } from './pki-tables.js';

const ROW_ID = 1;

/**
 * Loads the master key (STEWARD_MASTER_KEY, else `<dataDir>/master.key`, generated on first start)
 * and checks it against the database. Safe when several processes start at once on one database:
 * the first insert wins and every process compares with it.
 * @throws ConfigError when the key is malformed, or is not the key the database was sealed with
 *   (a key file generated just now for a database that already has one is removed again, so that
 *   restoring the backup is the obvious next step).
 */
export async function openMasterKey(
  db: Database,
  options: { dataDir: string; masterKey?: string; now?: () => Date },
): Promise<MasterKey> {
  const loaded = await loadMasterKey({
    dataDir: options.dataDir,
    env: options.masterKey ? { [MASTER_KEY_ENV]: options.masterKey } : {},
  });
  const { masterKey } = loaded;
  const stored = await storedCheck(db);
  if (!stored) {
    const now = (options.now?.() ?? new Date()).toISOString();
    await db
      .knex(TABLES.masterKey)
      .insert({ id: ROW_ID, key_id: masterKey.keyId, key_check: masterKey.keyCheck(), created_at: now })
      .onConflict('id')
      .ignore();
    const winner = await storedCheck(db);
    if (winner && !masterKey.verifyKeyCheck(winner.key_check)) throw await mismatch(loaded, winner);
    return masterKey;
  }
  if (!masterKey.verifyKeyCheck(stored.key_check)) throw await mismatch(loaded, stored);
  return masterKey;
}

async function storedCheck(db: Database): Promise<MasterKeyCheckRow | undefined> {
  return db.knex<MasterKeyCheckRow>(TABLES.masterKey).where({ id: ROW_ID }).first();
}

async function mismatch(loaded: LoadedMasterKey, stored: MasterKeyCheckRow): Promise<ConfigError> {
  const { masterKey } = loaded;
  const since = `the database's CA keys were sealed under master key ${stored.key_id} (since ${stored.created_at})`;
  if (loaded.origin === 'generated' && loaded.path) {
    // A fresh file next to a database that has a key means the original file is missing: do not
    // leave the useless new one behind, or the next start would complain about the wrong thing.
    await unlink(loaded.path).catch(() => undefined);
    return new ConfigError(
      `master key missing: ${loaded.path} did not exist and STEWARD_MASTER_KEY is not set, but ${since}; ` +
        'restore the key file from your backup or set STEWARD_MASTER_KEY',
    );
  }
  return new ConfigError(
    `master key does not match: ${masterKey.source} holds key ${masterKey.keyId}, but ${since}; ` +
      'restore the original key file or STEWARD_MASTER_KEY',
  );
}
