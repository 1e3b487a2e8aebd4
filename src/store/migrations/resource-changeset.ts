import { Migration } from '@mikro-orm/migrations';

/*
 * Causal status (issue #17): each resource records the changeset of the apply that gave it its
 * current generation, so that reconcilers can say which changeset their conditions observed.
 * Rows written before this migration have none (null) until their next spec change. The journal
 * gains an index by changeset: `steward journal --changeset X` lists an apply and the status
 * transitions that observed it.
 */
export class ResourceChangesetSqlite extends Migration {
  override up(): void {
    this.addSql('alter table `resources` add column `changeset` text null');
    this.addSql(
      'create index `journal_changeset` on `journal_entries` (`tenant`, `changeset`, `seq`)',
    );
  }
}

export class ResourceChangesetPostgresql extends Migration {
  override up(): void {
    this.addSql('alter table "resources" add column "changeset" varchar(36) null');
    this.addSql(
      'create index "journal_changeset" on "journal_entries" ("tenant", "changeset", "seq")',
    );
  }
}
