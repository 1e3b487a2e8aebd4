import { createHmac, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TooManyRequestsError } from '../errors.js';
import type { Database } from '../store/database.js';
import { tooManyFailures } from './authenticator.js';

/** How many login attempts one key may have in a sliding window. */
export interface LoginLimit {
  limit: number;
  windowMs: number;
}

/** Failed logins per tenant/user and per source address, as documented in docs/identity.md. */
export const USER_LOGIN_LIMIT: LoginLimit = { limit: 5, windowMs: 15 * 60_000 };
export const ADDRESS_LOGIN_LIMIT: LoginLimit = { limit: 20, windowMs: 15 * 60_000 };

/** Expired rows of every key are deleted by the first reservation after this long (per process). */
const SWEEP_EVERY_MS = 60_000;
/** The first key of PostgreSQL's two-key advisory locks taken here ("SLgn"): a space of its own. */
const LOCK_SPACE = 0x534c676e;

/**
 * Milliseconds until one more attempt fits under `limit`, given the times (epoch ms) of the
 * attempts still inside the window, newest first; 0 when one fits now. Pure.
 */
export function waitBeforeAttempt(newestFirst: readonly number[], limit: LoginLimit, now: number): number {
  if (newestFirst.length < limit.limit) return 0;
  // Once the limit-th newest attempt leaves the window, limit - 1 remain: one more fits.
  return Math.max(1, newestFirst[limit.limit - 1] + limit.windowMs - now);
}

/** A login attempt counted against its user and its address before the password is checked. */
export interface Reservation {
  attempt: string;
  userKey: string;
  addressKey: string;
}

/**
 * The login limits, kept in the table `login_attempts` so that every Steward process on one
 * database counts the same attempts. An attempt is *reserved* before the password is checked: the
 * count and the insert are one serialised step per key, so N parallel attempts cannot all pass a
 * check made before any of them was counted. A reservation stays as the record of a failure; a
 * success clears its user's attempts and releases its own address row (see `succeeded`).
 *
 * Keys are HMACs (keyed per install, from the master key) of the tenant/username and of the
 * address: the table holds no username, so a password typed into the username field is not
 * stored, and its rows cannot be reversed with a dictionary without the key.
 */
export class LoginLimiter {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly key: Buffer,
    private readonly clock: () => Date,
    readonly user: LoginLimit = USER_LOGIN_LIMIT,
    readonly address: LoginLimit = ADDRESS_LOGIN_LIMIT,
  ) {}

  userKey(tenant: string, username: string): string {
    return this.hmac(`login-user\0${tenant}\0${username}`);
  }

  addressKey(address: string): string {
    return this.hmac(`login-address\0${address}`);
  }

  /**
   * Counts one attempt of `username` in `tenant` from `address`, or refuses it (429, nothing
   * counted) when either key is at its limit.
   * @throws TooManyRequestsError naming the limit and the wait.
   */
  async reserve(tenant: string, username: string, address: string): Promise<Reservation> {
    const reservation = {
      attempt: randomUUID(),
      userKey: this.userKey(tenant, username),
      addressKey: this.addressKey(address),
    };
    const checks = [
      { key: reservation.userKey, limit: this.user, who: `for user "${username}"` },
      { key: reservation.addressKey, limit: this.address, who: `from ${address}` },
    ];
    const now = this.clock().getTime();
    // A refusal is answered by the transaction, not thrown in it: its deletes of expired rows commit.
    const refusal = await this.db.transaction(async (trx): Promise<TooManyRequestsError | undefined> => {
      await this.lock(
        trx,
        checks.map((check) => check.key),
      );
      // On SQLite this delete is the transaction's first statement, a write: the transaction holds
      // the database's write lock from here (BEGIN IMMEDIATE semantics), so no other connection,
      // of this process or another, counts between our count and our insert.
      for (const { key, limit } of checks)
        await trx('login_attempts')
          .where({ limit_key: key })
          .where('at', '<=', now - limit.windowMs)
          .delete();
      if (now - this.lastSweep >= SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await this.sweep(trx, now);
      }
      for (const { key, limit, who } of checks) {
        const recent = await trx('login_attempts')
          .where({ limit_key: key })
          .where('at', '>', now - limit.windowMs)
          .orderBy('at', 'desc')
          .limit(limit.limit)
          .pluck('at');
        const wait = waitBeforeAttempt(recent.map(Number), limit, now);
        if (wait > 0) return tooManyFailures(who, wait, limit);
      }
      await trx('login_attempts').insert(
        checks.map(({ key }) => ({ limit_key: key, attempt: reservation.attempt, at: now })),
      );
      return undefined;
    });
    if (refusal) throw refusal;
    return reservation;
  }

  /**
   * A login succeeded: its user's attempts are forgotten (the owner of the password is not kept
   * waiting by earlier typos or by an attacker's guesses), and its own address row is released (a
   * success is no failure). The address's other rows stay: logging in to an account of one's own
   * must not reset the budget of guesses at other accounts from the same address.
   */
  async succeeded(reservation: Reservation, trx: Knex.Transaction): Promise<void> {
    await trx('login_attempts').where({ limit_key: reservation.userKey }).delete();
    await trx('login_attempts')
      .where({ limit_key: reservation.addressKey, attempt: reservation.attempt })
      .delete();
  }

  /** Forgets every attempt of one key (an operator lifting a lock, tests). */
  async forget(limitKey: string): Promise<void> {
    await this.db.knex('login_attempts').where({ limit_key: limitKey }).delete();
  }

  /** Deletes the rows of every key whose window has passed: the table holds only live windows. */
  async sweep(
    executor: Knex | Knex.Transaction = this.db.knex,
    now = this.clock().getTime(),
  ): Promise<number> {
    return executor('login_attempts')
      .where('at', '<=', now - Math.max(this.user.windowMs, this.address.windowMs))
      .delete();
  }

  /**
   * PostgreSQL: a transaction-scoped advisory lock per key, taken in sorted order (two logins
   * sharing both keys cannot deadlock), serialises the count-then-insert per key across
   * processes, without a lock on the table. SQLite serialises writers already (see reserve).
   */
  private async lock(trx: Knex.Transaction, keys: string[]): Promise<void> {
    if (this.db.dialect !== 'postgresql') return;
    for (const key of [...keys].sort())
      await trx.raw('select pg_advisory_xact_lock(?::int, ?::int)', [
        LOCK_SPACE,
        Number.parseInt(key.slice(0, 8), 16) | 0,
      ]);
  }

  private hmac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('hex');
  }
}
