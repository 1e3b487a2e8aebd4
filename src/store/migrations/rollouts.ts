import { Migration } from '@mikro-orm/migrations';

/*
 * Signed artifacts and rollouts (issue #15): update-signing keys, artifact signatures and SBOMs
 * (src/artifacts/artifact-tables.ts), and each rollout's per-device progress and gates
 * (src/rollouts/rollout-tables.ts). SQL as MikroORM generates it from those entities.
 */
export class RolloutsSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `artifact_sboms` (`tenant` text not null, `name` text not null, `uid` text not null, `format` text not null, `content_type` text not null, `document` text not null, `size` integer not null, `sha256` text not null, `uploaded_by` text not null, `uploaded_at` text not null, primary key (`tenant`, `name`))',
    );
    this.addSql(
      'create table `artifact_signatures` (`tenant` text not null, `name` text not null, `uid` text not null, `key_id` text not null, `algorithm` text not null, `signature` text not null, `payload` text not null, `signed_at` text not null, primary key (`tenant`, `name`))',
    );
    this.addSql(
      'create table `rollout_devices` (`tenant` text not null, `rollout_uid` text not null, `device` text not null, `rollout` text not null, `wave` integer not null, `rank` text not null, `state` text not null, `reason` text null, `attempts` integer not null default 0, `active` integer null, `assigned_at` text null, `finished_at` text null, `message` text null, primary key (`tenant`, `rollout_uid`, `device`))',
    );
    this.addSql(
      'create unique index `rollout_devices_active_unique` on `rollout_devices` (`tenant`, `device`, `active`)',
    );
    this.addSql(
      'create table `rollout_states` (`tenant` text not null, `uid` text not null, `name` text not null, `started_at` text null, `artifact` json null, `retries` integer not null default 0, `current_wave` integer not null default 0, `approved_wave` integer not null default 0, `waves` json not null, `paused_by` text null, `paused_at` text null, `halted_reason` text null, `acknowledged_failures` integer not null default 0, `aborted_by` text null, `aborted_at` text null, `abort_reason` text null, `completed_at` text null, `updated_at` text not null, primary key (`tenant`, `uid`))',
    );
    this.addSql('create index `rollout_states_name_index` on `rollout_states` (`tenant`, `name`)');
    this.addSql(
      'create table `signing_keys` (`tenant` text not null, `key_id` text not null, `algorithm` text not null, `public_key` text not null, `sealed_private_key` text not null, `created_at` text not null, `retired_at` text null, `current` integer null, primary key (`tenant`, `key_id`))',
    );
    this.addSql('create unique index `signing_keys_current_unique` on `signing_keys` (`tenant`, `current`)');
  }
}

export class RolloutsPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "artifact_sboms" ("tenant" varchar(63) not null, "name" varchar(63) not null, "uid" varchar(36) not null, "format" varchar(16) not null, "content_type" varchar(128) not null, "document" text not null, "size" int not null, "sha256" varchar(64) not null, "uploaded_by" varchar(256) not null, "uploaded_at" varchar(30) not null, constraint "artifact_sboms_pkey" primary key ("tenant", "name"))',
    );
    this.addSql(
      'create table "artifact_signatures" ("tenant" varchar(63) not null, "name" varchar(63) not null, "uid" varchar(36) not null, "key_id" varchar(64) not null, "algorithm" varchar(16) not null, "signature" varchar(128) not null, "payload" text not null, "signed_at" varchar(30) not null, constraint "artifact_signatures_pkey" primary key ("tenant", "name"))',
    );
    this.addSql(
      'create table "rollout_devices" ("tenant" varchar(63) not null, "rollout_uid" varchar(36) not null, "device" varchar(63) not null, "rollout" varchar(63) not null, "wave" int not null, "rank" varchar(64) not null, "state" varchar(16) not null, "reason" varchar(64) null, "attempts" int not null default 0, "active" int null, "assigned_at" varchar(30) null, "finished_at" varchar(30) null, "message" varchar(256) null, constraint "rollout_devices_pkey" primary key ("tenant", "rollout_uid", "device"))',
    );
    this.addSql(
      'alter table "rollout_devices" add constraint "rollout_devices_active_unique" unique ("tenant", "device", "active")',
    );
    this.addSql(
      'create table "rollout_states" ("tenant" varchar(63) not null, "uid" varchar(36) not null, "name" varchar(63) not null, "started_at" varchar(30) null, "artifact" jsonb null, "retries" int not null default 0, "current_wave" int not null default 0, "approved_wave" int not null default 0, "waves" jsonb not null, "paused_by" varchar(256) null, "paused_at" varchar(30) null, "halted_reason" varchar(512) null, "acknowledged_failures" int not null default 0, "aborted_by" varchar(256) null, "aborted_at" varchar(30) null, "abort_reason" varchar(512) null, "completed_at" varchar(30) null, "updated_at" varchar(30) not null, constraint "rollout_states_pkey" primary key ("tenant", "uid"))',
    );
    this.addSql('create index "rollout_states_name_index" on "rollout_states" ("tenant", "name")');
    this.addSql(
      'create table "signing_keys" ("tenant" varchar(63) not null, "key_id" varchar(64) not null, "algorithm" varchar(16) not null, "public_key" text not null, "sealed_private_key" text not null, "created_at" varchar(30) not null, "retired_at" varchar(30) null, "current" int null, constraint "signing_keys_pkey" primary key ("tenant", "key_id"))',
    );
    this.addSql(
      'alter table "signing_keys" add constraint "signing_keys_current_unique" unique ("tenant", "current")',
    );
  }
}
