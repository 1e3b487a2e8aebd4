/**
 * Read journaling: reads of resources recorded in the journal for tenants whose level asks for it,
 * and the resource queries that record them.
 */
import type { OperationContext } from '../context.js';
import type { KindIndex } from '../resources/kind-index.js';
import { ResourceQueries } from '../resources/resource-queries.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { ReadJournaling } from './journal-entity.js';
import type { JournalSettingsStore } from './journal-settings.js';
import type { JournalWriter } from './journal-writer.js';

/** How long a tenant's read-journaling level is cached; a change made in this process applies at once. */
const LEVEL_TTL_MS = 5_000;

/**
 * Journals reads of resources for tenants whose level is `metadata` (operation `read`, kind and
 * name, result `ok`; nothing of the content). At level `none` (the default) a read costs one
 * cached lookup. A read that cannot be journaled fails: an auditor must be able to trust that
 * every served read is in the journal.
 */
export class ReadRecorder {
  private readonly levels = new Map<string, { level: ReadJournaling; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly writer: JournalWriter,
    private readonly settings: JournalSettingsStore,
    private readonly clock: () => Date = () => new Date(),
  ) {
    settings.onChanged((tenant, changed) =>
      this.levels.set(tenant, {
        level: changed.readJournaling,
        until: this.clock().getTime() + LEVEL_TTL_MS,
      }),
    );
  }

  /** Records a read of `kind` (a list when `name` is absent) after it was served. */
  async record(context: OperationContext, kind: string, name?: string): Promise<void> {
    if ((await this.level(context.tenant)) === 'none') return;
    await this.db.transaction((trx) =>
      this.writer.append(trx, context, [{ operation: 'read', kind, name, result: 'ok' }]),
    );
  }

  private async level(tenant: string): Promise<ReadJournaling> {
    const now = this.clock().getTime();
    const cached = this.levels.get(tenant);
    if (cached && cached.until > now) return cached.level;
    const { readJournaling } = await this.settings.read(tenant);
    this.levels.set(tenant, { level: readJournaling, until: now + LEVEL_TTL_MS });
    return readJournaling;
  }
}

/**
 * ResourceQueries whose reads are journaled per the tenant's level: the composition root builds
 * this instead of the plain class, so the read routes need no change. Only successful reads are
 * recorded (a NotFound is not a read of anything).
 */
export class ReadJournalingQueries extends ResourceQueries {
  constructor(
    store: ResourceStore,
    private readonly kindIndex: KindIndex,
    private readonly reads: ReadRecorder,
  ) {
    super(store, kindIndex);
  }

  override async get(...args: Parameters<ResourceQueries['get']>) {
    const [context, plural, name] = args;
    const resource = await super.get(...args);
    await this.reads.record(context, this.kindIndex.resolve(plural).kind, name);
    return resource;
  }

  override async list(...args: Parameters<ResourceQueries['list']>) {
    const [context, plural] = args;
    const page = await super.list(...args);
    await this.reads.record(context, this.kindIndex.resolve(plural).kind);
    return page;
  }
}
