import type { AbstractSqlDriver, Configuration } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';
import type { DialectName } from '../database.js';
import { ApplySetsPostgresql, ApplySetsSqlite } from './applysets.js';
import { CredentialCertificatePostgresql, CredentialCertificateSqlite } from './credential-certificate.js';
import { DevicesPostgresql, DevicesSqlite } from './devices.js';
import { FederationPostgresql, FederationSqlite } from './federation.js';
import { InitialSchemaPostgresql } from './initial-schema.postgresql.js';
import { InitialSchemaSqlite } from './initial-schema.sqlite.js';
import { JournalSigningPostgresql, JournalSigningSqlite } from './journal-signing.js';
import { LoginAttemptsPostgresql, LoginAttemptsSqlite } from './login-attempts.js';
import { ManagedFieldsPostgresql, ManagedFieldsSqlite } from './managed-fields.js';
import {
  APPLYSETS_MIGRATION,
  CREDENTIAL_CERTIFICATE_MIGRATION,
  DEVICES_MIGRATION,
  FEDERATION_MIGRATION,
  INITIAL_MIGRATION,
  JOURNAL_SIGNING_MIGRATION,
  LOGIN_ATTEMPTS_MIGRATION,
  MANAGED_FIELDS_MIGRATION,
  PER_KEY_CRLS_MIGRATION,
  RESOURCE_CHANGESET_MIGRATION,
  ROLLOUTS_MIGRATION,
} from './names.js';
import { PerKeyCrlsPostgresql, PerKeyCrlsSqlite } from './per-key-crls.js';
import { ResourceChangesetPostgresql, ResourceChangesetSqlite } from './resource-changeset.js';
import { RolloutsPostgresql, RolloutsSqlite } from './rollouts.js';

export { INITIAL_MIGRATION, LOGIN_ATTEMPTS_MIGRATION, MIGRATION_NAMES, MIGRATIONS_TABLE } from './names.js';

type MigrationClass = new (driver: AbstractSqlDriver, config: Configuration) => Migration;

/**
 * One step of the schema, by the name recorded in the database, with its SQL per dialect. Names
 * are the order: a new step gets a later timestamp (`Migration<yyyymmddhhmmss>_<what>`), is
 * appended here, and is never renamed or edited once released (databases record the name).
 */
export interface SchemaMigration {
  name: string;
  sqlite: MigrationClass;
  postgresql: MigrationClass;
}

/**
 * Every migration, oldest first (their names also in names.ts). Imported explicitly (no glob) so
 * that src and dist run the same list.
 */
export const MIGRATIONS: readonly SchemaMigration[] = [
  { name: INITIAL_MIGRATION, sqlite: InitialSchemaSqlite, postgresql: InitialSchemaPostgresql },
  { name: LOGIN_ATTEMPTS_MIGRATION, sqlite: LoginAttemptsSqlite, postgresql: LoginAttemptsPostgresql },
  { name: JOURNAL_SIGNING_MIGRATION, sqlite: JournalSigningSqlite, postgresql: JournalSigningPostgresql },
  { name: PER_KEY_CRLS_MIGRATION, sqlite: PerKeyCrlsSqlite, postgresql: PerKeyCrlsPostgresql },
  { name: DEVICES_MIGRATION, sqlite: DevicesSqlite, postgresql: DevicesPostgresql },
  { name: ROLLOUTS_MIGRATION, sqlite: RolloutsSqlite, postgresql: RolloutsPostgresql },
  { name: FEDERATION_MIGRATION, sqlite: FederationSqlite, postgresql: FederationPostgresql },
  { name: APPLYSETS_MIGRATION, sqlite: ApplySetsSqlite, postgresql: ApplySetsPostgresql },
  {
    name: RESOURCE_CHANGESET_MIGRATION,
    sqlite: ResourceChangesetSqlite,
    postgresql: ResourceChangesetPostgresql,
  },
  { name: MANAGED_FIELDS_MIGRATION, sqlite: ManagedFieldsSqlite, postgresql: ManagedFieldsPostgresql },
  {
    name: CREDENTIAL_CERTIFICATE_MIGRATION,
    sqlite: CredentialCertificateSqlite,
    postgresql: CredentialCertificatePostgresql,
  },
];

/**
 * The tables the initial migration creates: a database holding all of them and no migration
 * record was made by the release before migrations, and already has that schema.
 */
export const INITIAL_TABLES: readonly string[] = [
  'credentials',
  'journal_checkpoints',
  'journal_entries',
  'journal_heads',
  'journal_settings',
  'pki_authorities',
  'pki_ca_certificates',
  'pki_issued_certificates',
  'pki_keys',
  'pki_master_key',
  'resources',
  'resource_refs',
  'tenants',
  'users',
];

/** MikroORM's `migrationsList` for `dialect`. */
export function migrationsFor(
  dialect: DialectName,
  migrations: readonly SchemaMigration[] = MIGRATIONS,
): Array<{ name: string; class: MigrationClass }> {
  return migrations.map((migration) => ({ name: migration.name, class: migration[dialect] }));
}
