/**
 * SQL for the record of issued certificates: bulk inserts (issuing thousands must not cost a
 * statement each), revocation, the CRL's entries, the operator's paged list, and the counts the
 * deletion check needs.
 */
import type { Knex } from 'knex';
import { chunk, type Database, type Executor } from '../store/database.js';
import type { RevocationReason } from './crl.js';
import { type IssuedRow, TABLES } from './pki-tables.js';

const COLUMNS = [
  'tenant',
  'ca_name',
  'serial',
  'fingerprint',
  'subject',
  'profile',
  'not_before',
  'not_after',
  'owner_kind',
  'owner_name',
  'issuer_fingerprint',
  'issued_at',
  'revoked_at',
  'revocation_reason',
] as const satisfies readonly (keyof IssuedRow)[];

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason;
}

export class IssuedRepository {
  constructor(private readonly db: Database) {}

  /** Inserts in as few statements as the parameter limit allows. */
  async insertMany(trx: Executor, rows: readonly IssuedRow[]): Promise<void> {
    const values = rows.map((row) => COLUMNS.map((column) => row[column]));
    const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
    for (const part of chunk(values, COLUMNS.length, this.db.maxParameters)) {
      await trx.raw(
        `INSERT INTO ${TABLES.issued} (${COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`,
        part.flat(),
      );
    }
  }

  async find(tenant: string, caName: string, serial: string, executor: Executor = this.db.knex) {
    return executor<IssuedRow>(TABLES.issued).where({ tenant, ca_name: caName, serial }).first();
  }

  /** Marks one certificate revoked unless it already is; answers whether this call revoked it. */
  async revoke(
    trx: Knex.Transaction,
    tenant: string,
    caName: string,
    serial: string,
    at: Date,
    reason: RevocationReason,
  ): Promise<boolean> {
    const updated = await trx(TABLES.issued)
      .where({ tenant, ca_name: caName, serial })
      .whereNull('revoked_at')
      .update({ revoked_at: at.toISOString(), revocation_reason: reason });
    return Number(updated) > 0;
  }

  /** Revokes every unexpired, unrevoked certificate of one owner; answers their serials and issuers. */
  async revokeOwnedBy(
    trx: Knex.Transaction,
    tenant: string,
    caName: string,
    owner: { kind: string; name: string },
    at: Date,
    reason: RevocationReason,
    keep?: string,
  ): Promise<Array<{ serial: string; issuerFingerprint: string; fingerprint: string }>> {
    const scope = () => {
      const query = trx(TABLES.issued)
        .where({ tenant, ca_name: caName, owner_kind: owner.kind, owner_name: owner.name })
        .whereNull('revoked_at')
        .andWhere('not_after', '>', at.toISOString());
      return keep === undefined ? query : query.whereNot('serial', keep);
    };
    const rows = (await scope().select('serial', 'issuer_fingerprint', 'fingerprint')) as Array<
      Pick<IssuedRow, 'serial' | 'issuer_fingerprint' | 'fingerprint'>
    >;
    if (rows.length > 0) await scope().update({ revoked_at: at.toISOString(), revocation_reason: reason });
    return rows.map((row) => ({
      serial: row.serial,
      issuerFingerprint: row.issuer_fingerprint,
      fingerprint: row.fingerprint,
    }));
  }

  /** The CAs holding unexpired, unrevoked certificates issued to `owner`. */
  async issuersOf(tenant: string, owner: { kind: string; name: string }, now: Date): Promise<string[]> {
    const rows = await this.db
      .knex(TABLES.issued)
      .where({ tenant, owner_kind: owner.kind, owner_name: owner.name })
      .whereNull('revoked_at')
      .andWhere('not_after', '>', now.toISOString())
      .distinct('ca_name');
    return rows.map((row: { ca_name: string }) => row.ca_name);
  }

  /** The entries of the CA's next CRL: revoked and not yet expired (expired ones may leave the CRL, RFC 5280 §3.3). */
  async revokedUnexpired(
    tenant: string,
    caName: string,
    now: Date,
    executor: Executor,
    keyId?: string,
  ): Promise<RevokedEntry[]> {
    const query = executor<IssuedRow>(`${TABLES.issued} as i`)
      .where({ 'i.tenant': tenant, 'i.ca_name': caName })
      .whereNotNull('i.revoked_at')
      .andWhere('i.not_after', '>', now.toISOString());
    // One key's CRL lists what that key signed: the CA certificates of the key name the issuers.
    if (keyId !== undefined)
      query
        .join(`${TABLES.caCertificates} as c`, (join) =>
          join
            .on('c.tenant', 'i.tenant')
            .andOn('c.ca_name', 'i.ca_name')
            .andOn('c.fingerprint', 'i.issuer_fingerprint'),
        )
        .andWhere('c.key_id', keyId);
    const rows = await query.select('i.serial', 'i.revoked_at', 'i.revocation_reason');
    return rows.map((row) => ({
      serial: row.serial,
      revokedAt: new Date(row.revoked_at as string),
      reason: (row.revocation_reason ?? undefined) as RevocationReason | undefined,
    }));
  }

  /** Certificates that still vouch for someone: unexpired and not revoked. */
  async inUse(
    tenant: string,
    caName: string,
    now: Date,
    executor: Executor = this.db.knex,
  ): Promise<{ count: number; lastNotAfter?: Date }> {
    const row = (await executor(TABLES.issued)
      .where({ tenant, ca_name: caName })
      .whereNull('revoked_at')
      .andWhere('not_after', '>', now.toISOString())
      .first(executor.raw('count(*) as count'), executor.raw('max(not_after) as last'))) as
      | { count: number | string; last: string | null }
      | undefined;
    const count = Number(row?.count ?? 0);
    return count > 0 && row?.last ? { count, lastNotAfter: new Date(row.last) } : { count };
  }

  /** One page in issue order, after the (issued_at, serial) position of the previous page. */
  async page(
    tenant: string,
    caName: string,
    limit: number,
    after?: { issuedAt: string; serial: string },
  ): Promise<IssuedRow[]> {
    const query = this.db
      .knex<IssuedRow>(TABLES.issued)
      .where({ tenant, ca_name: caName })
      .orderBy([
        { column: 'issued_at', order: 'asc' },
        { column: 'serial', order: 'asc' },
      ])
      .limit(limit)
      .select([...COLUMNS]);
    if (after) {
      query.andWhere((position) =>
        position
          .where('issued_at', '>', after.issuedAt)
          .orWhere((same) => same.where('issued_at', after.issuedAt).andWhere('serial', '>', after.serial)),
      );
    }
    return query;
  }

  async purge(trx: Knex.Transaction, tenant: string, caName: string): Promise<void> {
    await trx(TABLES.issued).where({ tenant, ca_name: caName }).delete();
  }
}
