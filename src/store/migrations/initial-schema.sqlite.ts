import { Migration } from '@mikro-orm/migrations';

/**
 * The schema of the last release that used `updateSchema` (commit 9c832fb), on SQLite: generated
 * from its entities with MikroORM's `getCreateSchemaSQL`, statement for statement what that
 * release created. Never edit it: databases of that release record it as applied without running
 * it (see migrate.ts), so a change here would reach fresh databases only. Change the schema with
 * a new migration.
 */
export class InitialSchemaSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `credentials` (`id` text not null, `tenant` text not null, `type` text not null, `slot` text null, `name` text not null, `secret_hash` text not null, `user_id` text not null, `permissions` json not null, `csrf_token` text null, `created_at` text not null, `last_rotated_at` text null, `last_used_at` text null, `expires_at` text null, `revoked_at` text null, primary key (`id`))',
    );
    this.addSql('create index `credentials_tenant_type` on `credentials` (`tenant`, `type`)');
    this.addSql(
      'create table `journal_checkpoints` (`tenant` text not null, `seq` bigint not null, `hash` text not null, `pruned_at` text not null, `count` bigint not null, primary key (`tenant`))',
    );
    this.addSql(
      'create table `journal_entries` (`tenant` text not null, `seq` bigint not null, `time` text not null, `actor_type` text not null, `actor_id` text not null, `actor_name` text not null, `request_id` text not null, `source` text null, `operation` text not null, `kind` text null, `name` text null, `generation` integer null, `result` text not null, `reason` text null, `changeset` text null, `changes` json not null, `prev_hash` text not null, `hash` text not null, primary key (`tenant`, `seq`))',
    );
    this.addSql('create index `journal_kind_name` on `journal_entries` (`tenant`, `kind`, `name`, `seq`)');
    this.addSql('create index `journal_kind` on `journal_entries` (`tenant`, `kind`, `seq`)');
    this.addSql('create index `journal_actor` on `journal_entries` (`tenant`, `actor_id`, `seq`)');
    this.addSql('create index `journal_actor_name` on `journal_entries` (`tenant`, `actor_name`, `seq`)');
    this.addSql('create index `journal_operation` on `journal_entries` (`tenant`, `operation`, `seq`)');
    this.addSql('create index `journal_result` on `journal_entries` (`tenant`, `result`, `seq`)');
    this.addSql('create index `journal_time` on `journal_entries` (`tenant`, `time`)');
    this.addSql(
      'create table `journal_heads` (`tenant` text not null, `seq` bigint not null, `hash` text not null, primary key (`tenant`))',
    );
    this.addSql(
      'create table `journal_settings` (`tenant` text not null, `retention_days` integer not null, `read_journaling` text not null, `updated_at` text not null, primary key (`tenant`))',
    );
    this.addSql(
      'create table `pki_authorities` (`tenant` text not null, `name` text not null, `key_id` text not null, `fingerprint` text not null, `crl_number` bigint not null default 0, `crl_der` blob null, `crl_this_update` text null, `crl_next_update` text null, `crl_signed_by` text null, `updated_at` text not null, primary key (`tenant`, `name`))',
    );
    this.addSql(
      'create table `pki_ca_certificates` (`tenant` text not null, `ca_name` text not null, `fingerprint` text not null, `key_id` text not null, `serial` text not null, `certificate` text not null, `not_before` text not null, `not_after` text not null, `subject_key_id` text not null, `authority_key_id` text null, `path_len` integer null, `made_for` json not null, `parent_name` text null, `created_at` text not null, primary key (`tenant`, `ca_name`, `fingerprint`))',
    );
    this.addSql(
      'create index `pki_ca_certificates_key` on `pki_ca_certificates` (`tenant`, `ca_name`, `subject_key_id`)',
    );
    this.addSql(
      'create table `pki_issued_certificates` (`tenant` text not null, `ca_name` text not null, `serial` text not null, `fingerprint` text not null, `subject` text not null, `profile` text not null, `not_before` text not null, `not_after` text not null, `owner_kind` text null, `owner_name` text null, `issuer_fingerprint` text not null, `issued_at` text not null, `revoked_at` text null, `revocation_reason` text null, primary key (`tenant`, `ca_name`, `serial`))',
    );
    this.addSql(
      'create index `pki_issued_order` on `pki_issued_certificates` (`tenant`, `ca_name`, `issued_at`, `serial`)',
    );
    this.addSql(
      'create index `pki_issued_not_after` on `pki_issued_certificates` (`tenant`, `ca_name`, `not_after`)',
    );
    this.addSql(
      'create index `pki_issued_revoked` on `pki_issued_certificates` (`tenant`, `ca_name`, `revoked_at`)',
    );
    this.addSql(
      'create index `pki_issued_owner` on `pki_issued_certificates` (`tenant`, `owner_kind`, `owner_name`)',
    );
    this.addSql(
      'create table `pki_keys` (`id` text not null, `tenant` text not null, `ca_name` text not null, `algorithm` text not null, `sealed_key` text not null, `created_at` text not null, primary key (`id`))',
    );
    this.addSql('create index `pki_keys_ca` on `pki_keys` (`tenant`, `ca_name`)');
    this.addSql(
      'create table `pki_master_key` (`id` integer not null, `key_id` text not null, `key_check` text not null, `created_at` text not null, primary key (`id`))',
    );
    this.addSql(
      'create table `resources` (`id` integer not null primary key autoincrement, `tenant` text not null, `kind` text not null, `name` text not null, `uid` text not null, `api_version` text not null, `labels` json not null, `annotations` json not null, `spec` json not null, `status` json not null, `generation` integer not null, `resource_version` integer not null, `created_at` text not null, `updated_at` text not null, `deletion_timestamp` text null, `finalizers` json not null)',
    );
    this.addSql('create unique index `resources_uid_unique` on `resources` (`uid`)');
    this.addSql(
      'create unique index `resources_tenant_kind_name_unique` on `resources` (`tenant`, `kind`, `name`)',
    );
    this.addSql(
      'create table `resource_refs` (`id` integer not null primary key autoincrement, `tenant` text not null, `from_kind` text not null, `from_name` text not null, `to_kind` text not null, `to_name` text not null)',
    );
    this.addSql(
      'create index `resource_refs_to` on `resource_refs` (`tenant`, `to_kind`, `to_name`, `from_kind`)',
    );
    this.addSql('create index `resource_refs_from` on `resource_refs` (`tenant`, `from_kind`, `from_name`)');
    this.addSql(
      'create table `tenants` (`name` text not null, `created_at` text not null, primary key (`name`))',
    );
    this.addSql(
      'create table `users` (`id` text not null, `tenant` text not null, `username` text not null, `password_hash` text not null, `role` text not null, `created_at` text not null, primary key (`id`))',
    );
    this.addSql('create unique index `users_tenant_username_unique` on `users` (`tenant`, `username`)');
  }
}
