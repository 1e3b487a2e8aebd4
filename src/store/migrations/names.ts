/**
 * The names of every migration, oldest first, as recorded in the database: what a start compares
 * with the record before loading the migrator (umzug alone costs ~60 ms to load), so that the
 * usual start, on an up-to-date database, never loads it. index.ts lists the same names with
 * their SQL (a test proves both lists equal).
 */
export const MIGRATION_NAMES: readonly string[] = [
  'Migration20261203000000_initial',
  'Migration20261203100000_login_attempts',
  'Migration20261203110000_journal_signing',
  'Migration20261204000000_per_key_crls',
  'Migration20261205000000_devices',
  'Migration20261206000000_rollouts',
  'Migration20261207000000_federation',
  'Migration20261208000000_applysets',
  'Migration20261209000000_resource_changeset',
  'Migration20261210000000_managed_fields',
  'Migration20261211000000_credential_certificate',
];

/** The name under which the schema of the last `updateSchema` release is recorded. */
export const INITIAL_MIGRATION = 'Migration20261203000000_initial';

/** The login limits shared by every process on one database (src/auth/login-limits.ts). */
export const LOGIN_ATTEMPTS_MIGRATION = 'Migration20261203100000_login_attempts';
/** The journal's signing keys and last signed heads (issue #12). */
export const JOURNAL_SIGNING_MIGRATION = 'Migration20261203110000_journal_signing';

/** A CRL per CA key, the CRL moved off pki_authorities (issue #13). */
export const PER_KEY_CRLS_MIGRATION = 'Migration20261204000000_per_key_crls';

/** Enrollment tokens, device records, attestation challenges and device logs (issue #14). */
export const DEVICES_MIGRATION = 'Migration20261205000000_devices';

/** Update-signing keys, artifact signatures and SBOMs, rollout progress (issue #15). */
export const ROLLOUTS_MIGRATION = 'Migration20261206000000_rollouts';

/** Minted short-lived tokens' subject, and the replay store of exchanged tokens (issue #16). */
export const FEDERATION_MIGRATION = 'Migration20261207000000_federation';

/** MikroORM's bookkeeping table: one row per applied migration. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** Apply sets' inventories (issue #17). */
export const APPLYSETS_MIGRATION = 'Migration20261208000000_applysets';

/** The changeset that set each resource's generation, for causal status (issue #17). */
export const RESOURCE_CHANGESET_MIGRATION = 'Migration20261209000000_resource_changeset';

/** The Kubernetes facade's managed fields (src/resources/managed-fields.ts). */
export const MANAGED_FIELDS_MIGRATION = 'Migration20261210000000_managed_fields';

/** The client certificate an exchanged token was minted from (its revocation revokes the token). */
export const CREDENTIAL_CERTIFICATE_MIGRATION = 'Migration20261211000000_credential_certificate';
