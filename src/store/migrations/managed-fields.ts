import { Migration } from '@mikro-orm/migrations';

/*
 * The Kubernetes facade (issue #19): each resource keeps its `metadata.managedFields`, which
 * field manager (kubectl, kubectl-label, steward…) set which field, so that server-side apply can
 * refuse to overwrite another manager's field without `--force-conflicts`. Null on rows never
 * written through the facade or after it: they have no managers, so nothing conflicts.
 */
export class ManagedFieldsSqlite extends Migration {
  override up(): void {
    this.addSql('alter table `resources` add column `managed_fields` json null');
  }
}

export class ManagedFieldsPostgresql extends Migration {
  override up(): void {
    this.addSql('alter table "resources" add column "managed_fields" jsonb null');
  }
}
