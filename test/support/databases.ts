import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where PostgreSQL runs on developers' and CI's machines (trust auth). */
export const POSTGRES_ADMIN_URL =
  process.env.STEWARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgresql';
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temp directory. */
export function freshSqlite(): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  return {
    dialect: 'sqlite',
    url: `sqlite:${join(dataDir, 'steward.db')}`,
    dataDir,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL database with a random name, so runs never see each other's state. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `steward_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  return {
    dialect: 'postgresql',
    url: url.toString(),
    dataDir,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Both dialects, for `describe.each`: the same suite runs on SQLite and PostgreSQL. */
export const DIALECTS = [
  { dialect: 'sqlite' as const, create: async () => freshSqlite() },
  { dialect: 'postgresql' as const, create: freshPostgres },
];
