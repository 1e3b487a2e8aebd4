import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Migration } from '@mikro-orm/migrations';
import knexFactory, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { systemContext } from '../../src/context.js';
import { ConfigError } from '../../src/errors.js';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { Database } from '../../src/store/database.js';
import {
  INITIAL_MIGRATION,
  INITIAL_TABLES,
  MIGRATION_NAMES,
  MIGRATIONS,
  type SchemaMigration,
} from '../../src/store/migrations/index.js';
import {
  caManifest,
  intermediateSpec,
  isReadyNow,
  PUBLIC_URL,
  rootSpec,
  waitFor,
} from '../pki/pki-server.js';
import { DIALECTS, freshSqlite, type TestDatabase } from '../support/databases.js';
import { adminToken, call, device, loginToken, startTestServer } from '../support/server.js';
import {
  comparable,
  createPreviousReleaseSchema,
  describeSchema,
  dumpRows,
  insertRows,
} from './schema-support.js';

const PASSWORD = 'migrated-password-1';
const NEWER_MIGRATION = 'Migration29991231000000_from_the_future';

/** A later release's migration: a column and its backfill, as a real one would be. */
class TenantDisplayName extends Migration {
  override up(): void {
    this.addSql('alter table tenants add column display_name varchar(63) null');
    this.addSql('update tenants set display_name = name');
  }
}
/** A migration that fails after a first statement succeeded. */
class FailingHalfway extends Migration {
  override up(): void {
    this.addSql('alter table tenants add column display_name varchar(63) null');
    this.addSql('update no_such_table set x = 1');
  }
}
const NEXT_RELEASE: SchemaMigration[] = [
  ...MIGRATIONS,
  {
    name: 'Migration29990101000000_tenant_display_name',
    sqlite: TenantDisplayName,
    postgresql: TenantDisplayName,
  },
];

/** A knex of its own on `database`, so that a test can look at it while Steward is not running. */
function rawKnex(database: TestDatabase): Knex {
  return database.dialect === 'sqlite'
    ? knexFactory({
        client: 'sqlite3',
        connection: { filename: database.url.slice('sqlite:'.length) },
        useNullAsDefault: true,
      })
    : knexFactory({ client: 'pg', connection: database.url });
}

describe.each(DIALECTS)('schema migrations on $dialect', ({ dialect, create }) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function database(): Promise<TestDatabase> {
    const created = await create();
    cleanups.push(() => created.drop());
    return created;
  }
  async function inspect<T>(target: TestDatabase, look: (knex: Knex) => Promise<T>): Promise<T> {
    const knex = rawKnex(target);
    try {
      return await look(knex);
    } finally {
      await knex.destroy();
    }
  }

  it('gives a fresh database exactly the schema of the release before migrations', async () => {
    const migrated = await database();
    // The initial migration alone: later ones change the schema on purpose.
    const db = await Database.open(migrated.url, ENTITIES, { migrations: MIGRATIONS.slice(0, 1) });
    await db.close();
    const previous = await database();
    await createPreviousReleaseSchema(previous);
    const expected = await inspect(previous, (knex) => describeSchema(dialect, knex));
    expect(expected.length).toBeGreaterThan(40);
    // The tables whose presence marks a database of that release are exactly its tables.
    const previousTables = await inspect(previous, (knex) =>
      dialect === 'sqlite'
        ? knex('sqlite_master').where({ type: 'table' }).whereNot({ name: 'sqlite_sequence' }).pluck('name')
        : knex('information_schema.tables').whereRaw('table_schema = current_schema()').pluck('table_name'),
    );
    expect([...previousTables].sort()).toEqual([...INITIAL_TABLES].sort());
    expect(await inspect(migrated, (knex) => describeSchema(dialect, knex))).toEqual(expected);
    expect(await inspect(migrated, (knex) => knex('mikro_orm_migrations').pluck('name'))).toEqual([
      INITIAL_MIGRATION,
    ]);
  });

  it('has migrations for every change of the entities (the schema generator finds nothing to do)', async () => {
    const db = await Database.open((await database()).url, ENTITIES);
    cleanups.push(() => db.close());
    expect(await db.orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('upgrades a database of the release before migrations, keeping every row, and serves it', async () => {
    // Rows of every table, written by Steward's own code paths, then put in a database made with
    // the old schema (same data directory: the master key that seals the CA keys lives there).
    const filled = await fill(await database());
    for (const [table, tableRows] of Object.entries(filled.rows))
      expect(tableRows.length, `rows of ${table}`).toBeGreaterThan(0);
    // The old release wrote no changeset on resources (the column came with causal status).
    for (const row of filled.rows.resources ?? []) row.changeset = null;
    const previous = { ...(await database()), dataDir: filled.dataDir };
    await createPreviousReleaseSchema(previous);
    await inspect(previous, (knex) => insertRows(dialect, knex, filled.rows));

    // The upgrade itself: every row as it was, the initial migration recorded, not run.
    const upgraded = await Database.open(previous.url, ENTITIES);
    expect(comparable(await dumpRows(upgraded.knex))).toEqual(comparable(filled.rows));
    // The initial migration recorded, not run; the later ones run.
    expect(await upgraded.knex('mikro_orm_migrations').orderBy('id').pluck('name')).toEqual(
      MIGRATIONS.map((migration) => migration.name),
    );
    await upgraded.close();

    const server = await startTestServer(previous, { STEWARD_ADMIN_PASSWORD: PASSWORD });
    cleanups.push(() => server.close());
    const devices = await call<{ items: Array<{ metadata: { name: string }; spec: unknown }> }>(
      server,
      'GET',
      '/api/v1/devices',
    );
    expect(devices.body.items.map((item) => [item.metadata.name, item.spec])).toEqual(filled.devices);
    const authority = await call<{ status: { certificate: string } }>(
      server,
      'GET',
      '/api/v1/certificateauthorities/root-ca',
    );
    expect(authority.body.status.certificate).toBe(filled.caCertificate);
    expect((await call(server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
    const bob = await loginToken(server, 'bob', PASSWORD);
    expect((await call(server, 'GET', '/api/v1/devices', { token: bob })).status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/devices', { token: filled.apiKey })).status).toBe(200);
    // New rows after the upgrade: the serial ids continue past the old rows.
    const applied = await call(server, 'POST', '/api/v1/apply', { body: [device('after-upgrade')] });
    expect(applied.status).toBe(200);
  });

  it('runs newer migrations after adopting a database of the release before migrations', async () => {
    const previous = await database();
    await createPreviousReleaseSchema(previous);
    const created_at = '2026-01-01T00:00:00.000Z';
    await inspect(previous, (knex) =>
      knex('tenants').insert([
        { name: 'default', created_at },
        { name: 'acme', created_at },
      ]),
    );
    const upgraded = await Database.open(previous.url, ENTITIES, { migrations: NEXT_RELEASE });
    const names = await upgraded.knex('mikro_orm_migrations').orderBy('id').pluck('name');
    const tenants = await upgraded
      .knex('tenants')
      .orderBy('name')
      .select('name', 'display_name', 'created_at');
    await upgraded.close();
    expect(names).toEqual(NEXT_RELEASE.map((migration) => migration.name));
    expect(tenants).toEqual([
      { name: 'acme', display_name: 'acme', created_at },
      { name: 'default', display_name: 'default', created_at },
    ]);
    // Going back to this release is refused rather than serving a schema it does not know.
    await expect(Database.open(previous.url, ENTITIES)).rejects.toThrow(
      `it records migration ${NEXT_RELEASE.at(-1)?.name}, which this Steward does not know`,
    );
  });

  it('leaves the schema as it was when a migration fails halfway', async () => {
    const target = await database();
    await (await Database.open(target.url, ENTITIES)).close();
    const schemaBefore = await inspect(target, (knex) => describeSchema(dialect, knex));
    const failing = [
      ...MIGRATIONS,
      { name: 'Migration29990101000000_fails', sqlite: FailingHalfway, postgresql: FailingHalfway },
    ];
    await expect(Database.open(target.url, ENTITIES, { migrations: failing })).rejects.toThrow(
      /no_such_table/,
    );
    expect(await inspect(target, (knex) => describeSchema(dialect, knex))).toEqual(schemaBefore);
    expect(await inspect(target, (knex) => knex('mikro_orm_migrations').orderBy('id').pluck('name'))).toEqual(
      MIGRATIONS.map((migration) => migration.name),
    );
  });

  it('refuses a database migrated by a newer Steward, naming both migrations, and changes nothing', async () => {
    const newer = await database();
    await (await Database.open(newer.url, ENTITIES)).close();
    await inspect(newer, (knex) => knex('mikro_orm_migrations').insert({ name: NEWER_MIGRATION }));
    const before = await inspect(newer, (knex) => knex('mikro_orm_migrations').select('*'));
    const schemaBefore = await inspect(newer, (knex) => describeSchema(dialect, knex));

    const refused = await Database.open(newer.url, ENTITIES).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain(NEWER_MIGRATION);
    expect((refused as Error).message).toContain(`its newest migration is ${MIGRATIONS.at(-1)?.name}`);
    expect(await inspect(newer, (knex) => knex('mikro_orm_migrations').select('*'))).toEqual(before);
    expect(await inspect(newer, (knex) => describeSchema(dialect, knex))).toEqual(schemaBefore);
  });

  it('refuses a database holding only some of the tables and no migration record', async () => {
    const partial = await database();
    await createPreviousReleaseSchema(partial);
    await inspect(partial, (knex) => knex.schema.dropTable('journal_settings'));
    await expect(Database.open(partial.url, ENTITIES)).rejects.toThrow(
      /holds some of Steward's tables but not journal_settings/,
    );
  });

  /** Fills a fresh database through the API and services: rows in every table of the schema. */
  async function fill(target: TestDatabase) {
    // Started and closed within the test (useServer is per suite): the engine on, as for the PKI.
    const server = await startTestServer(
      target,
      { STEWARD_PUBLIC_URL: PUBLIC_URL, STEWARD_ENGINE: 'on', STEWARD_ADMIN_PASSWORD: PASSWORD },
      { engine: { resyncSeconds: 0 } },
    );
    try {
      const token = adminToken(server);
      const users = await call(server, 'POST', '/api/v1/users', {
        token,
        body: { username: 'bob', password: PASSWORD, role: 'operator' },
      });
      expect(users.status).toBe(201);
      const key = await call<{ key: string }>(server, 'POST', '/api/v1/keys', {
        token,
        body: { type: 'readonly' },
      });
      expect(key.status).toBe(201);
      const settings = await call(server, 'PUT', '/api/v1/journal/settings', {
        token,
        body: { retentionDays: 30 },
      });
      expect(settings.status).toBe(200);
      const applied = await call(server, 'POST', '/api/v1/apply', {
        token,
        body: [
          caManifest('root-ca', rootSpec('Migration Root')),
          // Its parentRef is a row of resource_refs.
          caManifest('issuing-ca', intermediateSpec('root-ca', 'Migration Issuing')),
          device('dev-1', { site: 'a' }),
          device('dev-2', { site: 'b' }),
        ],
      });
      expect(applied.status).toBe(200);
      const authority = await waitFor({ server, token }, 'root-ca', isReadyNow);
      await waitFor({ server, token }, 'issuing-ca', isReadyNow);
      const keyPair = await generateKeyPair('ECDSA-P256');
      await server.services.pki.issuance.issue(
        systemContext('default', { type: 'user', id: 't', name: 't' }, 'fill'),
        'root-ca',
        [
          {
            publicKey: keyPair.spki,
            subject: { commonName: 'dev-1' },
            profile: 'device' as const,
            owner: { kind: 'Device', name: 'dev-1' },
          },
        ],
      );
      // A pruned stretch of the journal leaves a checkpoint (retention is the only writer of one).
      await server.services.db.knex('journal_checkpoints').insert({
        tenant: 'other',
        seq: 0,
        hash: '0'.repeat(64),
        pruned_at: new Date().toISOString(),
        count: 0,
      });
      const devices = (
        await call<{ items: Array<{ metadata: { name: string }; spec: unknown }> }>(
          server,
          'GET',
          '/api/v1/devices',
          {
            token,
          },
        )
      ).body.items.map((item) => [item.metadata.name, item.spec]);
      await server.services.engine.stop();
      return {
        rows: await dumpRows(server.services.db.knex),
        dataDir: target.dataDir,
        devices,
        caCertificate: authority?.status.certificate as string,
        apiKey: key.body.key,
      };
    } finally {
      await server.close();
    }
  }
});

describe('the migration list', () => {
  it('names every migration once, in order, as names.ts does for the start-up check', () => {
    const names = MIGRATIONS.map((migration) => migration.name);
    expect(names).toEqual(MIGRATION_NAMES);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(names);
  });
});

describe('schema migrations across processes', () => {
  it('several Steward processes starting on one PostgreSQL database migrate it once', async () => {
    const target = await DIALECTS[1].create();
    try {
      const opened = await Promise.all(Array.from({ length: 4 }, () => Database.open(target.url, ENTITIES)));
      const names = await opened[0].knex('mikro_orm_migrations').pluck('name');
      await Promise.all(opened.map((db) => db.close()));
      expect(names).toEqual(MIGRATIONS.map((migration) => migration.name));
    } finally {
      await target.drop();
    }
  });

  it('`steward` exits non-zero with the refusal on a database a newer Steward migrated', async () => {
    const newer = freshSqlite();
    try {
      await (await Database.open(newer.url, ENTITIES)).close();
      const knex = rawKnex(newer);
      await knex('mikro_orm_migrations').insert({ name: NEWER_MIGRATION });
      await knex.destroy();
      const root = join(import.meta.dirname, '../..');
      const run = spawnSync(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'src/main.ts'],
        {
          cwd: root,
          env: {
            ...process.env,
            STEWARD_DATABASE_URL: newer.url,
            STEWARD_DATA_DIR: newer.dataDir,
            STEWARD_PORT: '0',
            STEWARD_DEVICE_PORT: '0',
          },
          encoding: 'utf8',
          timeout: 80_000,
        },
      );
      expect(run.status).toBe(1);
      expect(run.stdout + run.stderr).toContain(`it records migration ${NEWER_MIGRATION}`);
    } finally {
      await newer.drop();
    }
    // A process of its own compiles Steward with swc first: seconds on a busy machine.
  }, 90_000);
});
