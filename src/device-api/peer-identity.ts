/**
 * Who is calling the device API: the client certificate of the TLS connection, looked up by its
 * SHA-256 fingerprint among the certificates Steward issued. The exact bytes must match a record,
 * so the chain is Steward's by construction (TLS has already proven possession of the key); the
 * record names the tenant, the CA and the Device.
 *
 * Revocation and expiry are checked on every call, not per connection. What a certificate is (its
 * record, its Device) is cached for a second; a revocation committed in this process is seen on the
 * very next call (RevocationService counts them), one committed by another process within that
 * second. Lookups of calls arriving together share one query (DataLoader).
 */
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { UnauthorizedError } from '../errors.js';
import type { Database } from '../store/database.js';

/** A verified caller: a Device of a tenant, holding a valid certificate. */
export interface DevicePeer {
  tenant: string;
  device: string;
  caName: string;
  serial: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

interface CertificateFacts {
  tenant: string;
  ca_name: string;
  serial: string;
  owner_kind: string | null;
  owner_name: string | null;
  not_before: string;
  not_after: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  device_exists: string | number | null;
  deletion_timestamp: string | null;
}

/** Why a presented certificate is refused, or the peer it proves. Pure. */
export function judgeCertificate(
  fingerprint: string,
  facts: CertificateFacts | undefined,
  now: Date,
): { ok: true; peer: DevicePeer } | { ok: false; check: string; message: string } {
  if (!facts)
    return {
      ok: false,
      check: 'UnknownCertificate',
      message: `the client certificate (SHA-256 ${fingerprint}) was not issued by this Steward`,
    };
  const serial = facts.serial;
  if (facts.owner_kind !== 'Device' || !facts.owner_name)
    return {
      ok: false,
      check: 'NotADevice',
      message: `certificate ${serial} was not issued to a Device`,
    };
  if (facts.revoked_at)
    return {
      ok: false,
      check: 'Revoked',
      message: `certificate ${serial} of Device "${facts.owner_name}" was revoked at ${facts.revoked_at} (${facts.revocation_reason ?? 'unspecified'})`,
    };
  if (now.toISOString() >= facts.not_after)
    return {
      ok: false,
      check: 'Expired',
      message: `certificate ${serial} of Device "${facts.owner_name}" expired at ${facts.not_after}; enroll again`,
    };
  if (now.toISOString() < facts.not_before)
    return {
      ok: false,
      check: 'NotYetValid',
      message: `certificate ${serial} is not valid before ${facts.not_before}`,
    };
  if (!facts.device_exists)
    return { ok: false, check: 'DeviceGone', message: `Device "${facts.owner_name}" no longer exists` };
  if (facts.deletion_timestamp)
    return { ok: false, check: 'DeviceDeleting', message: `Device "${facts.owner_name}" is being deleted` };
  return {
    ok: true,
    peer: {
      tenant: facts.tenant,
      device: facts.owner_name,
      caName: facts.ca_name,
      serial,
      fingerprint,
      notBefore: new Date(facts.not_before),
      notAfter: new Date(facts.not_after),
    },
  };
}

/**
 * How long what a certificate is (its record, its Device) is believed without looking again. A
 * revocation committed in this process is seen at once (the revocation count moves); one made by
 * another process, at most this late.
 */
const FRESH_MS = 1_000;
/** Cached certificates at most; beyond, the cache starts over (a fleet's worth fits). */
const MAX_CACHED = 200_000;

export class PeerIdentities {
  private readonly loader: DataLoader<string, CertificateFacts | undefined>;
  private known = new Map<string, { facts: CertificateFacts | undefined; revocations: number; at: number }>();

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
    /** The count of revocations committed in this process (RevocationService.revocations). */
    private readonly revocations: () => number = () => 0,
  ) {
    // No cache: every call must see revocations made since the last one.
    this.loader = new DataLoader((fingerprints) => this.lookup(fingerprints), {
      cache: false,
      maxBatchSize: 500,
      // HTTP/2 hands each request over in its own callback: waiting for the end of the event
      // loop's I/O phase (not the microtask queue, DataLoader's default) is what gathers them.
      batchScheduleFn: (callback) => setImmediate(callback),
    });
  }

  /** SHA-256 of a DER certificate, lower-case hex (as issued certificates are recorded). */
  static fingerprintOf(der: Uint8Array): string {
    return createHash('sha256').update(der).digest('hex');
  }

  /**
   * The Device proven by a certificate's fingerprint.
   * @throws UnauthorizedError naming the failed check (details.check).
   */
  async verify(fingerprint: string): Promise<DevicePeer> {
    const revocations = this.revocations();
    const at = Date.now();
    let entry = this.known.get(fingerprint);
    if (!entry || entry.revocations !== revocations || at - entry.at > FRESH_MS) {
      entry = { facts: await this.loader.load(fingerprint), revocations, at };
      if (this.known.size >= MAX_CACHED) this.known = new Map();
      this.known.set(fingerprint, entry);
    }
    // Expiry is judged now, on every call, whatever was cached.
    const verdict = judgeCertificate(fingerprint, entry.facts, this.now());
    if (!verdict.ok) throw new UnauthorizedError(verdict.message, { details: { check: verdict.check } });
    return verdict.peer;
  }

  private async lookup(fingerprints: readonly string[]): Promise<Array<CertificateFacts | undefined>> {
    const rows: Array<CertificateFacts & { fingerprint: string }> = await this.db
      .knex('pki_issued_certificates as i')
      .leftJoin('resources as r', (join) =>
        join
          .on('r.tenant', '=', 'i.tenant')
          .andOn('r.name', '=', 'i.owner_name')
          .andOnVal('r.kind', '=', 'Device'),
      )
      .whereIn('i.fingerprint', fingerprints as string[])
      .select(
        'i.fingerprint',
        'i.tenant',
        'i.ca_name',
        'i.serial',
        'i.owner_kind',
        'i.owner_name',
        'i.not_before',
        'i.not_after',
        'i.revoked_at',
        'i.revocation_reason',
        'r.id as device_exists',
        'r.deletion_timestamp',
      );
    const byFingerprint = new Map(rows.map((row) => [row.fingerprint, row]));
    return fingerprints.map((fingerprint) => byFingerprint.get(fingerprint));
  }
}
