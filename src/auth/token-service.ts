/**
 * Short-lived tokens (`stt_…`, docs/federation.md): minted by the OIDC and client-certificate
 * exchanges for a TrustPolicy, or by a logged-in user for themselves. They are credentials rows
 * like keys and sessions, so the authenticator checks them the same way and revocation acts on the
 * next request. Exchanges are the hot path: concurrent mints share one transaction (group commit).
 */
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { TokenView } from '../contract/federation.js';
import { ForbiddenError, InvalidError, NotFoundError } from '../errors.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import { fromJsonColumn, toJsonColumn } from '../store/database.js';
import { GroupCommit } from '../store/group-commit.js';
import type { CredentialRow } from './auth-entities.js';
import { type IdentityDeps, journalAs } from './identity-writes.js';
import { ACTIONS, type Role } from './permissions.js';
import { MINTED_TOKEN_TYPES, type MintedTokenType, mintedPermissions, type Principal } from './principal.js';
import { newToken } from './tokens.js';

export type { TokenView } from '../contract/federation.js';

/** The longest a personal token lives, and its default lifetime. */
export const PERSONAL_TOKEN_MAX_SECONDS = 12 * 3600;
export const PERSONAL_TOKEN_DEFAULT_SECONDS = 3600;
/** Never longer, whatever the policy or the server default say. */
export const EXCHANGED_TOKEN_MAX_SECONDS = 3600;

/** A token to mint for an exchange; its permissions were checked against the policy's author at apply. */
export interface MintRequest {
  tenant: string;
  type: Exclude<MintedTokenType, 'personal'>;
  /** The TrustPolicy that matched. */
  policy: string;
  /** Who it is minted for (OIDC `sub`, certificate subject). */
  subject: string;
  /** x5c: the client certificate's SHA-256 fingerprint (hex), so that its revocation revokes the token. */
  certificate?: string;
  permissions: readonly string[];
  lifetimeSeconds: number;
  /** The exchange's journal entry (never the token); the token's id is added to its reason. */
  record: JournalRecord;
  /** The presented token's id, claimed in the mint's transaction: a token is exchanged once. */
  replay?: ReplayClaim;
  /** The policy's generation the exchange chose it at: a policy changed or deleted since mints nothing. */
  policyGeneration: number;
}

/** Why a mint was refused inside its transaction. */
export type MintRefusal = 'Replayed' | 'PolicyChanged';

/**
 * Which policies are still as the exchanges read them, inside the mint's transaction (locked on
 * PostgreSQL, so that a delete of the policy either commits first, and the mint sees it, or waits).
 * Answers the `tenant/name@generation` keys that are current.
 */
export type CurrentPolicies = (
  trx: Knex.Transaction,
  wanted: ReadonlyArray<{ tenant: string; name: string; generation: number }>,
) => Promise<Set<string>>;

/** A presented token's id (hashed) and until when it is kept (src/trust/replay-store.ts). */
export interface ReplayClaim {
  key: string;
  until: number;
}

/** Where replay claims are kept: claimed inside the mint's transaction, remembered after commit. */
export interface ReplayClaims {
  claim(trx: Knex.Transaction, claims: readonly ReplayClaim[]): Promise<Set<string>>;
  remember(claims: readonly ReplayClaim[]): void;
}

export interface MintedToken {
  token: string;
  id: string;
  expiresAt: string;
  lifetimeSeconds: number;
}

export interface PersonalTokenInput {
  ttlSeconds?: number;
  permissions?: string[];
  description?: string;
}

interface PendingMint {
  row: CredentialRow;
  context: OperationContext;
  records: JournalRecord[];
  replay?: ReplayClaim;
  policyGeneration?: number;
  /** Set by the batch: why this mint was refused (its id claimed first; its policy changed or gone). */
  refused?: MintRefusal;
}

type TokenRow = CredentialRow & { username: string | null };

export class TokenService {
  private readonly mints: GroupCommit<PendingMint>;
  /** Benchmark-only switch (bench/federation.ts): one transaction per mint, to measure the grouping. */
  ungroupedForBenchmark = false;

  constructor(
    private readonly deps: IdentityDeps,
    private readonly journal: JournalWriter,
    private readonly replays?: ReplayClaims,
    private readonly currentPolicies?: CurrentPolicies,
  ) {
    this.mints = new GroupCommit((pending) => this.commitMints(pending));
  }

  /**
   * One transaction for a batch of mints: the presented tokens' ids claimed first (one statement),
   * then the tokens of those whose claim won inserted and journaled (one statement each).
   */
  private async commitMints(pending: PendingMint[]): Promise<void> {
    const accepted: PendingMint[] = [];
    await this.deps.db.transaction(async (trx) => {
      accepted.length = 0;
      for (const one of pending) one.refused = undefined;
      // The policies first: a mint under a policy changed or deleted since it was read claims nothing.
      const policyKey = (one: PendingMint) => `${one.row.tenant}/${one.row.name}@${one.policyGeneration}`;
      const exchanged = pending.filter((one) => one.policyGeneration !== undefined);
      if (exchanged.length > 0 && this.currentPolicies) {
        const current = await this.currentPolicies(
          trx,
          exchanged.map((one) => ({
            tenant: one.row.tenant,
            name: one.row.name,
            generation: one.policyGeneration as number,
          })),
        );
        for (const one of exchanged) if (!current.has(policyKey(one))) one.refused = 'PolicyChanged';
      }
      const live = pending.filter((one) => one.refused === undefined);
      const claims = live.flatMap((one) => (one.replay ? [one.replay] : []));
      const fresh = claims.length > 0 && this.replays ? await this.replays.claim(trx, claims) : new Set();
      const taken = new Set<string>();
      for (const one of live) {
        if (one.replay && this.replays) {
          if (!fresh.has(one.replay.key) || taken.has(one.replay.key)) {
            one.refused = 'Replayed';
            continue;
          }
          taken.add(one.replay.key);
        }
        accepted.push(one);
      }
      if (accepted.length === 0) return;
      await trx('credentials').insert(accepted.map((one) => one.row));
      // Each exchange's entry under its own actor and request; one statement for all of them.
      await this.journal.appendEach(trx, accepted);
    });
    this.replays?.remember(accepted.flatMap((one) => (one.replay ? [one.replay] : [])));
  }

  /**
   * Mints an exchanged token, journaled with the exchange in the same transaction (shared with
   * concurrent mints): an answered token is a recorded one. Answers a refusal instead when the
   * presented token's id was claimed first by another exchange (a replay), or the policy changed or
   * went since the exchange read it: nothing is minted.
   */
  async mint(
    request: MintRequest,
    context: OperationContext,
  ): Promise<MintedToken | { refused: MintRefusal }> {
    const lifetimeSeconds = Math.min(request.lifetimeSeconds, EXCHANGED_TOKEN_MAX_SECONDS);
    const token = newToken('token');
    const now = this.deps.clock();
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000).toISOString();
    const row = this.row(
      token,
      request.tenant,
      request.type,
      request.policy,
      '',
      request.permissions,
      now,
      expiresAt,
    );
    row.subject = request.subject.slice(0, 1024);
    if (request.certificate) row.certificate = request.certificate;
    const record = {
      ...request.record,
      reason: `token ${token.id} until ${expiresAt}; ${request.record.reason ?? ''}`,
    };
    const pending: PendingMint = {
      row,
      context,
      records: [record],
      replay: request.replay,
      policyGeneration: request.policyGeneration,
    };
    await (this.ungroupedForBenchmark ? this.commitMints([pending]) : this.mints.submit(pending));
    if (pending.refused) return { refused: pending.refused };
    return { token: token.token, id: token.id, expiresAt, lifetimeSeconds };
  }

  /**
   * A token for the logged-in user (session only): at most 12 hours, with permissions the user's
   * role grants (all of them but the session-only ones when none are chosen).
   */
  async createPersonal(
    context: OperationContext,
    principal: Principal,
    input: PersonalTokenInput,
  ): Promise<MintedToken & TokenView> {
    if (principal.credential.type !== 'session')
      throw new ForbiddenError(
        'a personal token is created from a login session, never with a key or a token',
      );
    const ttl = input.ttlSeconds ?? PERSONAL_TOKEN_DEFAULT_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > PERSONAL_TOKEN_MAX_SECONDS)
      throw new InvalidError(
        `ttlSeconds must be 60 to ${PERSONAL_TOKEN_MAX_SECONDS} (12 hours), got ${ttl}`,
        {
          problems: [{ pointer: '/ttlSeconds', message: `must be 60 to ${PERSONAL_TOKEN_MAX_SECONDS}` }],
        },
      );
    const chosen = [...new Set(input.permissions ?? [])].sort();
    const catalogue = this.deps.authenticator.permissions;
    const allowed = new Set(
      mintedPermissions(catalogue, 'personal', [], principal.role as Role, principal.tenant),
    );
    const refused = chosen
      .map((permission, index) => ({ permission, index }))
      .filter(({ permission }) => !allowed.has(permission));
    if (refused.length > 0)
      throw new ForbiddenError(
        refused
          .map(({ permission }) =>
            catalogue.isKnown(permission)
              ? `"${permission}" is not held by user ${principal.username} or is session-only`
              : `"${permission}" is not a Steward permission`,
          )
          .join('; '),
        { details: { permissions: refused.map(({ permission }) => permission) } },
      );
    const name = input.description ?? 'personal';
    const token = newToken('token');
    const now = this.deps.clock();
    const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
    const row = this.row(token, principal.tenant, 'personal', name, principal.userId, chosen, now, expiresAt);
    await this.deps.db.transaction(async (trx) => {
      await trx('credentials').insert(row);
      await journalAs(this.deps, trx, context, {
        operation: 'auth.token',
        kind: 'Token',
        name,
        result: 'created',
        reason: `personal token ${token.id} until ${expiresAt}${chosen.length ? ` with ${chosen.join(',')}` : ' with the role of the user'}`,
      });
    });
    return {
      token: token.token,
      lifetimeSeconds: ttl,
      ...this.view({ ...row, username: principal.username }),
    };
  }

  /**
   * Unexpired, unrevoked tokens: the caller's own personal tokens, or with keys:admin every
   * token of the tenant (exchanged ones included).
   */
  async list(context: OperationContext, principal: Principal): Promise<TokenView[]> {
    const query = this.tokens(this.deps.db.knex, context.tenant)
      .where('c.expires_at', '>', this.deps.clock().toISOString())
      .orderBy('c.created_at')
      .orderBy('c.id');
    if (!principal.permissions.has(ACTIONS.keysAdmin)) query.where('c.user_id', principal.userId);
    return ((await query) as TokenRow[]).map((row) => this.view(row));
  }

  /** Revokes a token: its owner (personal) or an admin (any). Acts on the next request. */
  async revoke(context: OperationContext, principal: Principal, id: string): Promise<TokenView> {
    const row = await this.deps.db.transaction(async (trx) => {
      const found = (await this.tokens(trx, context.tenant).where('c.id', id).first()) as
        | TokenRow
        | undefined;
      const mayAdminister = principal.permissions.has(ACTIONS.keysAdmin);
      // Someone else's token is as invisible as a missing one to a caller who may not administer it.
      if (!found || (!mayAdminister && found.user_id !== principal.userId))
        throw new NotFoundError(`token "${id}" not found (or already revoked)`);
      await trx('credentials').where({ id }).update({ revoked_at: this.deps.clock().toISOString() });
      await journalAs(this.deps, trx, context, {
        operation: 'auth.token',
        kind: found.type === 'personal' ? 'Token' : 'TrustPolicy',
        name: found.name,
        result: 'revoked',
        reason: `${found.type} token ${id} revoked`,
      });
      return found;
    });
    this.deps.authenticator.invalidate({ credentialId: id });
    return this.view(row);
  }

  private tokens(executor: Knex | Knex.Transaction, tenant: string) {
    return executor('credentials as c')
      .leftJoin('users as u', 'u.id', 'c.user_id')
      .where('c.tenant', tenant)
      .whereIn('c.type', MINTED_TOKEN_TYPES)
      .whereNull('c.revoked_at')
      .select('c.*', 'u.username');
  }

  private row(
    token: { id: string; secretHash: string },
    tenant: string,
    type: MintedTokenType,
    name: string,
    userId: string,
    permissions: readonly string[],
    now: Date,
    expiresAt: string,
  ): CredentialRow {
    return {
      id: token.id,
      tenant,
      type,
      slot: null,
      name: name.slice(0, 63),
      secret_hash: token.secretHash,
      user_id: userId,
      permissions: toJsonColumn([...permissions]),
      csrf_token: null,
      created_at: now.toISOString(),
      last_rotated_at: null,
      last_used_at: null,
      expires_at: expiresAt,
      revoked_at: null,
      subject: null,
    };
  }

  private view(row: TokenRow): TokenView {
    return {
      id: row.id,
      type: row.type as MintedTokenType,
      name: row.name,
      subject: row.subject,
      user: row.username,
      permissions: fromJsonColumn<string[]>(row.permissions) ?? [],
      createdAt: row.created_at,
      expiresAt: row.expires_at as string,
    };
  }
}
