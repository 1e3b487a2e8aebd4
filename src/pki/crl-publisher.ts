/**
 * Publishing a CA's CRLs: one per key that still needs one. The current key's CRL lists every
 * revoked, unexpired certificate of the CA; each earlier key keeps a CRL of its own (the revoked
 * certificates it signed) until its last CA certificate expires, so that the leaves of a
 * rotated key still find, at their distribution point, a CRL signed by the key that signed them.
 * All CRLs of a CA share one increasing cRLNumber. Published on every revocation (inside the
 * revoking transaction, so a CRL never lags a committed revocation), whenever the CA gets a new
 * certificate, and by the reconciler before a published one goes stale.
 */
import type { Knex } from 'knex';
import type { CrlSigner } from './ca-keyring.js';
import type { CaKeyring } from './ca-keyring.js';
import type { CaRepository, PublishedCrl } from './ca-repository.js';
import { buildCrl } from './crl.js';
import type { IssuedRepository } from './issued-repository.js';

/** Lifetime of a CRL (nextUpdate − thisUpdate): relying parties treat it as stale after it. */
export const CRL_VALIDITY_MS = 7 * 86_400_000;

/**
 * When a CRL should be replaced: halfway through its validity, so a server that is down for a
 * while (up to half the validity) never leaves relying parties with a stale CRL. Pure.
 */
export function crlRefreshAt(crl: Pick<PublishedCrl, 'thisUpdate' | 'nextUpdate'>): Date {
  const thisUpdate = crl.thisUpdate.getTime();
  return new Date(thisUpdate + Math.floor((crl.nextUpdate.getTime() - thisUpdate) / 2));
}

/**
 * Whether a key must publish a new CRL now: none yet, signed under a certificate other than the
 * one it should be signed under (a renewal), or past its refresh time. Pure.
 */
export function crlRefreshDue(crl: PublishedCrl | undefined, signingFingerprint: string, now: Date): boolean {
  return !crl || crl.signedBy !== signingFingerprint || now.getTime() >= crlRefreshAt(crl).getTime();
}

/** A key that must have a published CRL, and the certificate to sign it under. */
export interface LiveKey {
  keyId: string;
  fingerprint: string;
  /** An earlier key's last certificate's notAfter: its CRL may go then at the latest. */
  notAfter?: Date;
}

/** What a CA's CRLs need: which keys publish now, which CRLs go, and when to look again. */
export interface CrlPlan {
  publish: LiveKey[];
  /** Keys whose every certificate has expired: nothing left for their CRL to speak about. */
  drop: string[];
  /**
   * When to look again: the earliest refresh among the CRLs that stay as they are, or the
   * earliest expiry of an earlier key (its CRL is dropped then); undefined when none.
   */
  nextRefresh?: Date;
}

/** Pure: the CRL work for a CA whose live keys are `live` and whose published CRLs are `published`. */
export function planCrls(live: readonly LiveKey[], published: readonly PublishedCrl[], now: Date): CrlPlan {
  const byKey = new Map(published.map((crl) => [crl.keyId, crl]));
  const liveIds = new Set(live.map((key) => key.keyId));
  const publish = live.filter((key) => crlRefreshDue(byKey.get(key.keyId), key.fingerprint, now));
  let nextRefresh: Date | undefined;
  for (const key of live) {
    const crl = byKey.get(key.keyId);
    const times = [key.notAfter, crl && !publish.includes(key) ? crlRefreshAt(crl) : undefined];
    for (const at of times) if (at && (!nextRefresh || at < nextRefresh)) nextRefresh = at;
  }
  return {
    publish,
    drop: published.filter((crl) => !liveIds.has(crl.keyId)).map((crl) => crl.keyId),
    nextRefresh,
  };
}

export class CrlPublisher {
  constructor(
    private readonly repository: CaRepository,
    private readonly issued: IssuedRepository,
    private readonly keyring: CaKeyring,
  ) {}

  /** The CRL work a CA has at `now` (the reconciler's observation). */
  async plan(tenant: string, name: string, now: Date, executor?: Knex.Transaction): Promise<CrlPlan> {
    const [live, published] = await Promise.all([
      this.repository.liveKeys(tenant, name, now, executor),
      this.repository.crls(tenant, name, executor),
    ]);
    return planCrls(live, published, now);
  }

  /** Does the plan's work in `trx`: publishes what is due, drops what is no longer needed. */
  async refresh(trx: Knex.Transaction, tenant: string, name: string, now: Date): Promise<PublishedCrl[]> {
    const plan = await this.plan(tenant, name, now, trx);
    await this.repository.dropCrls(trx, tenant, name, plan.drop);
    return this.publishKeys(
      trx,
      tenant,
      name,
      plan.publish.map((key) => key.keyId),
      now,
    );
  }

  /**
   * After revocations of certificates signed under `issuerFingerprints`: republishes the CRL of
   * each key that signed one, and the current key's (which lists every revocation of the CA).
   */
  async afterRevocation(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    issuerFingerprints: readonly string[],
    now: Date,
  ): Promise<PublishedCrl[]> {
    const keys = await this.repository.keysOf(tenant, name, issuerFingerprints, trx);
    const current = await this.repository.current(tenant, name, trx);
    const keyIds = new Set([...(current ? [current.keyId] : []), ...keys]);
    return this.publishKeys(trx, tenant, name, [...keyIds], now);
  }

  /**
   * Signs and stores the CRLs of the given signers in `trx`. The CA's row is locked first, so two
   * concurrent publications (PostgreSQL, two processes) get distinct, increasing numbers.
   * @throws Error when the CA has no row (no certificate yet): nothing can sign a CRL.
   */
  async publish(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    signers: readonly CrlSigner[],
    now: Date,
  ): Promise<PublishedCrl[]> {
    const locked = await this.repository.lockForCrl(trx, tenant, name);
    if (!locked) throw new Error(`CertificateAuthority ${tenant}/${name} has no certificate to sign a CRL`);
    const current = await this.repository.current(tenant, name, trx);
    let crlNumber = locked.crlNumber;
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const published: PublishedCrl[] = [];
    for (const signer of signers) {
      const isCurrent = signer.keyId === current?.keyId;
      const revoked = await this.issued.revokedUnexpired(
        tenant,
        name,
        now,
        trx,
        isCurrent ? undefined : signer.keyId,
      );
      crlNumber += 1;
      const signed = await buildCrl({
        ca: signer.credentials,
        revoked: revoked.map((entry) => ({
          serialHex: entry.serial,
          revokedAt: entry.revokedAt,
          reason: entry.reason,
        })),
        thisUpdate,
        nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
        crlNumber,
      });
      const crl: PublishedCrl = {
        keyId: signer.keyId,
        der: signed.der,
        crlNumber,
        thisUpdate: signed.thisUpdate,
        nextUpdate: signed.nextUpdate,
        signedBy: signer.fingerprint,
      };
      await this.repository.saveCrl(trx, tenant, name, crl);
      published.push(crl);
    }
    return published;
  }

  private async publishKeys(
    trx: Knex.Transaction,
    tenant: string,
    name: string,
    keyIds: readonly string[],
    now: Date,
  ): Promise<PublishedCrl[]> {
    const signers: CrlSigner[] = [];
    for (const keyId of keyIds) {
      const signer = await this.keyring.crlSigner(tenant, name, keyId, trx);
      if (signer) signers.push(signer);
    }
    return signers.length > 0 ? this.publish(trx, tenant, name, signers, now) : [];
  }
}
