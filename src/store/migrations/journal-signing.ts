import { Migration } from '@mikro-orm/migrations';

/**
 * The journal's signing keys (issue #12): one Ed25519 key per tenant, its private half sealed
 * under the master key (bound to the tenant), and the last head the server signed with it, so
 * that online verify can tell a head row rolled back below a head the server once vouched for.
 * SQL as MikroORM generates it from JournalSigningKeyEntity.
 */
export class JournalSigningSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `journal_signing_keys` (`tenant` text not null, `key_id` text not null, `public_key` text not null, `sealed_private_key` text not null, `created_at` text not null, `head_seq` bigint null, `head_hash` text null, `head_time` text null, `head_signature` text null, primary key (`tenant`))',
    );
  }
}

export class JournalSigningPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "journal_signing_keys" ("tenant" varchar(63) not null, "key_id" varchar(64) not null, "public_key" text not null, "sealed_private_key" text not null, "created_at" varchar(30) not null, "head_seq" bigint null, "head_hash" varchar(64) null, "head_time" varchar(30) null, "head_signature" varchar(128) null, constraint "journal_signing_keys_pkey" primary key ("tenant"))',
    );
  }
}
