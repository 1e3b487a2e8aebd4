/**
 * The replay store of the token exchanges: each exchanged token's id (hashed with its issuer or
 * certificate) is kept in the database until the token could no longer be accepted, so every
 * Steward process on one database refuses a token another already exchanged.
 *
 * The id is claimed in the same transaction as the token it mints (TokenService's group commit):
 * `INSERT … ON CONFLICT DO UPDATE … WHERE until < now RETURNING key` answers, for a whole batch of
 * concurrent exchanges in one statement, which ids were new; an exchange whose id was not new is
 * refused as Replayed and mints nothing. Atomic per id: of two processes racing with one token
 * exactly one wins. Before that, the checks in their documented order consult the ids this process
 * has claimed (in memory), so a replay is normally refused at the replay step without a query.
 */
import { hash } from 'node:crypto';
import type { Knex } from 'knex';
import type { ReplayGuard } from '../federation/replay-guard.js';
import type { Database } from '../store/database.js';

const TABLE = 'token_replays';
/** Expired ids are deleted at most this often (meanwhile they are harmless: an expired id is free again). */
const SWEEP_INTERVAL_MS = 60_000;
/** Ids remembered in memory at most; past it expired ones are dropped, then the oldest (the table still holds them). */
const MEMORY_LIMIT = 200_000;

/** A token id to claim: its hashed key and until when it is kept. */
export interface ReplayClaim {
  key: string;
  /** Epoch milliseconds: the token's `exp` plus the leeway. */
  until: number;
}

export class ReplayStore {
  /** Ids claimed through this process, by key, with their expiry. */
  private readonly claimed = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    /** Epoch milliseconds (injectable for tests). */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The guard an exchange gives verifyOidcToken / verifyX5cToken: it answers whether the id was
   * claimed already (as far as this process knows) and hands the claim to `capture`, for the
   * exchange to claim it with its mint. Records nothing by itself.
   */
  guard(scope: string, capture: (claim: ReplayClaim) => void): ReplayGuard {
    return {
      remember: async (jti, until) => {
        const claim = { key: keyOf(scope, jti), until };
        capture(claim);
        const known = this.claimed.get(claim.key);
        return known === undefined || known <= this.now();
      },
    };
  }

  /** A guard that looks the id up in the database and records nothing (explain never uses a token up). */
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

  /**
   * Claims `claims` inside `trx` (one statement per 400); answers the keys that were new. A key
   * twice in `claims` is new once at most. The caller calls `claimed` after its commit.
   */
  async claim(trx: Knex.Transaction, claims: readonly ReplayClaim[]): Promise<Set<string>> {
    const now = this.now();
    const unique = [...new Map(claims.map((claim) => [claim.key, claim])).values()];
    const fresh = new Set<string>();
    for (let start = 0; start < unique.length; start += 400) {
      const returned = (await trx(TABLE)
        .insert(unique.slice(start, start + 400))
        .onConflict('key')
        // An id kept past its expiry is free again (an issuer may reuse ids after a long time).
        .merge(['until'])
        .where(`${TABLE}.until`, '<', now)
        .returning('key')) as Array<{ key: string } | string>;
      for (const row of returned) fresh.add(typeof row === 'string' ? row : row.key);
    }
    if (now - this.lastSweep > SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      // In its own statement after this transaction: a failing sweep must not fail the mints.
      setImmediate(() => {
        void this.db
          .knex(TABLE)
          .where('until', '<', now)
          .delete()
          .catch(() => undefined);
      });
    }
    return fresh;
  }

  /** Remembers committed claims in memory, for the replay step of later exchanges. */
  remember(claims: readonly ReplayClaim[]): void {
    if (this.claimed.size + claims.length > MEMORY_LIMIT) {
      const now = this.now();
      for (const [key, until] of this.claimed) if (until <= now) this.claimed.delete(key);
      // Still full: forget the oldest; the table still refuses them, at the mint.
      for (const key of this.claimed.keys()) {
        if (this.claimed.size + claims.length <= MEMORY_LIMIT) break;
        this.claimed.delete(key);
      }
    }
    for (const claim of claims) this.claimed.set(claim.key, claim.until);
  }
}

export function keyOf(scope: string, jti: string): string {
  return hash('sha256', `${scope}\0${jti}`, 'hex');
}
