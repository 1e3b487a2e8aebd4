/**
 * The replay guard of the token exchanges, kept in the database so that every Steward process on
 * one database refuses a token another process already exchanged. Concurrent exchanges share one
 * statement: `INSERT … ON CONFLICT DO UPDATE … WHERE until < now RETURNING key` answers, per
 * token id, whether it was new (or only remembered past its expiry), in one round trip and
 * atomically per id, so of two processes racing with one token exactly one wins.
 */
import { hash } from 'node:crypto';
import type { ReplayGuard } from '../federation/replay-guard.js';
import type { Database } from '../store/database.js';
import { GroupCommit } from '../store/group-commit.js';

const TABLE = 'token_replays';
/** Expired ids are deleted at most this often (they are harmless meanwhile: they can be re-used). */
const SWEEP_INTERVAL_MS = 60_000;

interface Pending {
  key: string;
  until: number;
  /** Set by the batch: true when this caller's id was recorded first. */
  fresh?: boolean;
}

export class ReplayStore {
  private readonly batches: GroupCommit<Pending>;
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    /** Epoch milliseconds (injectable for tests). */
    private readonly now: () => number = Date.now,
  ) {
    this.batches = new GroupCommit((pending) => this.record(pending), 1_000);
  }

  /** A guard whose ids are namespaced by `scope` (the issuer, the certificate): ids are only unique per issuer. */
  guard(scope: string): ReplayGuard {
    return { remember: (jti, until) => this.remember(scope, jti, until) };
  }

  /**
   * A guard that only looks (explain): answers whether the id would pass, records nothing, so
   * explaining a token never uses it up.
   */
  peekGuard(scope: string): ReplayGuard {
    return {
      remember: async (jti) => {
        const row = await this.db
          .knex(TABLE)
          .where({ key: keyOf(scope, jti) })
          .where('until', '>=', this.now())
          .first('key');
        return row === undefined;
      },
    };
  }

  async remember(scope: string, jti: string, until: number): Promise<boolean> {
    const pending: Pending = { key: keyOf(scope, jti), until };
    await this.batches.submit(pending);
    return pending.fresh === true;
  }

  private async record(pending: Pending[]): Promise<void> {
    const now = this.now();
    // One row per id: a second caller with the same id in this batch is a replay of the first.
    const first = new Map<string, Pending>();
    for (const item of pending) {
      if (first.has(item.key)) item.fresh = false;
      else first.set(item.key, item);
    }
    const rows = [...first.values()].map(({ key, until }) => ({ key, until }));
    const written = new Set<string>();
    for (let start = 0; start < rows.length; start += 400) {
      const returned = (await this.db
        .knex(TABLE)
        .insert(rows.slice(start, start + 400))
        .onConflict('key')
        // An id remembered past its expiry is free again (an issuer may reuse ids after a long time).
        .merge(['until'])
        .where(`${TABLE}.until`, '<', now)
        .returning('key')) as Array<{ key: string } | string>;
      for (const row of returned) written.add(typeof row === 'string' ? row : row.key);
    }
    for (const item of first.values()) item.fresh = written.has(item.key);
    if (now - this.lastSweep > SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      await this.db.knex(TABLE).where('until', '<', now).delete();
    }
  }
}

function keyOf(scope: string, jti: string): string {
  return hash('sha256', `${scope}\0${jti}`, 'hex');
}
