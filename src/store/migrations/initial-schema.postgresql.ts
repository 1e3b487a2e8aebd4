import { Migration } from '@mikro-orm/migrations';

/**
 * The schema of the last release that used `updateSchema` (commit 9c832fb), on PostgreSQL: generated
 * from its entities with MikroORM's `getCreateSchemaSQL`, statement for statement what that
 * release created. Never edit it: databases of that release record it as applied without running
 * it (see migrate.ts), so a change here would reach fresh databases only. Change the schema with
 * a new migration.
 */
export class InitialSchemaPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "credentials" ("id" varchar(32) not null, "tenant" varchar(63) not null, "type" varchar(16) not null, "slot" varchar(16) null, "name" varchar(63) not null, "secret_hash" varchar(64) not null, "user_id" varchar(36) not null, "permissions" jsonb not null, "csrf_token" varchar(64) null, "created_at" varchar(30) not null, "last_rotated_at" varchar(30) null, "last_used_at" varchar(30) null, "expires_at" varchar(30) null, "revoked_at" varchar(30) null, constraint "credentials_pkey" primary key ("id"))',
    );
    this.addSql('create index "credentials_tenant_type" on "credentials" ("tenant", "type")');
    this.addSql(
      'create table "journal_checkpoints" ("tenant" varchar(63) not null, "seq" bigint not null, "hash" varchar(64) not null, "pruned_at" varchar(30) not null, "count" bigint not null, constraint "journal_checkpoints_pkey" primary key ("tenant"))',
    );
    this.addSql(
      'create table "journal_entries" ("tenant" varchar(63) not null, "seq" bigint not null, "time" varchar(30) not null, "actor_type" varchar(16) not null, "actor_id" varchar(255) not null, "actor_name" varchar(255) not null, "request_id" varchar(64) not null, "source" varchar(64) null, "operation" varchar(32) not null, "kind" varchar(63) null, "name" varchar(255) null, "generation" int null, "result" varchar(32) not null, "reason" text null, "changeset" varchar(36) null, "changes" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, constraint "journal_entries_pkey" primary key ("tenant", "seq"))',
    );
    this.addSql('create index "journal_kind_name" on "journal_entries" ("tenant", "kind", "name", "seq")');
    this.addSql('create index "journal_kind" on "journal_entries" ("tenant", "kind", "seq")');
    this.addSql('create index "journal_actor" on "journal_entries" ("tenant", "actor_id", "seq")');
    this.addSql('create index "journal_actor_name" on "journal_entries" ("tenant", "actor_name", "seq")');
    this.addSql('create index "journal_operation" on "journal_entries" ("tenant", "operation", "seq")');
    this.addSql('create index "journal_result" on "journal_entries" ("tenant", "result", "seq")');
    this.addSql('create index "journal_time" on "journal_entries" ("tenant", "time")');
    this.addSql(
      'create table "journal_heads" ("tenant" varchar(63) not null, "seq" bigint not null, "hash" varchar(64) not null, constraint "journal_heads_pkey" primary key ("tenant"))',
    );
    this.addSql(
      'create table "journal_settings" ("tenant" varchar(63) not null, "retention_days" int not null, "read_journaling" varchar(16) not null, "updated_at" varchar(30) not null, constraint "journal_settings_pkey" primary key ("tenant"))',
    );
    this.addSql(
      'create table "pki_authorities" ("tenant" varchar(63) not null, "name" varchar(63) not null, "key_id" varchar(36) not null, "fingerprint" varchar(64) not null, "crl_number" bigint not null default 0, "crl_der" bytea null, "crl_this_update" varchar(30) null, "crl_next_update" varchar(30) null, "crl_signed_by" varchar(64) null, "updated_at" varchar(30) not null, constraint "pki_authorities_pkey" primary key ("tenant", "name"))',
    );
    this.addSql(
      'create table "pki_ca_certificates" ("tenant" varchar(63) not null, "ca_name" varchar(63) not null, "fingerprint" varchar(64) not null, "key_id" varchar(36) not null, "serial" varchar(40) not null, "certificate" text not null, "not_before" varchar(30) not null, "not_after" varchar(30) not null, "subject_key_id" varchar(64) not null, "authority_key_id" varchar(64) null, "path_len" int null, "made_for" jsonb not null, "parent_name" varchar(63) null, "created_at" varchar(30) not null, constraint "pki_ca_certificates_pkey" primary key ("tenant", "ca_name", "fingerprint"))',
    );
    this.addSql(
      'create index "pki_ca_certificates_key" on "pki_ca_certificates" ("tenant", "ca_name", "subject_key_id")',
    );
    this.addSql(
      'create table "pki_issued_certificates" ("tenant" varchar(63) not null, "ca_name" varchar(63) not null, "serial" varchar(40) not null, "fingerprint" varchar(64) not null, "subject" text not null, "profile" varchar(16) not null, "not_before" varchar(30) not null, "not_after" varchar(30) not null, "owner_kind" varchar(63) null, "owner_name" varchar(255) null, "issuer_fingerprint" varchar(64) not null, "issued_at" varchar(30) not null, "revoked_at" varchar(30) null, "revocation_reason" varchar(32) null, constraint "pki_issued_certificates_pkey" primary key ("tenant", "ca_name", "serial"))',
    );
    this.addSql(
      'create index "pki_issued_order" on "pki_issued_certificates" ("tenant", "ca_name", "issued_at", "serial")',
    );
    this.addSql(
      'create index "pki_issued_not_after" on "pki_issued_certificates" ("tenant", "ca_name", "not_after")',
    );
    this.addSql(
      'create index "pki_issued_revoked" on "pki_issued_certificates" ("tenant", "ca_name", "revoked_at")',
    );
    this.addSql(
      'create index "pki_issued_owner" on "pki_issued_certificates" ("tenant", "owner_kind", "owner_name")',
    );
    this.addSql(
      'create table "pki_keys" ("id" varchar(36) not null, "tenant" varchar(63) not null, "ca_name" varchar(63) not null, "algorithm" varchar(16) not null, "sealed_key" text not null, "created_at" varchar(30) not null, constraint "pki_keys_pkey" primary key ("id"))',
    );
    this.addSql('create index "pki_keys_ca" on "pki_keys" ("tenant", "ca_name")');
    this.addSql(
      'create table "pki_master_key" ("id" int not null, "key_id" varchar(16) not null, "key_check" varchar(80) not null, "created_at" varchar(30) not null, constraint "pki_master_key_pkey" primary key ("id"))',
    );
    this.addSql(
      'create table "resources" ("id" serial primary key, "tenant" varchar(63) not null, "kind" varchar(63) not null, "name" varchar(63) not null, "uid" varchar(36) not null, "api_version" varchar(63) not null, "labels" jsonb not null, "annotations" jsonb not null, "spec" jsonb not null, "status" jsonb not null, "generation" int not null, "resource_version" int not null, "created_at" varchar(30) not null, "updated_at" varchar(30) not null, "deletion_timestamp" varchar(30) null, "finalizers" jsonb not null)',
    );
    this.addSql('alter table "resources" add constraint "resources_uid_unique" unique ("uid")');
    this.addSql(
      'alter table "resources" add constraint "resources_tenant_kind_name_unique" unique ("tenant", "kind", "name")',
    );
    this.addSql(
      'create table "resource_refs" ("id" serial primary key, "tenant" varchar(63) not null, "from_kind" varchar(63) not null, "from_name" varchar(63) not null, "to_kind" varchar(63) not null, "to_name" varchar(63) not null)',
    );
    this.addSql(
      'create index "resource_refs_to" on "resource_refs" ("tenant", "to_kind", "to_name", "from_kind")',
    );
    this.addSql('create index "resource_refs_from" on "resource_refs" ("tenant", "from_kind", "from_name")');
    this.addSql(
      'create table "tenants" ("name" varchar(63) not null, "created_at" varchar(30) not null, constraint "tenants_pkey" primary key ("name"))',
    );
    this.addSql(
      'create table "users" ("id" varchar(36) not null, "tenant" varchar(63) not null, "username" varchar(63) not null, "password_hash" varchar(255) not null, "role" varchar(16) not null, "created_at" varchar(30) not null, constraint "users_pkey" primary key ("id"))',
    );
    this.addSql(
      'alter table "users" add constraint "users_tenant_username_unique" unique ("tenant", "username")',
    );
  }
}
