import { Migration } from '@mikro-orm/migrations';

/*
 * The device side (issue #14): enrollment tokens, what the server observes of each device
 * (enrollment, approval, presence, installed version, attestation), attestation challenges in
 * progress, and device log bundles. SQL as MikroORM generates it from src/devices/device-tables.ts.
 */
export class DevicesSqlite extends Migration {
  override up(): void {
    this.addSql('create index `pki_issued_fingerprint` on `pki_issued_certificates` (`fingerprint`)');
    this.addSql('create index `pki_issued_revoked_at` on `pki_issued_certificates` (`revoked_at`)');
    this.addSql(
      'create table `device_attestation_challenges` (`id` text not null, `tenant` text not null, `device_name` text not null, `format` text not null, `authority` text null, `nonce` blob not null, `secret_hash` text null, `ak_public` blob null, `created_at` text not null, `expires_at` text not null, primary key (`id`))',
    );
    this.addSql(
      'create index `device_attestation_challenges_device_index` on `device_attestation_challenges` (`tenant`, `device_name`)',
    );
    this.addSql(
      'create table `device_logs` (`id` text not null, `tenant` text not null, `device_name` text not null, `state` text not null, `requested_by` text not null, `requested_at` text not null, `uploaded_at` text null, `content_type` text null, `size` integer null, `sha256` text null, `content` blob null, primary key (`id`))',
    );
    this.addSql('create index `device_logs_device_index` on `device_logs` (`tenant`, `device_name`)');
    this.addSql(
      'create table `device_records` (`tenant` text not null, `name` text not null, `enroll_token` text null, `enrolled_at` text null, `approval` text null, `approved_by` text null, `approved_at` text null, `last_seen` text null, `installed_artifact` text null, `installed_version` text null, `attestation` json null, `enroll_key` text null, `self_registered` integer not null default false, primary key (`tenant`, `name`))',
    );
    this.addSql(
      'create table `enroll_tokens` (`id` text not null, `tenant` text not null, `secret_hash` text not null, `description` text null, `max_uses` integer not null, `uses` integer not null default 0, `expires_at` text not null, `labels` json not null, `ca_name` text not null, `approval` text not null, `created_by` text not null, `created_at` text not null, primary key (`id`))',
    );
    this.addSql('create index `enroll_tokens_tenant_index` on `enroll_tokens` (`tenant`)');
  }
}

export class DevicesPostgresql extends Migration {
  override up(): void {
    this.addSql('create index "pki_issued_fingerprint" on "pki_issued_certificates" ("fingerprint")');
    this.addSql('create index "pki_issued_revoked_at" on "pki_issued_certificates" ("revoked_at")');
    this.addSql(
      'create table "device_attestation_challenges" ("id" varchar(36) not null, "tenant" varchar(63) not null, "device_name" varchar(63) not null, "format" varchar(16) not null, "authority" varchar(63) null, "nonce" bytea not null, "secret_hash" varchar(64) null, "ak_public" bytea null, "created_at" varchar(30) not null, "expires_at" varchar(30) not null, constraint "device_attestation_challenges_pkey" primary key ("id"))',
    );
    this.addSql(
      'create index "device_attestation_challenges_device_index" on "device_attestation_challenges" ("tenant", "device_name")',
    );
    this.addSql(
      'create table "device_logs" ("id" varchar(36) not null, "tenant" varchar(63) not null, "device_name" varchar(63) not null, "state" varchar(16) not null, "requested_by" varchar(256) not null, "requested_at" varchar(30) not null, "uploaded_at" varchar(30) null, "content_type" varchar(128) null, "size" int null, "sha256" varchar(64) null, "content" bytea null, constraint "device_logs_pkey" primary key ("id"))',
    );
    this.addSql('create index "device_logs_device_index" on "device_logs" ("tenant", "device_name")');
    this.addSql(
      'create table "device_records" ("tenant" varchar(63) not null, "name" varchar(63) not null, "enroll_token" varchar(16) null, "enrolled_at" varchar(30) null, "approval" varchar(16) null, "approved_by" varchar(256) null, "approved_at" varchar(30) null, "last_seen" varchar(30) null, "installed_artifact" varchar(63) null, "installed_version" varchar(128) null, "attestation" jsonb null, "enroll_key" varchar(64) null, "self_registered" boolean not null default false, constraint "device_records_pkey" primary key ("tenant", "name"))',
    );
    this.addSql(
      'create table "enroll_tokens" ("id" varchar(16) not null, "tenant" varchar(63) not null, "secret_hash" varchar(64) not null, "description" varchar(256) null, "max_uses" int not null, "uses" int not null default 0, "expires_at" varchar(30) not null, "labels" jsonb not null, "ca_name" varchar(63) not null, "approval" varchar(16) not null, "created_by" varchar(256) not null, "created_at" varchar(30) not null, constraint "enroll_tokens_pkey" primary key ("id"))',
    );
    this.addSql('create index "enroll_tokens_tenant_index" on "enroll_tokens" ("tenant")');
  }
}
