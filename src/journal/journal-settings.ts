import { type OperationContext, systemContext } from '../context.js';
import { type FieldProblem, InvalidError } from '../errors.js';
import type { FieldChange } from '../resources/diff.js';
import type { Database, Executor } from '../store/database.js';
import type { JournalSettingsRow, ReadJournaling } from './journal-entity.js';
import type { JournalWriter } from './journal-writer.js';

export interface JournalSettings {
  /** Entries older than this many days are pruned (never the head). */
  retentionDays: number;
  /** `metadata`: every read of a resource is journaled (operation `read`). */
  readJournaling: ReadJournaling;
}

export const DEFAULT_JOURNAL_SETTINGS: Readonly<JournalSettings> = {
  retentionDays: 365,
  readJournaling: 'none',
};
export const MAX_RETENTION_DAYS = 36_500;
const READ_LEVELS: readonly ReadJournaling[] = ['none', 'metadata'];

export interface JournalSettingsView extends JournalSettings {
  apiVersion: 'steward.dev/v1';
  kind: 'JournalSettings';
  tenant: string;
}

/**
 * Checks a settings update: every problem at once, each with its JSON pointer. Members left out
 * keep their value; `apiVersion`, `kind` and `tenant` (a GET's answer sent back) are ignored. Pure.
 */
export function parseSettingsUpdate(body: unknown, current: JournalSettings): JournalSettings {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new InvalidError('journal settings must be a JSON object', {
      problems: [{ pointer: '', message: 'must be an object' }],
    });
  const problems: FieldProblem[] = [];
  const next = { ...current };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'retentionDays') {
      if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_RETENTION_DAYS)
        next.retentionDays = value as number;
      else
        problems.push({
          pointer: '/retentionDays',
          message: `must be an integer from 1 to ${MAX_RETENTION_DAYS}`,
        });
    } else if (key === 'readJournaling') {
      if (READ_LEVELS.includes(value as ReadJournaling)) next.readJournaling = value as ReadJournaling;
      else problems.push({ pointer: '/readJournaling', message: `must be one of ${READ_LEVELS.join(', ')}` });
    } else if (!['apiVersion', 'kind', 'tenant'].includes(key)) {
      problems.push({
        pointer: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: 'unknown field',
      });
    }
  }
  if (problems.length > 0)
    throw new InvalidError(`${problems.length} problem(s) in the journal settings`, { problems });
  return next;
}

/** Per-tenant journal settings (retention, read journaling), stored in journal_settings. */
export class JournalSettingsStore {
  private readonly listeners = new Set<(tenant: string, settings: JournalSettings) => void>();

  constructor(
    private readonly db: Database,
    private readonly writer: JournalWriter,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Told of every change committed in this process (the read-journaling cache listens). */
  onChanged(listener: (tenant: string, settings: JournalSettings) => void): void {
    this.listeners.add(listener);
  }

  /** The tenant's settings, defaults when it never set any. No permission check: internal use. */
  async read(tenant: string, executor: Executor = this.db.knex): Promise<JournalSettings> {
    const row = await executor<JournalSettingsRow>('journal_settings').where({ tenant }).first();
    if (!row) return { ...DEFAULT_JOURNAL_SETTINGS };
    return { retentionDays: Number(row.retention_days), readJournaling: row.read_journaling };
  }

  async get(context: OperationContext): Promise<JournalSettingsView> {
    context.authorize('journal:read');
    return view(context.tenant, await this.read(context.tenant));
  }

  /**
   * Changes the settings (admins only: `journal:admin`) and journals the change as operation
   * `journal.settings` in the same transaction. An update that changes nothing is journaled as
   * `unchanged`: the attempt is an operation too.
   */
  async update(context: OperationContext, body: unknown): Promise<JournalSettingsView> {
    context.authorize('journal:admin');
    const tenant = context.tenant;
    const next = await this.db.transaction(async (trx) => {
      // Locks the row on PostgreSQL so that two admins' updates journal the right `old` values.
      await trx.raw(
        'INSERT INTO journal_settings (tenant, retention_days, read_journaling, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant) DO NOTHING',
        [
          tenant,
          DEFAULT_JOURNAL_SETTINGS.retentionDays,
          DEFAULT_JOURNAL_SETTINGS.readJournaling,
          this.clock().toISOString(),
        ],
      );
      await this.db.forUpdate(trx('journal_settings').where({ tenant }).first());
      const current = await this.read(tenant, trx);
      const updated = parseSettingsUpdate(body, current);
      const changes: FieldChange[] = [];
      for (const key of ['retentionDays', 'readJournaling'] as const)
        if (current[key] !== updated[key])
          changes.push({ pointer: `/${key}`, old: current[key], new: updated[key] });
      await trx('journal_settings').where({ tenant }).update({
        retention_days: updated.retentionDays,
        read_journaling: updated.readJournaling,
        updated_at: this.clock().toISOString(),
      });
      await this.writer.append(trx, context, [
        { operation: 'journal.settings', result: changes.length > 0 ? 'configured' : 'unchanged', changes },
      ]);
      return updated;
    });
    for (const listener of this.listeners) listener(tenant, next);
    return view(tenant, next);
  }
}

function view(tenant: string, settings: JournalSettings): JournalSettingsView {
  return { apiVersion: 'steward.dev/v1', kind: 'JournalSettings', tenant, ...settings };
}

/** The actor of journal housekeeping (pruning). */
export function retentionContext(tenant: string, requestId: string): OperationContext {
  return systemContext(
    tenant,
    { type: 'system', id: 'journal-retention', name: 'journal retention' },
    requestId,
  );
}
