import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import type { Knex } from 'knex';
import { ConfigError } from '../errors.js';
import type { DialectName } from './database.js';
import {
  INITIAL_MIGRATION,
  INITIAL_TABLES,
  MIGRATIONS,
  migrationsFor,
  type SchemaMigration,
} from './migrations/index.js';

/**
 * Any constant shared by every Steward process: the PostgreSQL advisory lock that serializes
 * migrating. ("StwdMigr" in ASCII, so that it is recognisable in pg_locks.)
 */
const MIGRATION_LOCK = 0x537477644d696772n;

/**
 * Brings the schema to the newest migration this code knows. Idempotent; safe to call from
 * several processes at once on PostgreSQL (they take turns on an advisory lock, and a process
 * that waited finds nothing pending). Throws ConfigError, having changed no data, when the
 * database records a migration this code does not know (it was migrated by a newer Steward) or
 * holds only part of Steward's tables.
 */
export async function migrate(
  orm: MikroORM,
  dialect: DialectName,
  knex: Knex,
  migrations: readonly SchemaMigration[] = MIGRATIONS,
): Promise<void> {
  // Loaded here, not at start-up: see names.ts. The list is set before the migrator reads it.
  orm.config.get('migrations').migrationsList = migrationsFor(dialect, migrations);
  const migrator = new Migrator(orm.em as SqlEntityManager);
  const locked = () => migrateLocked(migrator, dialect, knex, migrations);
  if (dialect === 'sqlite') return locked();
  // A transaction-scoped lock: released by the commit, or by the server when this process dies,
  // so a crashed start never leaves the lock held. The migrations run on other connections of
  // the pool while this one holds the lock.
  await knex.transaction(async (lockHolder) => {
    await lockHolder.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK.toString()]);
    await locked();
  });
}

async function migrateLocked(
  migrator: Migrator,
  dialect: DialectName,
  knex: Knex,
  migrations: readonly SchemaMigration[],
): Promise<void> {
  const executed = (await migrator.getExecutedMigrations()).map((row) => row.name);
  refuseNewerDatabase(executed, migrations);
  if (executed.length === 0 && (await adoptPreviousRelease(dialect, knex))) {
    // Its tables are the initial migration's: record it as applied, never run it on them.
    await migrator.getStorage().logMigration({ name: INITIAL_MIGRATION, context: null });
  }
  await migrator.up();
}

/** Refuses a database that a newer Steward migrated: this code could misread or damage it. */
function refuseNewerDatabase(executed: string[], migrations: readonly SchemaMigration[]): void {
  const known = new Set(migrations.map((migration) => migration.name));
  const unknown = executed.filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const newest = migrations[migrations.length - 1]?.name;
  throw new ConfigError(
    `STEWARD_DATABASE_URL: the database was migrated by a newer Steward: it records migration ${unknown.join(', ')}, ` +
      `which this Steward does not know (its newest migration is ${newest}). No data was changed. ` +
      'Run the Steward version that migrated this database (or a newer one), or restore the backup taken before the upgrade.',
    { details: { unknownMigrations: unknown, newestKnownMigration: newest } },
  );
}

/**
 * True when the database holds every table of the initial migration: the release before
 * migrations created it with exactly that schema (`updateSchema`). False when it holds none
 * (a fresh database). Some but not all means a database this code cannot place: refused.
 */
async function adoptPreviousRelease(dialect: DialectName, knex: Knex): Promise<boolean> {
  const present = new Set(await tableNames(dialect, knex));
  const missing = INITIAL_TABLES.filter((table) => !present.has(table));
  if (missing.length === INITIAL_TABLES.length) return false;
  if (missing.length === 0) return true;
  throw new ConfigError(
    `STEWARD_DATABASE_URL: the database holds some of Steward's tables but not ${missing.join(', ')}, and no migration record: ` +
      'it was not made by the release before migrations, or that release never finished starting on it. ' +
      'No data was changed. Start that release once to complete its schema, then this one.',
  );
}

async function tableNames(dialect: DialectName, knex: Knex): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? ((await knex.raw("select name from sqlite_master where type = 'table'")) as Array<{ name: string }>)
      : ((
          await knex.raw(
            'select table_name as name from information_schema.tables where table_schema = current_schema()',
          )
        ).rows as Array<{ name: string }>);
  return rows.map((row) => row.name);
}
