/**
 * SQL for the CA material: keys (sealed), CA certificates (the history), and the per-CA row that
 * names the current key and certificate and holds the published CRL. Knows nothing of crypto.
 */
import type { Knex } from 'knex';
import { type Database, type Executor, fromJsonColumn, toJsonColumn } from '../store/database.js';
import type { CaCertificateMadeFor } from './ca-plan.js';
import { type AuthorityRow, type CaCertificateRow, type CrlRow, type KeyRow, TABLES } from './pki-tables.js';

/** The current material of one CA, read in one query. */
export interface CurrentMaterial {
  keyId: string;
  algorithm: string;
  sealedKey: string;
  certificate: CaCertificate;
}

/** A CA certificate as stored. */
export interface CaCertificate {
  fingerprint: string;
  keyId: string;
  serial: string;
  pem: string;
  notBefore: Date;
  notAfter: Date;
  subjectKeyId: string;
  authorityKeyId?: string;
  pathLen?: number;
  madeFor: CaCertificateMadeFor;
  parentName?: string;
}

export interface PublishedCrl {
  /** The CA key that signed it (pki_keys.id). */
  keyId: string;
  der: Buffer;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  signedBy: string;
}

const CERTIFICATE_COLUMNS = [
  'c.fingerprint',
  'c.key_id',
  'c.serial',
  'c.certificate',
  'c.not_before',
  'c.not_after',
  'c.subject_key_id',
  'c.authority_key_id',
  'c.path_len',
  'c.made_for',
  'c.parent_name',
];

export class CaRepository {
  constructor(private readonly db: Database) {}

  /** The current key and certificate of a CA, or undefined when it has none yet. */
  async current(
    tenant: string,
    name: string,
    executor: Executor = this.db.knex,
  ): Promise<CurrentMaterial | undefined> {
    const row = await executor(`${TABLES.authorities} as a`)
      .join(`${TABLES.keys} as k`, 'k.id', 'a.key_id')
      .join(`${TABLES.caCertificates} as c`, (join) =>
        join.on('c.tenant', 'a.tenant').andOn('c.ca_name', 'a.name').andOn('c.fingerprint', 'a.fingerprint'),
      )
      .where({ 'a.tenant': tenant, 'a.name': name })
      .first(['k.algorithm', 'k.sealed_key', ...CERTIFICATE_COLUMNS]);
    if (!row) return undefined;
    return {
      keyId: row.key_id,
      algorithm: row.algorithm,
      sealedKey: row.sealed_key,
      certificate: toCertificate(row),
    };
  }

  /** A stored key of a CA (current or not), for renewals that keep the key. */
  async key(
    tenant: string,
    name: string,
    keyId: string,
    executor: Executor = this.db.knex,
  ): Promise<KeyRow | undefined> {
    return executor<KeyRow>(TABLES.keys).where({ id: keyId, tenant, ca_name: name }).first();
  }

  /**
   * Stores a new certificate (and its key, when new) and makes both current, in the caller's
   * transaction. The previous certificate stays in the history.
   */
  async makeCurrent(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    material: { key?: KeyRow; certificate: CaCertificate },
    now: Date,
  ): Promise<void> {
    if (material.key) await trx(TABLES.keys).insert(material.key);
    const certificate = material.certificate;
    const row: CaCertificateRow = {
      tenant,
      ca_name: name,
      fingerprint: certificate.fingerprint,
      key_id: certificate.keyId,
      serial: certificate.serial,
      certificate: certificate.pem,
      not_before: certificate.notBefore.toISOString(),
      not_after: certificate.notAfter.toISOString(),
      subject_key_id: certificate.subjectKeyId,
      authority_key_id: certificate.authorityKeyId ?? null,
      path_len: certificate.pathLen ?? null,
      made_for: toJsonColumn(certificate.madeFor),
      parent_name: certificate.parentName ?? null,
      created_at: now.toISOString(),
    };
    await trx(TABLES.caCertificates).insert(row);
    await trx(TABLES.authorities)
      .insert({
        tenant,
        name,
        key_id: certificate.keyId,
        fingerprint: certificate.fingerprint,
        crl_number: 0,
        updated_at: now.toISOString(),
      })
      .onConflict(['tenant', 'name'])
      .merge({
        key_id: certificate.keyId,
        fingerprint: certificate.fingerprint,
        updated_at: now.toISOString(),
      });
  }

  /** Locks the CA's row for a CRL update (PostgreSQL; SQLite serializes writers anyway). */
  async lockForCrl(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
  ): Promise<{ crlNumber: number } | undefined> {
    const row = (await this.db.forUpdate(
      trx<AuthorityRow>(TABLES.authorities).where({ tenant, name }).first(['crl_number']),
    )) as Pick<AuthorityRow, 'crl_number'> | undefined;
    return row ? { crlNumber: Number(row.crl_number) } : undefined;
  }

  /** Stores the CRL of one key of the CA, replacing that key's previous one. */
  async saveCrl(trx: Knex.Transaction, tenant: string, name: string, crl: PublishedCrl): Promise<void> {
    const row: CrlRow = {
      tenant,
      ca_name: name,
      key_id: crl.keyId,
      crl_number: crl.crlNumber,
      der: crl.der,
      this_update: crl.thisUpdate.toISOString(),
      next_update: crl.nextUpdate.toISOString(),
      signed_by: crl.signedBy,
    };
    await trx(TABLES.crls)
      .insert(row)
      .onConflict(['tenant', 'ca_name', 'key_id'])
      .merge(['crl_number', 'der', 'this_update', 'next_update', 'signed_by']);
    await trx(TABLES.authorities).where({ tenant, name }).update({ crl_number: crl.crlNumber });
  }

  /** Removes the CRLs of keys that no longer need one (their CA certificates expired). */
  async dropCrls(trx: Knex.Transaction, tenant: string, name: string, keyIds: readonly string[]) {
    if (keyIds.length > 0)
      await trx(TABLES.crls).where({ tenant, ca_name: name }).whereIn('key_id', keyIds).delete();
  }

  /** The CRL of one key of the CA; without `keyId`, of its current key. */
  async crl(
    tenant: string,
    name: string,
    keyId?: string,
    executor: Executor = this.db.knex,
  ): Promise<PublishedCrl | undefined> {
    const query = executor<CrlRow>(`${TABLES.crls} as r`).where({ 'r.tenant': tenant, 'r.ca_name': name });
    if (keyId !== undefined) query.andWhere('r.key_id', keyId);
    else
      query.join(`${TABLES.authorities} as a`, (join) =>
        join.on('a.tenant', 'r.tenant').andOn('a.name', 'r.ca_name').andOn('a.key_id', 'r.key_id'),
      );
    const row = (await query.first(['r.*'])) as CrlRow | undefined;
    return row ? toCrl(row) : undefined;
  }

  /** Every CRL the CA publishes, one per key. */
  async crls(tenant: string, name: string, executor: Executor = this.db.knex): Promise<PublishedCrl[]> {
    const rows = await executor<CrlRow>(TABLES.crls).where({ tenant, ca_name: name }).select();
    return rows.map(toCrl);
  }

  /**
   * The keys of the CA that must have a published CRL at `now`, each with the certificate to sign
   * it under: the current key (current certificate), and every earlier key with an unexpired CA
   * certificate (its latest). A leaf never outlives the certificate that signed it, so an earlier
   * key's last leaf expires by its last certificate's notAfter at the latest: its CRL is kept until
   * then — a little longer than the last leaf may need, and without an index on every issued
   * row (one per certificate on the hottest table, ~17% of storm issuance) to say exactly.
   */
  async liveKeys(
    tenant: string,
    name: string,
    now: Date,
    executor: Executor = this.db.knex,
  ): Promise<Array<{ keyId: string; fingerprint: string; notAfter?: Date }>> {
    const authority = await executor<AuthorityRow>(TABLES.authorities)
      .where({ tenant, name })
      .first(['key_id', 'fingerprint']);
    if (!authority) return [];
    const certificates = await executor<CaCertificateRow>(TABLES.caCertificates)
      .where({ tenant, ca_name: name })
      .andWhere('not_after', '>', now.toISOString())
      .whereNot('key_id', authority.key_id)
      .orderBy('not_after', 'desc')
      .select(['fingerprint', 'key_id', 'not_after']);
    const live: Array<{ keyId: string; fingerprint: string; notAfter?: Date }> = [
      { keyId: authority.key_id, fingerprint: authority.fingerprint },
    ];
    // Latest first: the first certificate seen of a key is the one its CRL is signed under.
    for (const row of certificates)
      if (!live.some((key) => key.keyId === row.key_id))
        live.push({ keyId: row.key_id, fingerprint: row.fingerprint, notAfter: new Date(row.not_after) });
    return live;
  }

  /** The keys (pki_keys.id) that the CA certificates `fingerprints` certify. */
  async keysOf(
    tenant: string,
    name: string,
    fingerprints: readonly string[],
    executor: Executor = this.db.knex,
  ): Promise<string[]> {
    if (fingerprints.length === 0) return [];
    const rows = await executor<CaCertificateRow>(TABLES.caCertificates)
      .where({ tenant, ca_name: name })
      .whereIn('fingerprint', [...new Set(fingerprints)])
      .distinct('key_id');
    return rows.map((row) => row.key_id);
  }

  /**
   * A key of the CA, sealed, with the certificate to sign under it: the current certificate for
   * the current key, else the key's latest certificate.
   */
  async keyMaterial(
    tenant: string,
    name: string,
    keyId: string,
    executor: Executor = this.db.knex,
  ): Promise<CurrentMaterial | undefined> {
    const row = await executor(`${TABLES.caCertificates} as c`)
      .join(`${TABLES.keys} as k`, 'k.id', 'c.key_id')
      .leftJoin(`${TABLES.authorities} as a`, (join) =>
        join.on('a.tenant', 'c.tenant').andOn('a.name', 'c.ca_name').andOn('a.fingerprint', 'c.fingerprint'),
      )
      .where({ 'c.tenant': tenant, 'c.ca_name': name, 'c.key_id': keyId })
      .orderByRaw('CASE WHEN a.fingerprint IS NULL THEN 1 ELSE 0 END')
      .orderBy('c.not_after', 'desc')
      .first(['k.algorithm', 'k.sealed_key', ...CERTIFICATE_COLUMNS]);
    if (!row) return undefined;
    return {
      keyId: row.key_id,
      algorithm: row.algorithm,
      sealedKey: row.sealed_key,
      certificate: toCertificate(row),
    };
  }

  /**
   * The certificate of CA `name` that certifies the key `subjectKeyId` (an intermediate's issuer
   * for a chain): the current one when it does, else the one valid longest.
   */
  async certificateForKey(
    tenant: string,
    name: string,
    subjectKeyId: string,
    executor: Executor = this.db.knex,
  ): Promise<CaCertificate | undefined> {
    const row = await executor(`${TABLES.caCertificates} as c`)
      .leftJoin(`${TABLES.authorities} as a`, (join) =>
        join.on('a.tenant', 'c.tenant').andOn('a.name', 'c.ca_name').andOn('a.fingerprint', 'c.fingerprint'),
      )
      .where({ 'c.tenant': tenant, 'c.ca_name': name, 'c.subject_key_id': subjectKeyId })
      .orderByRaw('CASE WHEN a.fingerprint IS NULL THEN 1 ELSE 0 END')
      .orderBy('c.not_after', 'desc')
      .first(CERTIFICATE_COLUMNS);
    return row ? toCertificate(row) : undefined;
  }

  /** Every certificate of the CA still valid at `now`, newest first (the trust bundle). */
  async unexpired(
    tenant: string,
    name: string,
    now: Date,
    executor: Executor = this.db.knex,
  ): Promise<CaCertificate[]> {
    const rows = await executor(`${TABLES.caCertificates} as c`)
      .where({ 'c.tenant': tenant, 'c.ca_name': name })
      .andWhere('c.not_after', '>', now.toISOString())
      .orderBy('c.not_before', 'desc')
      .select(CERTIFICATE_COLUMNS);
    return rows.map(toCertificate);
  }

  /** Removes every trace of a CA's material (after its finalizer let it go). */
  async purge(trx: Knex.Transaction, tenant: string, name: string): Promise<void> {
    await trx(TABLES.authorities).where({ tenant, name }).delete();
    await trx(TABLES.crls).where({ tenant, ca_name: name }).delete();
    await trx(TABLES.caCertificates).where({ tenant, ca_name: name }).delete();
    await trx(TABLES.keys).where({ tenant, ca_name: name }).delete();
  }
}

function toCertificate(row: CaCertificateRow): CaCertificate {
  return {
    fingerprint: row.fingerprint,
    keyId: row.key_id,
    serial: row.serial,
    pem: row.certificate,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    subjectKeyId: row.subject_key_id,
    authorityKeyId: row.authority_key_id ?? undefined,
    pathLen: row.path_len === null || row.path_len === undefined ? undefined : Number(row.path_len),
    madeFor: fromJsonColumn<CaCertificateMadeFor>(row.made_for),
    parentName: row.parent_name ?? undefined,
  };
}

function toCrl(row: CrlRow): PublishedCrl {
  return {
    keyId: row.key_id,
    der: Buffer.from(row.der),
    crlNumber: Number(row.crl_number),
    thisUpdate: new Date(row.this_update),
    nextUpdate: new Date(row.next_update),
    signedBy: row.signed_by,
  };
}
