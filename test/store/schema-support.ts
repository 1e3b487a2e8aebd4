/** Test support for migrations: the schema of a database as comparable rows, and old databases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { INITIAL_TABLES } from '../../src/store/migrations/index.js';
import type { TestDatabase } from '../support/databases.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Creates, in an empty database, the schema that `updateSchema` of the release before migrations
 * (commit 9c832fb) created: the committed dump of a database that release made.
 */
export async function createPreviousReleaseSchema(database: TestDatabase): Promise<void> {
  const sql = readFileSync(join(FIXTURES, `schema-9c832fb.${database.dialect}.sql`), 'utf8');
  if (database.dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const file = database.url.slice('sqlite:'.length);
  await new Promise<void>((resolve, reject) => {
    const connection = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      connection.exec(sql, (execError) =>
        connection.close(() => (execError ? reject(execError) : resolve())),
      );
    });
  });
}

/**
 * Every table, column, index and constraint of Steward's tables (not the migrations' own table),
 * as sorted text: two databases with equal descriptions have the same schema.
 */
export async function describeSchema(dialect: TestDatabase['dialect'], knex: Knex): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = (await knex.raw(
      `select type, name, tbl_name, sql from sqlite_master where tbl_name not in ('sqlite_sequence', '${MIGRATIONS_TABLE}')`,
    )) as Array<Record<string, string>>;
    return rows.map((row) => `${row.type} ${row.tbl_name}.${row.name}: ${row.sql}`).sort();
  }
  const columns = await knex.raw(
    `select table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
       from information_schema.columns where table_schema = current_schema() and table_name <> ?`,
    [MIGRATIONS_TABLE],
  );
  const indexes = await knex.raw(
    'select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename <> ?',
    [MIGRATIONS_TABLE],
  );
  const constraints = await knex.raw(
    `select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
       from pg_constraint where connamespace = current_schema()::regnamespace and conrelid::regclass::text <> ?`,
    [MIGRATIONS_TABLE],
  );
  return [
    ...columns.rows.map((row: Record<string, unknown>) => `column ${Object.values(row).join(' ')}`),
    ...indexes.rows.map((row: Record<string, unknown>) => `index ${Object.values(row).join(' ')}`),
    ...constraints.rows.map((row: Record<string, unknown>) => `constraint ${Object.values(row).join(' ')}`),
  ].sort();
}

export type TableRows = Record<string, Array<Record<string, unknown>>>;

/** Every row of every table of the initial schema, as the driver answers it. */
export async function dumpRows(knex: Knex): Promise<TableRows> {
  const dump: TableRows = {};
  for (const table of INITIAL_TABLES)
    dump[table] = (await knex(table).select('*')) as Array<Record<string, unknown>>;
  return dump;
}

/**
 * `dump` as values in a stable order: pg answers jsonb parsed and bigint as text, SQLite answers
 * JSON as text and bigint as a number.
 */
export function comparable(dump: TableRows): TableRows {
  const normal: TableRows = {};
  for (const [table, rows] of Object.entries(dump))
    normal[table] = rows
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([column, value]) => {
            if (Buffer.isBuffer(value)) return [column, value.toString('base64')];
            if (typeof value === 'string' && /^[[{]/.test(value)) return [column, JSON.parse(value)];
            if (typeof value === 'number') return [column, String(value)];
            return [column, value];
          }),
        ),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return normal;
}

/** Inserts rows dumped from a database of the same dialect, keeping serial ids valid. */
export async function insertRows(
  dialect: TestDatabase['dialect'],
  knex: Knex,
  dump: TableRows,
): Promise<void> {
  for (const [table, rows] of Object.entries(dump)) {
    for (const row of rows) {
      // pg answers jsonb parsed; written back as JSON text (pg would turn arrays into SQL arrays).
      // Nulls are left out: a column added by a later migration (nullable) is not in the old table.
      const written = Object.fromEntries(
        Object.entries(row)
          .filter(([, value]) => value !== null)
          .map(([column, value]) => [
            column,
            value !== null && typeof value === 'object' && !Buffer.isBuffer(value)
              ? JSON.stringify(value)
              : value,
          ]),
      );
      await knex(table).insert(written);
    }
    // An old database's sequences are past its rows; rows inserted with their ids leave them at 1.
    if (dialect === 'postgresql' && (table === 'resources' || table === 'resource_refs') && rows.length > 0)
      await knex.raw(`select setval(pg_get_serial_sequence(?, 'id'), (select max(id) from ${table}))`, [
        table,
      ]);
  }
}
