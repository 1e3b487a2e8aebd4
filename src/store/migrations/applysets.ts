import { Migration } from '@mikro-orm/migrations';

/*
 * Apply sets (issue #17): each set's inventory, one row per member resource (a resource belongs
 * to at most one set: the primary key), with the resourceVersion and changeset of the apply that
 * last applied it (src/apply/applyset-store.ts). SQL as MikroORM generates it from those entities.
 */
export class ApplySetsSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `applyset_members` (`tenant` text not null, `kind` text not null, `name` text not null, `applyset` text not null, `applied_generation` integer not null, `applied_changeset` text not null, primary key (`tenant`, `kind`, `name`))',
    );
    this.addSql('create index `applyset_members_set` on `applyset_members` (`tenant`, `applyset`)');
    this.addSql(
      'create table `applysets` (`tenant` text not null, `name` text not null, `last_changeset` text not null, `last_applied_at` text not null, `last_applied_by` text not null, primary key (`tenant`, `name`))',
    );
  }
}

export class ApplySetsPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "applyset_members" ("tenant" varchar(63) not null, "kind" varchar(63) not null, "name" varchar(63) not null, "applyset" varchar(63) not null, "applied_generation" int not null, "applied_changeset" varchar(36) not null, constraint "applyset_members_pkey" primary key ("tenant", "kind", "name"))',
    );
    this.addSql('create index "applyset_members_set" on "applyset_members" ("tenant", "applyset")');
    this.addSql(
      'create table "applysets" ("tenant" varchar(63) not null, "name" varchar(63) not null, "last_changeset" varchar(36) not null, "last_applied_at" varchar(30) not null, "last_applied_by" varchar(256) not null, constraint "applysets_pkey" primary key ("tenant", "name"))',
    );
  }
}
