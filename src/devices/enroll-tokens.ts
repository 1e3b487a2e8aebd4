/**
 * Enrollment tokens (issue #14): created, listed and deleted by operators with a login session
 * (`enroll-tokens:write` is session only), presented by devices to the device API's Enroll. The
 * plaintext is answered once; only sha256 of its secret is stored; the journal records what a
 * token grants, never the secret or its hash. Rules: enroll-token-rules.ts.
 */
import type { Knex } from 'knex';
import { ACTIONS } from '../auth/permissions.js';
import { secretMatches } from '../auth/tokens.js';
import type { OperationContext } from '../context.js';
import { type FieldProblem, InvalidError, NotFoundError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { type Database, type Executor, fromJsonColumn, toJsonColumn } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { EnrollTokenRow } from './device-tables.js';
import {
  type CreateEnrollTokenInput,
  DEFAULT_MAX_USES,
  type EnrollTokenView,
  enrollTokenView,
  journaledFields,
  MALFORMED,
  newEnrollToken,
  parseEnrollToken,
  resolveExpiry,
  type TokenRefusal,
  tokenRefusal,
  unknownToken,
} from './enroll-token-rules.js';

export type { CreateEnrollTokenInput, EnrollTokenView, TokenRefusal } from './enroll-token-rules.js';

const TABLE = 'enroll_tokens';
const CA_KIND = 'CertificateAuthority';
/** Compared against when the id is unknown, so that an unknown id costs what a wrong secret does. */
const NO_HASH = '0'.repeat(64);

export interface EnrollTokenDeps {
  db: Database;
  /** Where the CertificateAuthority a token names is looked up. */
  store: Pick<ResourceStore, 'get'>;
  journal: JournalWriter;
  clock: () => Date;
}

/** A row as the drivers hand it back, with `labels` parsed (SQLite answers JSON text). */
function decode(row: EnrollTokenRow): EnrollTokenRow {
  return { ...row, labels: fromJsonColumn<Record<string, string>>(row.labels) ?? {} };
}

export class EnrollTokenService {
  constructor(private readonly deps: EnrollTokenDeps) {}

  /**
   * Finds and checks a presented plaintext token (timing-safe). Never throws for bad input: a
   * malformed text, an unknown id or a wrong secret (both `Unknown`, indistinguishable), an
   * expired or used-up token answer a refusal. Takes no use: see `consume`.
   */
  async authenticate(
    plaintext: string,
    now: Date,
    executor: Executor = this.deps.db.knex,
  ): Promise<{ ok: true; token: EnrollTokenRow } | ({ ok: false } & TokenRefusal)> {
    const parsed = parseEnrollToken(plaintext);
    if (!parsed) return { ok: false, ...MALFORMED };
    const row = (await executor<EnrollTokenRow>(TABLE).where({ id: parsed.id }).first()) as
      | EnrollTokenRow
      | undefined;
    const matches = secretMatches(parsed.secret, row?.secret_hash ?? NO_HASH);
    if (!row || !matches) return { ok: false, ...unknownToken(parsed.id) };
    const token = decode(row);
    const refusal = tokenRefusal(token, now);
    return refusal ? { ok: false, ...refusal } : { ok: true, token };
  }

  /**
   * Atomically takes one use of the token, in the caller's transaction: one conditional UPDATE,
   * so concurrent enrollments on the last use let exactly one through (PostgreSQL re-checks the
   * condition on the row it waited for; SQLite serializes writers). False when no use was left
   * or the token expired (or is gone).
   */
  async consume(trx: Knex.Transaction, id: string, now: Date): Promise<boolean> {
    const updated = await trx(TABLE)
      .where({ id })
      .andWhere('uses', '<', trx.ref('max_uses'))
      .andWhere('expires_at', '>', now.toISOString())
      .update({ uses: trx.raw('uses + 1') });
    return Number(updated) === 1;
  }

  /**
   * Creates a token in the caller's tenant and answers its plaintext, once. Refuses (InvalidError
   * with every problem, each at its JSON pointer) an expiry in the past or beyond a year, and a
   * `caRef` that names no CertificateAuthority of the tenant (or one being deleted).
   */
  async create(
    context: OperationContext,
    input: CreateEnrollTokenInput,
  ): Promise<EnrollTokenView & { token: string }> {
    context.authorize(ACTIONS.enrollTokensWrite);
    const now = this.deps.clock();
    const expiry = resolveExpiry(input, now);
    const problems: FieldProblem[] = [...expiry.problems];
    const ca = await this.deps.store.get({ tenant: context.tenant, kind: CA_KIND, name: input.caRef });
    if (!ca) problems.push({ pointer: '/caRef', message: `CertificateAuthority "${input.caRef}" not found` });
    else if (ca.deletionTimestamp)
      problems.push({ pointer: '/caRef', message: `CertificateAuthority "${input.caRef}" is being deleted` });
    if (problems.length > 0 || expiry.expiresAt === undefined)
      throw new InvalidError(
        `invalid enrollment token: ${problems.map((p) => `${p.pointer.slice(1)}: ${p.message}`).join('; ')}`,
        { problems },
      );
    const generated = newEnrollToken();
    const row: EnrollTokenRow = {
      id: generated.id,
      tenant: context.tenant,
      secret_hash: generated.secretHash,
      description: input.description ?? null,
      max_uses: input.maxUses ?? DEFAULT_MAX_USES,
      uses: 0,
      expires_at: expiry.expiresAt,
      labels: input.labels ?? {},
      ca_name: input.caRef,
      approval: input.approval ?? 'auto',
      created_by: context.actor.name,
      created_at: now.toISOString(),
    };
    await this.deps.db.transaction(async (trx) => {
      await trx(TABLE).insert({ ...row, labels: toJsonColumn(row.labels) });
      await this.deps.journal.append(trx, context, [
        {
          operation: 'enroll-token.create',
          kind: 'EnrollToken',
          name: row.id,
          result: 'created',
          reason: `enrollment token ${row.id} for CertificateAuthority "${row.ca_name}": ${row.max_uses} use${row.max_uses === 1 ? '' : 's'}, approval ${row.approval}, expires ${row.expires_at}`,
          changes: [{ pointer: '', new: journaledFields(row) }],
        },
      ]);
    });
    return { ...enrollTokenView(row, now), token: generated.token };
  }

  /** The tenant's tokens, oldest first, expired and used-up ones included; never a secret. */
  async list(context: OperationContext): Promise<EnrollTokenView[]> {
    context.authorize(ACTIONS.enrollTokensWrite);
    const now = this.deps.clock();
    const rows = (await this.deps.db
      .knex<EnrollTokenRow>(TABLE)
      .where({ tenant: context.tenant })
      .orderBy('created_at')
      .orderBy('id')) as EnrollTokenRow[];
    return rows.map((row) => enrollTokenView(decode(row), now));
  }

  /**
   * Deletes a token of the caller's tenant: devices can no longer enroll with it; those enrolled
   * keep their identities. Another tenant's id is as unknown as a missing one (NotFoundError).
   */
  async delete(context: OperationContext, id: string): Promise<EnrollTokenView> {
    context.authorize(ACTIONS.enrollTokensWrite);
    const now = this.deps.clock();
    return this.deps.db.transaction(async (trx) => {
      const found = /^[0-9a-f]{16}$/.test(id)
        ? ((await trx<EnrollTokenRow>(TABLE).where({ tenant: context.tenant, id }).first()) as
            | EnrollTokenRow
            | undefined)
        : undefined;
      // The id is shown only when it has the shape of one: a path segment is not echoed at length.
      if (!found)
        throw new NotFoundError(
          /^[0-9a-f]{16}$/.test(id) ? `enrollment token "${id}" not found` : 'enrollment token not found',
        );
      const row = decode(found);
      await trx(TABLE).where({ tenant: context.tenant, id }).delete();
      await this.deps.journal.append(trx, context, [
        {
          operation: 'enroll-token.delete',
          kind: 'EnrollToken',
          name: row.id,
          result: 'deleted',
          reason: `enrollment token ${row.id} deleted after ${row.uses} of ${row.max_uses} uses`,
          changes: [{ pointer: '', old: { ...journaledFields(row), uses: row.uses } }],
        },
      ]);
      return enrollTokenView(row, now);
    });
  }
}
