import { ApplyService } from '../apply/apply-service.js';
import type { StewardConfig } from '../config.js';
import { JournalEntryEntity, JournalHeadEntity } from '../journal/journal-entity.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { KINDS } from '../kinds.js';
import { KindIndex } from '../resources/kind-index.js';
import { ResourceQueries } from '../resources/resource-queries.js';
import { ManifestValidator } from '../schema/validator.js';
import { ChangeFeed } from '../store/change-feed.js';
import { Database } from '../store/database.js';
import { ResourceEntity } from '../store/resource-entity.js';
import { ResourceStore } from '../store/resource-store.js';

/** Every table of Steward, for MikroORM's schema generator. */
export const ENTITIES = [ResourceEntity, JournalEntryEntity, JournalHeadEntity];

/**
 * The composition root: builds every service once, as plain objects, so that domain code knows
 * nothing of Nest; the HTTP module receives them ready-made.
 */
export async function composeServices(config: StewardConfig) {
  const kinds = new KindIndex(KINDS);
  const validator = new ManifestValidator(KINDS);
  const db = await Database.open(config.databaseUrl, ENTITIES);
  const store = new ResourceStore(db);
  const changes = new ChangeFeed();
  const journal = new JournalWriter(db);
  const applyService = new ApplyService(db, store, validator, kinds, journal, changes);
  const queries = new ResourceQueries(store, kinds);
  return {
    config,
    kinds,
    validator,
    db,
    store,
    changes,
    journal,
    applyService,
    queries,
    async close() {
      await db.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof composeServices>>;
