/**
 * Device attestation, in two calls. BeginAttestation: the device's EK certificate must chain to a
 * Ready AttestationAuthority of its format and match its permanent identifier; Steward answers a
 * credential-activation challenge bound to the attestation key's name and a fresh nonce, kept
 * (hashed secret) for five minutes and usable once. Attest: the activated secret, then a quote by
 * the attestation key over SHA-256(nonce ‖ the identity certificate's key). Apple devices send an
 * attestation chain whose nonce extension is SHA-256(nonce) and whose serial or UDID is the
 * device's identifier.
 *
 * Trust comes from the tenant's Ready AttestationAuthorities of the format: `roots` are the only
 * anchors, `intermediates` only help build the path. A TPM without an EK certificate sends its EK
 * public key (`ek_public_key`) instead, accepted only by an authority with
 * `allowEkPublicKeyWithoutCertificate` and only when it is the key the device's identifier names
 * (the operator's EK inventory).
 *
 * Every outcome is recorded on the device (device_records.attestation, shown as the `Attested`
 * condition and `assurance`) and journaled with actor `device:<name>`: `high` assurance is only
 * ever the result of a verification here.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { verifyAppleAttestation } from '../attestation/apple-attestation.js';
import type { AttestationFailureReason } from '../attestation/result.js';
import { beginTpmAttestation, verifyTpmAttestation } from '../attestation/tpm-attestation.js';
import type { OperationContext } from '../context.js';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { StoredResource } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { AttestationOutcome, DeviceRecords } from './device-records.js';
import type { AttestationChallengeRow } from './device-tables.js';

const CHALLENGES = 'device_attestation_challenges';
const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_BLOB = 8_192;
const MAX_CHAIN = 5;

/** The caller as the device API proved it, with the key of its identity certificate. */
export interface AttestingPeer {
  tenant: string;
  device: string;
  /** DER SubjectPublicKeyInfo of the client certificate the call came with. */
  spki?: Uint8Array;
}

export interface AttestationChallenge {
  id: string;
  nonce: Buffer;
  credentialBlob?: Buffer;
  encryptedSecret?: Buffer;
  expiresAt: Date;
}

export class AttestationService {
  constructor(
    private readonly deps: {
      db: Database;
      store: ResourceStore;
      records: DeviceRecords;
      journal: JournalWriter;
      changes: ChangeFeed;
      now: () => Date;
    },
  ) {}

  /**
   * @throws InvalidError (format, sizes), ConflictError (no Ready authority of the format),
   *   ForbiddenError naming the failed check (chain, identifier), recorded as Attested=False.
   */
  async begin(
    context: OperationContext,
    peer: AttestingPeer,
    input: { format: string; ekCertificate: Uint8Array; ekPublicKey?: Uint8Array; akPublic: Uint8Array },
  ): Promise<AttestationChallenge> {
    if (input.format !== 'tpm' && input.format !== 'apple')
      throw new InvalidError('format must be tpm or apple', {
        problems: [{ pointer: '/format', message: 'tpm or apple' }],
      });
    if (
      input.ekCertificate.length > MAX_BLOB ||
      input.akPublic.length > MAX_BLOB ||
      (input.ekPublicKey?.length ?? 0) > MAX_BLOB
    )
      throw new InvalidError(`ek_certificate and ak_public must be at most ${MAX_BLOB} bytes each`);
    const device = await this.device(peer);
    const authorities = await this.authorities(peer.tenant, input.format);
    const now = this.deps.now();
    const refuse = async (reason: AttestationFailureReason, message: string): Promise<never> => {
      await this.record(context, peer, {
        attested: false,
        format: input.format,
        authority: null,
        reason,
        message,
        at: now.toISOString(),
      });
      throw new ForbiddenError(`attestation refused (${reason}): ${message}`, {
        details: { check: reason },
      });
    };
    // The identifier a format attests to is only defined for the device of that platform.
    if (device.spec.platform !== input.format)
      await refuse(
        'IdentifierMismatch',
        `Device "${peer.device}" is of platform ${String(device.spec.platform)}: it cannot attest as ${input.format}`,
      );
    const nonce = randomBytes(32);
    const row: AttestationChallengeRow = {
      id: randomUUID(),
      tenant: peer.tenant,
      device_name: peer.device,
      format: input.format,
      authority: null,
      nonce,
      secret_hash: null,
      ak_public: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
    };
    let credential: { credentialBlob: Buffer; encryptedSecret: Buffer } | undefined;
    // A bare EK public key is trusted only because an operator registered it as the identifier:
    // never for a Device that registered itself (its identifier is then its own claim).
    const bareKey = input.ekCertificate.length === 0 && (input.ekPublicKey?.length ?? 0) > 0;
    if (
      input.format === 'tpm' &&
      bareKey &&
      (await this.deps.records.get(peer.tenant, peer.device))?.self_registered
    ) {
      const failure = {
        reason: 'Chain' as const,
        message: `a bare EK public key is trusted only for a Device an operator registered; "${peer.device}" registered itself when it enrolled: send the EK certificate`,
      };
      await this.record(context, peer, {
        attested: false,
        format: 'tpm',
        authority: null,
        ...failure,
        at: now.toISOString(),
      });
      throw new ForbiddenError(`attestation refused (Chain): ${failure.message}`, {
        details: { check: 'Chain' },
      });
    }
    if (input.format === 'tpm') {
      let failure: { reason: AttestationFailureReason; message: string } | undefined;
      for (const authority of authorities) {
        const trust = trustOf(authority);
        // The library checks everything, in its order: an empty EK certificate is refused (Chain)
        // unless the authority allows a bare EK public key, which this API cannot carry (Malformed);
        // an empty AK public area is Malformed. The identifier is ekIdentifier(EK public key).
        const checked = beginTpmAttestation({
          ekCertificateDer: input.ekCertificate,
          ...(input.ekPublicKey && input.ekPublicKey.length > 0 ? { ekPublicKeyDer: input.ekPublicKey } : {}),
          akPublic: input.akPublic,
          anchorsPem: trust.roots,
          intermediatesPem: trust.intermediates,
          allowEkPublicKeyWithoutCertificate: trust.allowEkPublicKeyWithoutCertificate,
          expectedIdentifier: String(device.spec.permanentIdentifier),
          now,
        });
        if (checked.ok) {
          row.authority = authority.name;
          row.secret_hash = createHash('sha256').update(checked.value.secret).digest('hex');
          row.ak_public = Buffer.from(input.akPublic);
          credential = checked.value;
          failure = undefined;
          break;
        }
        // A chain failure under one authority may pass under the next; any other failure is final.
        failure = checked;
        if (checked.reason !== 'Chain') break;
      }
      if (failure) await refuse(failure.reason, failure.message);
    }
    // One open challenge per device: a new one replaces any earlier (so a loop cannot pile them up).
    await this.deps.db.transaction(async (trx) => {
      await trx(CHALLENGES).where({ tenant: peer.tenant, device_name: peer.device }).delete();
      await trx(CHALLENGES).insert(row);
    });
    return {
      id: row.id,
      nonce,
      credentialBlob: credential?.credentialBlob,
      encryptedSecret: credential?.encryptedSecret,
      expiresAt: new Date(row.expires_at),
    };
  }

  /** Verifies the device's answer; the outcome (either way) is recorded and answered. */
  async complete(
    context: OperationContext,
    peer: AttestingPeer,
    input: {
      attestationId: string;
      activatedSecret: Uint8Array;
      quote: Uint8Array;
      quoteSignature: Uint8Array;
      certificateChain: Uint8Array[];
    },
  ): Promise<AttestationOutcome> {
    const unknown = () =>
      new NotFoundError(`attestation ${input.attestationId} is unknown or was already used`);
    // Only the device's own challenges exist for it: another device's (or tenant's) id is unknown.
    const mine = { id: input.attestationId, tenant: peer.tenant, device_name: peer.device };
    const challenge = await this.deps.db.knex<AttestationChallengeRow>(CHALLENGES).where(mine).first();
    if (!challenge) throw unknown();
    // Used once, whatever the outcome: only the call whose delete took the row goes on, so two
    // concurrent Attests with one id cannot both be verified.
    const taken = await this.deps.db.knex(CHALLENGES).where(mine).delete();
    if (taken !== 1) throw unknown();
    const now = this.deps.now();
    const at = now.toISOString();
    const fail = (reason: AttestationFailureReason, message: string) =>
      this.record(context, peer, {
        attested: false,
        format: challenge.format,
        authority: challenge.authority,
        reason,
        message,
        at,
      });
    if (at >= challenge.expires_at)
      return fail(
        'Nonce',
        `the challenge expired at ${challenge.expires_at}: its nonce is stale; begin again`,
      );
    if (!peer.spki) return fail('Malformed', 'the call carried no identity certificate key to bind');

    if (challenge.format === 'tpm') {
      // Only the secret's hash is kept, so the constant-time comparison is of the hashes; the
      // library's own comparison below is then of the presented secret with itself.
      const presented = createHash('sha256').update(input.activatedSecret).digest();
      const expected = Buffer.from(challenge.secret_hash ?? '', 'hex');
      if (
        input.activatedSecret.length === 0 ||
        expected.length !== presented.length ||
        !timingSafeEqual(expected, presented)
      )
        return fail(
          'Activation',
          'the activated secret is not the one encrypted to the EK: credential activation failed',
        );
      const verified = verifyTpmAttestation({
        expectedSecret: Buffer.from(input.activatedSecret),
        activatedSecret: input.activatedSecret,
        akPublic: challenge.ak_public ?? new Uint8Array(),
        nonce: challenge.nonce,
        identitySpkiDer: peer.spki,
        quote: input.quote,
        signature: input.quoteSignature,
      });
      if (!verified.ok) return fail(verified.reason, verified.message);
      return this.record(context, peer, {
        attested: true,
        format: 'tpm',
        authority: challenge.authority,
        reason: 'Verified',
        key: keyOf(peer.spki),
        message: `TPM attestation verified: EK chains to AttestationAuthority "${challenge.authority}", credential activated, quote over the nonce and the identity key`,
        at,
      });
    }

    if (input.certificateChain.length === 0 || input.certificateChain.length > MAX_CHAIN)
      return fail(
        'Malformed',
        `an Apple attestation needs a certificate chain of 1 to ${MAX_CHAIN} certificates`,
      );
    const device = await this.device(peer);
    let failure: { reason: AttestationFailureReason; message: string } | undefined;
    for (const authority of await this.authorities(peer.tenant, 'apple')) {
      const verified = verifyAppleAttestation({
        chainDer: input.certificateChain,
        anchorsPem: trustOf(authority).roots,
        intermediatesPem: trustOf(authority).intermediates,
        nonce: challenge.nonce,
        expectedIdentifier: String(device.spec.permanentIdentifier),
        identitySpkiDer: peer.spki,
        now,
      });
      if (verified.ok)
        return this.record(context, peer, {
          attested: true,
          format: 'apple',
          authority: authority.name,
          reason: 'Verified',
          key: keyOf(peer.spki),
          message: `Apple attestation verified against AttestationAuthority "${authority.name}"`,
          at,
        });
      failure = verified;
      if (verified.reason !== 'Chain') break;
    }
    return fail(failure?.reason ?? 'Chain', failure?.message ?? 'no AttestationAuthority accepted the chain');
  }

  private async device(peer: AttestingPeer): Promise<StoredResource> {
    const device = await this.deps.store.get({ tenant: peer.tenant, kind: 'Device', name: peer.device });
    if (!device) throw new NotFoundError(`Device "${peer.device}" does not exist`);
    return device;
  }

  /** The Ready AttestationAuthorities of a format, by name. */
  private async authorities(tenant: string, format: string): Promise<StoredResource[]> {
    const all = await this.deps.store.list(tenant, 'AttestationAuthority', { limit: 100 });
    const usable = all.filter(
      (authority) =>
        authority.spec.format === format &&
        !authority.deletionTimestamp &&
        authority.status.conditions?.some(
          (condition) => condition.type === 'Ready' && condition.status === 'True',
        ),
    );
    if (usable.length === 0)
      throw new ConflictError(
        `no Ready AttestationAuthority of format ${format} in this tenant to attest against`,
      );
    return usable;
  }

  private async record(
    context: OperationContext,
    peer: AttestingPeer,
    outcome: AttestationOutcome,
  ): Promise<AttestationOutcome> {
    await this.deps.db.transaction(async (trx) => {
      await this.deps.records.attested(trx, peer.tenant, peer.device, outcome);
      await this.deps.journal.append(trx, context, [
        {
          operation: 'attest',
          kind: 'Device',
          name: peer.device,
          result: outcome.attested ? 'verified' : 'failed',
          reason: `${outcome.reason}: ${outcome.message}`,
          changes: [
            {
              pointer: '/attestation',
              new: { attested: outcome.attested, format: outcome.format, reason: outcome.reason },
            },
          ],
        },
      ]);
    });
    this.deps.changes.publish([{ tenant: peer.tenant, kind: 'Device', name: peer.device }]);
    return outcome;
  }
}

/**
 * An AttestationAuthority's trust: `roots` are the anchors; `intermediates` only complete a path
 * to them (never anchors themselves); the bare-EK allowance is off unless set to true.
 */
function trustOf(authority: StoredResource): {
  roots: string[];
  intermediates: string[];
  allowEkPublicKeyWithoutCertificate: boolean;
} {
  const spec = authority.spec as {
    roots?: string[];
    intermediates?: string[];
    allowEkPublicKeyWithoutCertificate?: boolean;
  };
  return {
    roots: spec.roots ?? [],
    intermediates: spec.intermediates ?? [],
    allowEkPublicKeyWithoutCertificate: spec.allowEkPublicKeyWithoutCertificate === true,
  };
}

/** SHA-256 (hex) of the identity key an attestation bound: its assurance is that key's only. */
function keyOf(spki: Uint8Array | undefined): string | undefined {
  return spki ? createHash('sha256').update(spki).digest('hex') : undefined;
}
