import { type EntitySchema, MikroORM, type Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { Knex } from 'knex';
import { ConfigError } from '../errors.js';
import { createPrivateSqliteFile } from './file-modes.js';
import type { SchemaMigration } from './migrations/index.js';
import { MIGRATION_NAMES, MIGRATIONS_TABLE } from './migrations/names.js';

export type DialectName = 'sqlite' | 'postgresql';

/** A knex handle that is either the pool or an open transaction; stores take either. */
export type Executor = Knex | Knex.Transaction;

/**
 * The database: MikroORM owns the connection, the pool and the schema (versioned migrations, see
 * migrations/index.ts); stores speak SQL through its knex so that bulk paths stay bulk.
 */
export class Database {
  private constructor(
    readonly orm: MikroORM,
    readonly dialect: DialectName,
    readonly knex: Knex,
  ) {}

  /**
   * Connects and runs the migrations not yet applied (idempotent). Throws ConfigError, having
   * changed no data, for a database migrated by a newer Steward. `url` is `sqlite:/path/file.db`,
   * `sqlite::memory:` or a postgres:// URL. `entities` map rows; they never change the schema.
   * `options.migrations` (tests: a release with more migrations) defaults to every migration.
   */
  static async open(
    url: string,
    entities: EntitySchema[],
    options: { migrations?: readonly SchemaMigration[] } = {},
  ): Promise<Database> {
    const dialect: DialectName = url.startsWith('sqlite:') ? 'sqlite' : 'postgresql';
    const common: Partial<Options> = {
      entities,
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: true,
      debug: false,
      migrations: {
        tableName: MIGRATIONS_TABLE,
        // All pending migrations in one transaction: a failure leaves the schema as it was.
        transactional: true,
        allOrNothing: true,
        // No snapshot file beside the code (migrations/index.ts is the only source), no chatter.
        snapshot: false,
        silent: true,
      },
    };
    let orm: MikroORM;
    try {
      if (dialect === 'sqlite') {
        const file = url.slice('sqlite:'.length);
        if (file !== ':memory:') createPrivateSqliteFile(file);
        orm = await MikroORM.init({
          ...common,
          driver: SqliteDriver,
          dbName: file,
          pool: {
            min: 1,
            max: 1,
            // WAL lets readers proceed during a write; NORMAL sync is durable across process
            // crashes (a power loss may drop the last transactions, never corrupt the file).
            // 16 KiB pages (new files only; an existing file keeps its size): a commit writes
            // every dirty page to the WAL with its own write, and a 10,000-document apply's commit
            // took 57 ms with 4 KiB pages and 7 ms with 16 KiB. A 64 MiB page cache keeps such a
            // transaction from spilling pages to the WAL before it commits (the default is 2 MiB).
            // Checkpoints run in the background (see checkpointInBackground), not inside the
            // commit that happens to cross the threshold; the automatic one stays as a backstop at
            // 5,000 pages (80 MiB) should the background one fall behind.
            afterCreate: (
              connection: { exec(sql: string, done: (error: Error | null) => void): void },
              done: (error: Error | null, connection: unknown) => void,
            ) =>
              connection.exec(
                'PRAGMA page_size = 16384; PRAGMA cache_size = -65536; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 5000;',
                (error) => done(error, connection),
              ),
          },
        } as Options);
      } else {
        orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url } as Options);
      }
    } catch (error) {
      throw new ConfigError(`STEWARD_DATABASE_URL: cannot open the database (${(error as Error).message})`, {
        cause: error,
      });
    }
    const knex = (orm.em as SqlEntityManager).getKnex();
    try {
      const known = options.migrations?.map((migration) => migration.name) ?? MIGRATION_NAMES;
      if (!(await isUpToDate(dialect, knex, known))) {
        const { migrate } = await import('./migrate.js');
        await migrate(orm, dialect, knex, options.migrations);
      }
    } catch (error) {
      await orm.close(true);
      throw error;
    }
    const database = new Database(orm, dialect, knex);
    if (dialect === 'sqlite') database.checkpointInBackground();
    return database;
  }

  private checkpointTimer?: NodeJS.Timeout;

  /**
   * Every second, a PASSIVE checkpoint copies committed WAL pages into the database file between
   * transactions (it waits its turn for the one connection, never blocks a writer, and costs
   * nothing when there is nothing to copy). Without it, the request whose commit crosses the
   * automatic threshold pays for the whole checkpoint (~40 ms after a 10,000-document apply).
   */
  private checkpointInBackground(): void {
    let running = false;
    this.checkpointTimer = setInterval(() => {
      if (running) return;
      running = true;
      this.knex
        .raw('PRAGMA wal_checkpoint(PASSIVE)')
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    }, 1_000);
    this.checkpointTimer.unref();
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(work);
  }

  /** A row lock for read-then-write inside a transaction; SQLite serializes writers already. */
  forUpdate<Q extends Knex.QueryBuilder>(query: Q): Q {
    return this.dialect === 'postgresql' ? (query.forUpdate() as Q) : query;
  }

  /** SQL text of a JSON object column's string member, for label selectors. */
  jsonText(column: string): string {
    return this.dialect === 'postgresql' ? `(${column} ->> ?)` : `json_extract(${column}, ?)`;
  }

  /** The binding that goes with `jsonText` for `key`. */
  jsonKey(key: string): string {
    // Label keys are validated ([A-Za-z0-9._/-]), so quoting the SQLite path member is safe.
    return this.dialect === 'postgresql' ? key : `$."${key}"`;
  }

  /** Most bound parameters one statement may carry (SQLite's limit is 32,766; PostgreSQL's 65,535). */
  get maxParameters(): number {
    return this.dialect === 'postgresql' ? 60_000 : 32_000;
  }

  async close(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.orm.close(true);
  }
}

/**
 * True when the database records exactly the migrations `known` (the usual start). Anything else
 * (no record yet, pending migrations, unknown ones) is for migrate(), which decides under the lock.
 */
async function isUpToDate(dialect: DialectName, knex: Knex, known: readonly string[]): Promise<boolean> {
  const exists =
    dialect === 'sqlite'
      ? (
          (await knex.raw("select 1 from sqlite_master where type = 'table' and name = ?", [
            MIGRATIONS_TABLE,
          ])) as unknown[]
        ).length > 0
      : (await knex.raw('select to_regclass(?) as oid', [MIGRATIONS_TABLE])).rows[0].oid !== null;
  if (!exists) return false;
  const recorded = new Set<string>(await knex(MIGRATIONS_TABLE).pluck('name'));
  return recorded.size === known.length && known.every((name) => recorded.has(name));
}

/** JSON columns are written as text on both dialects: pg would turn JS arrays into SQL arrays. */
export function toJsonColumn(value: unknown): string {
  return JSON.stringify(value);
}

/** pg hands jsonb back parsed; SQLite hands back text. */
export function fromJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Splits rows so that one INSERT stays under the parameter limit. */
export function chunk<T>(rows: T[], columnsPerRow: number, maxParameters: number): T[][] {
  const size = Math.max(1, Math.floor(maxParameters / columnsPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
