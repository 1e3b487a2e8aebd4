/**
 * Revocation: a certificate a CA issued is marked revoked and the CA's CRL is republished and the
 * revocation journaled, all in one transaction, so the published CRL never lags a committed
 * revocation.
 */
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { ConflictError, InvalidError, NotFoundError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { ResourceKey } from '../resources/model.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { CaKeyring } from './ca-keyring.js';
import { isRevocationReason, type RevocationReason } from './crl.js';
import type { CrlPublisher } from './crl-publisher.js';
import type { IssuedRepository } from './issued-repository.js';
import { CA_KIND, revokeRecord } from './pki-journal.js';

export interface RevocationResult {
  serial: string;
  revokedAt: string;
  reason: RevocationReason;
  /** True when the certificate was revoked before this call (nothing changed). */
  alreadyRevoked: boolean;
}

export interface RevocationDeps {
  db: Database;
  store: ResourceStore;
  keyring: CaKeyring;
  issued: IssuedRepository;
  crls: CrlPublisher;
  journal: JournalWriter;
  now: () => Date;
  /** Queues resources for reconciling (the engine's change feed): a CA being deleted may now let go. */
  wake?: (keys: ResourceKey[]) => void;
  /**
   * What else ends with these certificates, inside the revocation's transaction (the tokens the
   * x5c exchange minted from them: src/trust/certificate-tokens.ts). Fingerprints are SHA-256 hex.
   */
  certificatesRevoked?: (
    trx: Knex.Transaction,
    tenant: string,
    fingerprints: string[],
    at: Date,
  ) => Promise<void>;
}

/**
 * A serial as operators paste it (`0A:1B:...`, `0a1b...`, upper or lower case, with or without a
 * leading zero byte) in the stored form: lower-case hex, whole bytes, no leading zero bytes. Pure.
 * @throws InvalidError when it is not a positive hex serial of at most 20 bytes.
 */
export function normalizeSerial(text: unknown): string {
  let hex = typeof text === 'string' ? text.replace(/[\s:]/g, '').toLowerCase() : '';
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.startsWith('00') && hex.length > 2) hex = hex.slice(2);
  if (!/^[0-9a-f]{2,40}$/.test(hex) || /^0+$/.test(hex)) {
    const message = `${JSON.stringify(text)} is not a certificate serial (hex, at most 20 bytes)`;
    throw new InvalidError(message, { problems: [{ pointer: '/serial', message }] });
  }
  return hex;
}

/**
 * A revocation reason from the API (default `unspecified`). `removeFromCRL` only means something in
 * delta CRLs, which Steward does not publish. Pure.
 * @throws InvalidError naming the accepted reasons.
 */
export function parseRevocationReason(value: unknown): RevocationReason {
  if (value === undefined || value === null || value === '') return 'unspecified';
  if (isRevocationReason(value) && value !== 'removeFromCRL') return value;
  const message = `unknown revocation reason ${JSON.stringify(value)}: use unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn or aACompromise`;
  throw new InvalidError(message, { problems: [{ pointer: '/reason', message }] });
}

export class RevocationService {
  /**
   * Counts the revocations this process has committed: whoever caches what a certificate is
   * (the device API's peer lookups) looks again once it moves. Callers of revokeOwnerIn, which
   * runs inside their transaction, call `revoked()` after their commit.
   */
  private revocationCount = 0;

  constructor(private readonly deps: RevocationDeps) {}

  /** How many revocations this process has committed (see revocationCount). */
  get revocations(): number {
    return this.revocationCount;
  }

  /** Notes a revocation committed by a caller's own transaction (revokeOwnerIn). */
  revoked(): void {
    this.revocationCount += 1;
  }

  /**
   * Revokes one certificate of CA `caName` (context's tenant) with a reason (RFC 5280 name,
   * default unspecified). Idempotent: revoking a revoked
   * certificate answers its existing revocation and changes nothing.
   * @throws NotFoundError for an unknown CA or a serial the CA did not issue; InvalidError for a
   *   malformed serial or reason; ConflictError when
   *   the CA has no key to sign a CRL with.
   */
  async revoke(
    context: OperationContext,
    caName: string,
    serialText: unknown,
    reasonText?: unknown,
  ): Promise<RevocationResult> {
    const tenant = context.tenant;
    // The CA first: another tenant's caller learns "not found", never what its input lacked.
    const ca = await this.deps.store.get({ tenant, kind: CA_KIND, name: caName });
    if (!ca) throw new NotFoundError(`${CA_KIND} "${caName}" not found`);
    const serial = normalizeSerial(serialText);
    const reason = parseRevocationReason(reasonText);
    const signing = await this.deps.keyring.current(tenant, caName);
    if (!signing)
      throw new ConflictError(`${CA_KIND} "${caName}" has no certificate: it has issued nothing to revoke`);
    const now = this.deps.now();
    const result = await this.deps.db.transaction(async (trx): Promise<RevocationResult> => {
      const row = await this.deps.issued.find(tenant, caName, serial, trx);
      if (!row) throw new NotFoundError(`certificate ${serial} was not issued by ${CA_KIND} "${caName}"`);
      if (row.revoked_at) {
        return {
          serial,
          revokedAt: row.revoked_at,
          reason: (row.revocation_reason ?? 'unspecified') as RevocationReason,
          alreadyRevoked: true,
        };
      }
      await this.deps.issued.revoke(trx, tenant, caName, serial, now, reason);
      await this.deps.crls.afterRevocation(trx, tenant, caName, [row.issuer_fingerprint], now);
      await this.deps.certificatesRevoked?.(trx, tenant, [row.fingerprint], now);
      await this.deps.journal.append(trx, context, [revokeRecord(caName, serial, reason, now)]);
      return { serial, revokedAt: now.toISOString(), reason, alreadyRevoked: false };
    });
    if (!result.alreadyRevoked) this.revoked();
    // Its finalizer waits for unrevoked certificates; without a wake-up it would look again only
    // when the last of them expires.
    if (ca.deletionTimestamp && !result.alreadyRevoked)
      this.deps.wake?.([{ tenant, kind: CA_KIND, name: caName }]);
    return result;
  }

  /**
   * Revokes every unexpired certificate issued to `owner` (e.g. a Device being deleted, a CA being
   * retired) but the one of serial `keep`, by whichever CAs issued them, republishing their CRLs.
   * Answers the serials revoked.
   */
  async revokeOwner(
    context: OperationContext,
    owner: { kind: string; name: string },
    reason: RevocationReason,
    keep?: string,
  ): Promise<string[]> {
    const now = this.deps.now();
    const issuers = await this.issuersOf(context.tenant, owner, now);
    const serials = await this.deps.db.transaction((trx) =>
      this.revokeOwnerIn(trx, context, issuers, owner, reason, now, keep),
    );
    if (serials.length > 0) this.revoked();
    return serials;
  }

  /**
   * Revokes every unexpired certificate of `owner` but the one of serial `keep`, as `superseded`:
   * a device enrolled again holds one identity, the new one (as Mender rejects a device's other
   * authentication sets when one is accepted), so a replaced or taken-over device's old key stops
   * working. Answers the serials revoked.
   */
  supersede(
    context: OperationContext,
    owner: { kind: string; name: string },
    keep: string,
  ): Promise<string[]> {
    return this.revokeOwner(context, owner, 'superseded', keep);
  }

  /** The names of the CAs holding unexpired, unrevoked certificates of `owner`. */
  issuersOf(tenant: string, owner: { kind: string; name: string }, now: Date): Promise<string[]> {
    return this.deps.issued.issuersOf(tenant, owner, now);
  }

  /** revokeOwner's work inside the caller's transaction, with issuers from issuersOf. */
  async revokeOwnerIn(
    trx: Knex.Transaction,
    context: OperationContext,
    issuers: readonly string[],
    owner: { kind: string; name: string },
    reason: RevocationReason,
    now: Date,
    keep?: string,
  ): Promise<string[]> {
    const revoked: string[] = [];
    for (const issuer of issuers) {
      const rows = await this.deps.issued.revokeOwnedBy(
        trx,
        context.tenant,
        issuer,
        owner,
        now,
        reason,
        keep,
      );
      if (rows.length === 0) continue;
      const fingerprints = rows.map((row) => row.issuerFingerprint);
      await this.deps.crls.afterRevocation(trx, context.tenant, issuer, fingerprints, now);
      await this.deps.certificatesRevoked?.(
        trx,
        context.tenant,
        rows.map((row) => row.fingerprint),
        now,
      );
      await this.deps.journal.append(
        trx,
        context,
        rows.map((row) => revokeRecord(issuer, row.serial, reason, now)),
      );
      revoked.push(...rows.map((row) => row.serial));
    }
    return revoked;
  }
}
