/**
 * What the CertificateAuthority reconciler observes and does: reads a CA's stored material for the
 * plan, generates keys and certificates, publishes CRLs, and retires a CA that is deleted. Each
 * action is one transaction (key, certificate, the parent's record of it, the CRL and the journal
 * entries commit together or not at all), so a crash leaves either the old material or the new,
 * and the next reconcile simply plans again.
 */

import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { OperationContext } from '../context.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import { requireDuration } from '../resources/duration.js';
import type { Database } from '../store/database.js';
import { createIntermediateCertificate, createRootCertificate } from './ca-certificate.js';
import { loadCaCredentials } from './ca-credentials.js';
import type { CaKeyring } from './ca-keyring.js';
import {
  type CaMaterialSummary,
  type CaPlan,
  type CaPlanSpec,
  DEFAULT_CA_VALIDITY,
  type ParentCaState,
} from './ca-plan.js';
import type { CaCertificate, CaRepository, PublishedCrl } from './ca-repository.js';
import { readCertificate } from './certificate-reader.js';
import type { CrlPlan, CrlPublisher } from './crl-publisher.js';
import type { IssuedRepository } from './issued-repository.js';
import {
  DEFAULT_KEY_ALGORITHM,
  exportPrivateKey,
  generateKeyPair,
  isKeyAlgorithm,
} from './key-algorithms.js';
import { hasConstraints } from './name-constraints.js';
import { CA_KIND, issueRecord } from './pki-journal.js';
import type { KeyRow } from './pki-tables.js';
import type { RevocationService } from './revocation-service.js';
import { formatSubject } from './subject.js';

/** A CA's stored state as the reconciler sees it. */
export interface CaObservation {
  /** The plan's input. */
  material: CaMaterialSummary;
  /** The current certificate, with its key's algorithm. */
  current?: CaCertificate & { keyAlgorithm: string };
  /** The CRL work due: one CRL per key that still has unexpired certificates. */
  crls: CrlPlan;
}

/** A plan that makes a new certificate. */
export type CertifyingPlan = Extract<CaPlan, { action: 'generateKeyAndCertificate' | 'renew' | 'reissue' }>;

export interface CaLifecycleDeps {
  db: Database;
  repository: CaRepository;
  issued: IssuedRepository;
  keyring: CaKeyring;
  crls: CrlPublisher;
  journal: JournalWriter;
  revocation: RevocationService;
}

export class CaLifecycle {
  constructor(private readonly deps: CaLifecycleDeps) {}

  async observe(tenant: string, name: string, now: Date): Promise<CaObservation> {
    const current = await this.deps.repository.current(tenant, name);
    if (!current) return { material: {}, crls: { publish: [], drop: [] } };
    const certificate = current.certificate;
    return {
      material: {
        key: { algorithm: isKeyAlgorithm(current.algorithm) ? current.algorithm : DEFAULT_KEY_ALGORITHM },
        certificate: {
          notBefore: certificate.notBefore,
          notAfter: certificate.notAfter,
          madeFor: certificate.madeFor,
          authorityKeyId: certificate.authorityKeyId,
        },
      },
      current: { ...certificate, keyAlgorithm: current.algorithm },
      crls: await this.deps.crls.plan(tenant, name, now),
    };
  }

  /** The parent as the plan needs it: Ready (resource) and signing material (store). */
  async parentState(tenant: string, parentName: string, resourceReady: boolean): Promise<ParentCaState> {
    const current = resourceReady ? await this.deps.repository.current(tenant, parentName) : undefined;
    if (!current) return { ready: false };
    return {
      ready: true,
      notAfter: current.certificate.notAfter,
      pathLen: current.certificate.pathLen,
      subjectKeyId: current.certificate.subjectKeyId,
    };
  }

  /**
   * Makes the certificate the plan asks for: a new key when the plan says so (or there is none),
   * else the current key re-certified; self-signed for roots, signed by the parent's current key
   * for intermediates (recorded as issued by the parent). Stores it as current, publishes a CRL
   * signed with it, and journals it, in one transaction.
   * @throws TerminalError PathLengthExceeded / ParentExpired from the certificate builders; a plain
   *   Error (retried) when the parent lost its certificate since it was seen Ready.
   */
  async certify(
    context: OperationContext,
    ca: { name: string; generation: number },
    spec: CaPlanSpec,
    plan: CertifyingPlan,
    now: Date,
  ): Promise<void> {
    const { repository, keyring, db } = this.deps;
    const tenant = context.tenant;
    const keyAlgorithm = spec.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM;
    const validity = spec.validity ?? DEFAULT_CA_VALIDITY[spec.type];
    const previous = await repository.current(tenant, ca.name);
    let key: KeyRow | undefined;
    let keyId: string;
    let privateKey: KeyObject;
    if (!previous || plan.action === 'generateKeyAndCertificate' || plan.newKey) {
      const pair = await generateKeyPair(keyAlgorithm);
      keyId = randomUUID();
      privateKey = pair.privateKey;
      key = {
        id: keyId,
        tenant,
        ca_name: ca.name,
        algorithm: keyAlgorithm,
        sealed_key: keyring.sealKey(tenant, ca.name, keyId, exportPrivateKey(pair.privateKey)),
        created_at: now.toISOString(),
      };
    } else {
      keyId = previous.keyId;
      privateKey = keyring.openKey(tenant, ca.name, keyId, previous.sealedKey);
    }
    const validityMs = requireDuration(validity);
    const parentName = spec.type === 'intermediate' ? spec.parentRef : undefined;
    const parent = parentName ? await keyring.current(tenant, parentName) : undefined;
    if (parentName && !parent)
      throw new Error(`parent CA ${parentName} has no certificate any more; retrying until it has`);
    const made = parent
      ? await createIntermediateCertificate({
          subject: spec.subject,
          publicKey: privateKey,
          validityMs,
          maxPathLen: spec.maxPathLen,
          nameConstraints: spec.nameConstraints,
          parent: parent.credentials,
          crlUrl: keyring.crlUrl(tenant, parent.name, parent.material.keyId),
          now,
        })
      : await createRootCertificate({
          subject: spec.subject,
          privateKey,
          validityMs,
          maxPathLen: spec.maxPathLen,
          nameConstraints: spec.nameConstraints,
          now,
        });
    const facts = readCertificate(made.der);
    const certificate: CaCertificate = {
      fingerprint: made.sha256Fingerprint,
      keyId,
      serial: made.serialHex,
      pem: made.pem,
      notBefore: made.notBefore,
      notAfter: made.notAfter,
      subjectKeyId: facts.subjectKeyIdentifier!.toString('hex'),
      authorityKeyId: facts.authorityKeyIdentifier?.toString('hex'),
      pathLen: facts.pathLen,
      madeFor: {
        subject: spec.subject,
        keyAlgorithm,
        validity,
        maxPathLen: spec.maxPathLen,
        parentRef: parentName,
        ...(hasConstraints(spec.nameConstraints) ? { nameConstraints: spec.nameConstraints } : {}),
      },
      parentName,
    };
    const credentials = loadCaCredentials(made.der, privateKey);
    const records: JournalRecord[] = [
      {
        operation: 'certificate',
        kind: CA_KIND,
        name: ca.name,
        generation: ca.generation,
        result: plan.action === 'renew' ? 'renewed' : 'issued',
        reason: plan.reason,
        changes: [
          {
            pointer: '/status/fingerprint',
            old: previous?.certificate.fingerprint,
            new: certificate.fingerprint,
          },
          {
            pointer: '/status/notAfter',
            old: previous?.certificate.notAfter.toISOString(),
            new: made.notAfter.toISOString(),
          },
          ...(key ? [{ pointer: '/status/keyAlgorithm', old: previous?.algorithm, new: keyAlgorithm }] : []),
        ],
      },
    ];
    await db.transaction(async (trx) => {
      await repository.makeCurrent(trx, tenant, ca.name, { key, certificate }, now);
      if (parent) {
        await this.deps.issued.insertMany(trx, [
          {
            tenant,
            ca_name: parent.name,
            serial: made.serialHex,
            fingerprint: made.sha256Fingerprint,
            subject: formatSubject(spec.subject),
            profile: 'ca',
            not_before: made.notBefore.toISOString(),
            not_after: made.notAfter.toISOString(),
            owner_kind: CA_KIND,
            owner_name: ca.name,
            issuer_fingerprint: parent.material.certificate.fingerprint,
            issued_at: now.toISOString(),
            revoked_at: null,
            revocation_reason: null,
          },
        ]);
        records.push(issueRecord(parent.name, made.serialHex, made.notAfter, `${CA_KIND}/${ca.name}`));
      }
      // The new certificate's key publishes at once; an earlier key's CRL stays as it was (signed
      // under that key's certificate) until the reconciler's next refresh of it.
      await this.deps.crls.publish(
        trx,
        tenant,
        ca.name,
        [{ keyId, credentials, fingerprint: certificate.fingerprint }],
        now,
      );
      await this.deps.journal.append(trx, context, records);
    });
  }

  /** Publishes the CRLs that are due (every key with unexpired certificates) and drops the rest. */
  async refreshCrls(tenant: string, name: string, now: Date): Promise<PublishedCrl[]> {
    return this.deps.db.transaction((trx) => this.deps.crls.refresh(trx, tenant, name, now));
  }

  /** Certificates of the CA that still vouch for someone (unexpired, unrevoked). */
  inUse(tenant: string, name: string, now: Date) {
    return this.deps.issued.inUse(tenant, name, now);
  }

  /**
   * Retires a CA that may go: its own certificates still valid at the CAs that issued them are
   * revoked there (cessationOfOperation, with those CAs' CRLs republished), then every trace of
   * its material is removed. Idempotent: a repeat after a crash finds nothing left to revoke.
   */
  async retire(context: OperationContext, name: string, now: Date): Promise<void> {
    const owner = { kind: CA_KIND, name };
    // Usually just the parent; more when parentRef changed over the CA's life.
    const issuers = await this.deps.revocation.issuersOf(context.tenant, owner, now);
    await this.deps.db.transaction(async (trx) => {
      await this.deps.revocation.revokeOwnerIn(trx, context, issuers, owner, 'cessationOfOperation', now);
      await this.deps.issued.purge(trx, context.tenant, name);
      await this.deps.repository.purge(trx, context.tenant, name);
    });
    // Its issued certificates are gone from the records: whoever cached them looks again.
    this.deps.revocation.revoked();
    this.deps.keyring.forget(context.tenant, name);
  }
}
