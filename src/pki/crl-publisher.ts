/**
 * Publishing a CA's CRL: the revoked, unexpired certificates of the CA, signed with its current
 * key, numbered one above the last CRL, stored on the CA's row. Called on every revocation (inside
 * the revoking transaction, so the CRL never lags a committed revocation), whenever the CA gets a
 * new certificate, and by the reconciler before the published one goes stale.
 */
import type { Knex } from 'knex';
import type { CaCredentials } from './ca-credentials.js';
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
 * Whether a CA must publish a new CRL now: none yet, signed under a certificate that is no longer
 * the current one (a new key would not verify it), or past its refresh time. Pure.
 */
export function crlRefreshDue(crl: PublishedCrl | undefined, currentFingerprint: string, now: Date): boolean {
  return !crl || crl.signedBy !== currentFingerprint || now.getTime() >= crlRefreshAt(crl).getTime();
}

/** The CA that signs a CRL: its credentials and the fingerprint of the certificate they belong to. */
export interface CrlSigner {
  tenant: string;
  name: string;
  credentials: CaCredentials;
  fingerprint: string;
}

export class CrlPublisher {
  constructor(
    private readonly repository: CaRepository,
    private readonly issued: IssuedRepository,
  ) {}

  /**
   * Builds, signs and stores the CA's next CRL in `trx`. The CA's row is locked first, so two
   * concurrent publications (PostgreSQL, two processes) get consecutive numbers.
   * @throws Error when the CA has no row (no certificate yet): nothing can sign a CRL.
   */
  async publish(trx: Knex.Transaction, signer: CrlSigner, now: Date): Promise<PublishedCrl> {
    const locked = await this.repository.lockForCrl(trx, signer.tenant, signer.name);
    if (!locked)
      throw new Error(
        `CertificateAuthority ${signer.tenant}/${signer.name} has no certificate to sign a CRL`,
      );
    const revoked = await this.issued.revokedUnexpired(signer.tenant, signer.name, now, trx);
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const signed = buildCrl({
      ca: signer.credentials,
      revoked: revoked.map((entry) => ({
        serialHex: entry.serial,
        revokedAt: entry.revokedAt,
        reason: entry.reason,
      })),
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      crlNumber: locked.crlNumber + 1,
    });
    const published: PublishedCrl = {
      der: signed.der,
      crlNumber: locked.crlNumber + 1,
      thisUpdate: signed.thisUpdate,
      nextUpdate: signed.nextUpdate,
      signedBy: signer.fingerprint,
    };
    await this.repository.saveCrl(trx, signer.tenant, signer.name, published);
    return published;
  }
}
