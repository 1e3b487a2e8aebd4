import { Migration } from '@mikro-orm/migrations';

/*
 * Federation (issue #16): short-lived tokens minted from a CI job's OIDC token, a client
 * certificate or a login session live in `credentials` (types `oidc`, `x509`, `personal`), with the
 * identity they were minted for in `subject`; `token_replays` remembers each exchanged token's id
 * until it could no longer be accepted, for every process on the database.
 */
export class FederationSqlite extends Migration {
  override up(): void {
    this.addSql('alter table `credentials` add column `subject` text null');
    this.addSql(
      'create table `token_replays` (`key` text not null, `until` bigint not null, primary key (`key`))',
    );
    this.addSql('create index `token_replays_until` on `token_replays` (`until`)');
  }
}

export class FederationPostgresql extends Migration {
  override up(): void {
    this.addSql('alter table "credentials" add column "subject" varchar(1024) null');
    this.addSql(
      'create table "token_replays" ("key" varchar(64) not null, "until" bigint not null, constraint "token_replays_pkey" primary key ("key"))',
    );
    this.addSql('create index "token_replays_until" on "token_replays" ("until")');
  }
}
