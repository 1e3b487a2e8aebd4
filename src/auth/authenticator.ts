import type { Knex } from 'knex';
import { type Actor, systemContext } from '../context.js';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import { chunk, type Database, fromJsonColumn } from '../store/database.js';
import type { CredentialRow, UserRow } from './auth-entities.js';
import type { ApiKeyType, PermissionCatalogue, Role } from './permissions.js';
import {
  actorOf,
  keyPermissions,
  MINTED_TOKEN_TYPES,
  type MintedTokenType,
  mintedPermissions,
  type Principal,
  rolePermissions,
} from './principal.js';
import { FailureLimiter } from './rate-limit.js';
import { hashSecret, parseToken, secretMatches } from './tokens.js';

/**
 * A credential row joined with its user, as the hot path needs it. Tokens minted by an exchange
 * have no user: username and role are null.
 */
export type CredentialRecord = Omit<CredentialRow, 'created_at' | 'last_rotated_at' | 'last_used_at'> & {
  username: UserRow['username'] | null;
  role: UserRow['role'] | null;
};

const CREDENTIAL_SELECT = [
  'c.id',
  'c.tenant',
  'c.type',
  'c.slot',
  'c.name',
  'c.secret_hash',
  'c.user_id',
  'c.permissions',
  'c.csrf_token',
  'c.expires_at',
  'c.revoked_at',
  'c.subject',
  'u.username',
  'u.role',
];

interface Cached {
  record: CredentialRecord;
  principal: Principal;
  expiresAtMs: number;
}

export interface Presented {
  /** The raw credential: an `stw_` API key, an `sts_` session token or an `stt_` minted token. */
  token: string;
  /** True when it came from the session cookie: then unsafe methods need the CSRF header. */
  viaCookie: boolean;
  method: string;
  csrfHeader?: string;
  source?: string;
  requestId: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LAST_USED_FLUSH_MS = 10_000;
const SWEEP_EVERY_TICKS = 60;

/** Verified tokens remembered at most; past it the map starts again (only valid tokens enter it). */
const VERIFIED_LIMIT = 10_000;

/**
 * Turns a presented credential into a Principal. On SQLite (one process owns the file) verified
 * credentials are cached in memory and every write to credentials or users goes through this
 * process and invalidates them, so revocation still takes effect on the very next request. A
 * token once verified is remembered by the SHA-256 of the whole token (never the token itself),
 * so a cached request costs one hash and one map lookup: finding an entry means the presented
 * token is exactly one that was checked in constant time before. On PostgreSQL, where other
 * processes may revoke, each request reads the credential by primary key (no cache).
 */
export class Authenticator {
  /** Credentials by id, as loaded (the secret still to be checked). */
  private readonly cache = new Map<string, Cached>();
  /** Credentials by SHA-256 of a whole token already verified against them. */
  private readonly verified = new Map<string, Cached>();
  private readonly cacheable: boolean;
  /** Failed bearer/cookie authentications per source address: bounds guessing and journal writes. */
  readonly failures = new FailureLimiter(30, 60_000);
  /** Last use (epoch ms) of API keys since the last flush: a Map write per request, not a query. */
  private readonly lastUsed = new Map<string, number>();
  private flushTimer?: NodeJS.Timeout;
  /** Benchmark-only switch (bench/auth.ts): measures what authentication costs. Never set in production. */
  disabledForBenchmark = false;

  constructor(
    private readonly db: Database,
    private readonly journal: JournalWriter,
    /** The permissions of the kinds served (built by the composition root). */
    readonly permissions: PermissionCatalogue,
    /** Epoch milliseconds (injectable for tests). */
    private readonly now: () => number = Date.now,
  ) {
    this.cacheable = db.dialect === 'sqlite';
  }

  start(): void {
    let ticks = 0;
    this.flushTimer = setInterval(() => {
      void this.flushLastUsed().catch(() => undefined);
      // Every ~10 minutes: sessions past their expiry are of no use, not even to say "expired".
      if (++ticks % SWEEP_EVERY_TICKS === 0) void this.sweepExpiredSessions().catch(() => undefined);
    }, LAST_USED_FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Deletes sessions whose expiry passed (ended or not); answers how many. */
  async sweepExpiredSessions(): Promise<number> {
    const now = this.now();
    for (const map of [this.cache, this.verified])
      for (const [key, cached] of map) if (cached.expiresAtMs <= now) map.delete(key);
    return this.db
      .knex('credentials')
      .where({ type: 'session' })
      .where('expires_at', '<', new Date(now).toISOString())
      .delete();
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushLastUsed();
  }

  /** Drops cached credentials: by credential id, by user id, or all of a tenant's. */
  invalidate(match: { credentialId?: string; userId?: string; tenant?: string }): void {
    const matches = (cached: Cached) =>
      cached.record.id === match.credentialId ||
      cached.record.user_id === match.userId ||
      cached.record.tenant === match.tenant;
    for (const map of [this.cache, this.verified])
      for (const [key, cached] of map) if (matches(cached)) map.delete(key);
  }

  /** The last-use time of a key not yet flushed to the database, if any. */
  pendingLastUse(id: string): string | undefined {
    const time = this.lastUsed.get(id);
    return time === undefined ? undefined : new Date(time).toISOString();
  }

  /**
   * Verifies `presented`; answers synchronously when the credential is cached (the common case),
   * so the hot path allocates no promise. Throws UnauthorizedError with a message saying why.
   */
  authenticate(presented: Presented): Principal | Promise<Principal> {
    const digest = this.cacheable ? hashSecret(presented.token) : undefined;
    const known = digest === undefined ? undefined : this.verified.get(digest);
    if (known) return this.admit(known, presented);
    const parsed = parseToken(presented.token);
    if (!parsed)
      return this.refuse(
        presented,
        undefined,
        'the credential is not a Steward API key, session token or minted token',
      );
    const cached = this.cacheable ? this.cache.get(parsed.id) : undefined;
    if (cached) return this.verify(cached, parsed.secret, presented, digest);
    return this.load(parsed.id).then((loaded) => {
      if (!loaded) return this.refuse(presented, undefined, 'unknown credential');
      if (this.cacheable) this.cache.set(parsed.id, loaded);
      return this.verify(loaded, parsed.secret, presented, digest);
    });
  }

  /** Checks the secret in constant time, then the credential's standing; remembers a good token. */
  private verify(
    cached: Cached,
    secret: string,
    presented: Presented,
    digest: string | undefined,
  ): Principal | Promise<Principal> {
    if (!secretMatches(secret, cached.record.secret_hash))
      return this.refuse(presented, cached.record, 'invalid credential');
    const admitted = this.admit(cached, presented);
    if (digest !== undefined && !(admitted instanceof Promise)) {
      if (this.verified.size >= VERIFIED_LIMIT) this.verified.clear();
      this.verified.set(digest, cached);
    }
    return admitted;
  }

  /** Revocation, expiry and CSRF: checked on every request, cached or not. */
  private admit(cached: Cached, presented: Presented): Principal | Promise<Principal> {
    const { record, principal } = cached;
    const what = describeRecord(record);
    if (record.revoked_at)
      return this.refuse(
        presented,
        record,
        record.type === 'session'
          ? 'the session has ended: log in again'
          : `${what} was revoked at ${record.revoked_at}`,
      );
    const now = this.now();
    if (cached.expiresAtMs <= now)
      return this.refuse(
        presented,
        record,
        record.type === 'session'
          ? `the session expired at ${record.expires_at}: log in again`
          : `${what} expired at ${record.expires_at}`,
      );
    if (
      presented.viaCookie &&
      !SAFE_METHODS.has(presented.method) &&
      !csrfMatches(presented.csrfHeader, record.csrf_token)
    )
      // Not journaled as a failed login: the cookie is valid; the request did not come from our client.
      throw new ForbiddenError(
        'cross-site request refused: a cookie-authenticated write needs the X-CSRF-Token header given at login',
      );
    if (principal.credential.type === 'apikey') this.lastUsed.set(record.id, now);
    return principal;
  }

  private async load(id: string): Promise<Cached | undefined> {
    const record = (await this.db
      .knex('credentials as c')
      .leftJoin('users as u', 'u.id', 'c.user_id')
      .where('c.id', id)
      .first(CREDENTIAL_SELECT)) as CredentialRecord | undefined;
    if (!record) return undefined;
    return {
      record,
      principal: principalOf(this.permissions, record),
      expiresAtMs: record.expires_at ? Date.parse(record.expires_at) : Infinity,
    };
  }

  /**
   * Refuses with 401. A credential that names a real row (wrong secret, revoked, expired) is
   * journaled in that row's tenant; an unknown one has no tenant to be journaled in. Repeated
   * failures from one address are cut off with 429 before they cost a journal write each.
   */
  private async refuse(
    presented: Presented,
    record: CredentialRecord | undefined,
    why: string,
  ): Promise<never> {
    const address = presented.source ?? 'unknown';
    const wait = this.failures.retryAfter(address);
    if (wait > 0) throw tooManyFailures(`from ${address}`, wait, this.failures);
    this.failures.fail(address);
    if (record) {
      const actor: Actor = principalOf(this.permissions, record).actor;
      await this.record(record.tenant, actor, presented, {
        operation: 'auth.failure',
        result: 'refused',
        reason: why,
      });
    }
    throw new UnauthorizedError(`authentication failed: ${why}`);
  }

  /** Appends one entry to `tenant`'s journal in its own transaction. */
  async record(
    tenant: string,
    actor: Actor,
    request: { requestId: string; source?: string },
    record: JournalRecord,
    trx?: Knex.Transaction,
  ): Promise<void> {
    const context = systemContext(tenant, actor, request.requestId, request.source);
    if (trx) await this.journal.append(trx, context, [record]);
    else await this.db.transaction((inner) => this.journal.append(inner, context, [record]));
  }

  /** Writes the batched last-use times of API keys: one statement per key, one transaction. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const pending = [...this.lastUsed];
    this.lastUsed.clear();
    // One statement for the keys used since the last flush (a CASE by id), not one per key.
    for (const part of chunk(pending, 3, this.db.maxParameters)) {
      const ids = part.map(([id]) => id);
      await this.db.knex.raw(
        `UPDATE credentials SET last_used_at = CASE id ${part.map(() => 'WHEN ? THEN ?').join(' ')} END ` +
          `WHERE id IN (${ids.map(() => '?').join(', ')})`,
        [...part.flatMap(([id, time]) => [id, new Date(time).toISOString()]), ...ids],
      );
    }
  }
}

/** How a refusal names a credential row: "session", "API key \"ci\"", "token 3f2a… of trust policy ci". */
function describeRecord(record: CredentialRecord): string {
  if (record.type === 'session') return 'session';
  if (isMinted(record.type))
    return record.type === 'personal'
      ? `personal token ${record.id}`
      : `token ${record.id} of trust policy "${record.name}"`;
  return `API key "${record.name}"`;
}

function isMinted(type: string): type is MintedTokenType {
  return (MINTED_TOKEN_TYPES as readonly string[]).includes(type);
}

/** The permissions of a credential row, computed once per cache fill. Pure. */
export function principalOf(catalogue: PermissionCatalogue, record: CredentialRecord): Principal {
  // Exchanged tokens have no user; their role is nobody's (their permissions are the policy's).
  const role = (record.role ?? 'viewer') as Role;
  const stored = fromJsonColumn<string[]>(record.permissions) ?? [];
  const tokenType = isMinted(record.type) ? record.type : undefined;
  const keyType = record.type === 'session' || tokenType ? undefined : (record.type as ApiKeyType);
  // A session or key whose user row is gone holds nothing (the user's deletion revokes them anyway).
  const orphaned = record.username === null && (tokenType === undefined || tokenType === 'personal');
  const permissions = orphaned
    ? []
    : tokenType
      ? mintedPermissions(
          catalogue,
          tokenType,
          stored,
          (record.role as Role | null) ?? undefined,
          record.tenant,
        )
      : keyType
        ? keyPermissions(catalogue, keyType, stored, role, record.tenant)
        : rolePermissions(catalogue, role, record.tenant);
  const principal: Omit<Principal, 'actor'> = {
    tenant: record.tenant,
    userId: record.user_id,
    username: record.username ?? `trustpolicy:${record.name}`,
    role,
    permissions: new Set(permissions),
    credential: {
      type: tokenType ? 'token' : keyType ? 'apikey' : 'session',
      id: record.id,
      name: record.name,
      keyType,
      tokenType,
      subject: record.subject ?? undefined,
      expiresAt: record.expires_at,
    },
  };
  return { ...principal, actor: actorOf(principal) };
}

function csrfMatches(presented: string | undefined, expected: string | null): boolean {
  return !!presented && !!expected && secretMatches(presented, expected);
}

export function tooManyFailures(
  who: string,
  waitMs: number,
  limiter: { readonly limit: number; readonly windowMs: number },
): TooManyRequestsError {
  const seconds = Math.ceil(waitMs / 1000);
  return new TooManyRequestsError(
    `too many failed attempts ${who}: try again in ${seconds} s (at most ${limiter.limit} failures in ${Math.round(limiter.windowMs / 60_000)} min)`,
    { details: { retryAfterSeconds: seconds } },
  );
}
