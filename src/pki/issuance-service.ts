/**
 * Issuing leaf certificates under a tenant's CA, for operators (POST .../certificates) and for the
 * device API (enrollment, renewal). Signing happens in memory first; then every certificate is
 * recorded (one multi-row INSERT per few thousand) and journaled in one transaction, and only a
 * committed certificate is handed back: nothing leaves the server unrecorded.
 */
import type { KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { formatDuration } from '../contract/duration.js';
import { ConflictError, type FieldProblem, InvalidError, NotFoundError, TerminalError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { requireDuration } from '../resources/duration.js';
import type { StoredResource } from '../resources/model.js';
import type { Database, Executor } from '../store/database.js';
import { GroupCommit } from '../store/group-commit.js';
import { SingleFlight } from '../store/single-flight.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { CaKeyring, SigningCa } from './ca-keyring.js';
import type { IssuedCertificate } from './certificate-assembly.js';
import { type SubjectAltNames, subjectAltNameProblems } from './extensions.js';
import type { IssuedRepository } from './issued-repository.js';
import type { CertificateProfile } from './issuer.js';
import { parseLeafRequest } from './leaf-request.js';
import { nameConstraintViolation } from './name-constraints.js';
import { CA_KIND, issueRecord } from './pki-journal.js';
import type { IssuedRow } from './pki-tables.js';
import type { SubjectSpec } from './subject.js';

/** Leaf validity when the CA's spec sets no `leafValidity` (the schema's default). */
export const DEFAULT_LEAF_VALIDITY = '8760h';

export interface LeafIssueRequest {
  /** The key to certify: SPKI (PEM or DER) or a KeyObject. Give this or `csr`. */
  publicKey?: Uint8Array | string | KeyObject;
  /** A PKCS#10 request (PEM or DER): its signature is checked and only its key is used. */
  csr?: Uint8Array | string;
  subject: SubjectSpec;
  /** For devices, the permanent identifier as a URI (see permanentIdentifierUri). */
  subjectAltNames?: SubjectAltNames;
  profile: CertificateProfile;
  /** Requested lifetime; default and maximum: the CA's `leafValidity`. Clipped to the CA's notAfter. */
  validityMs?: number;
  /** The resource the certificate identifies, recorded for revocation (e.g. a Device). */
  owner?: { kind: string; name: string };
}

export interface IssuanceDeps {
  db: Database;
  store: ResourceStore;
  keyring: CaKeyring;
  issued: IssuedRepository;
  journal: JournalWriter;
  now: () => Date;
}

/**
 * The URI SAN that carries a device's permanent identifier: identifiers that are URIs already
 * (`urn:ek:sha256:...` for TPMs) as they are, anything else (serial numbers, machine ids) as
 * `urn:steward:device:<platform>:<identifier>`, percent-encoded. Pure.
 */
export function permanentIdentifierUri(platform: string, identifier: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(identifier)) return identifier;
  return `urn:steward:device:${encodeURIComponent(platform)}:${encodeURIComponent(identifier)}`;
}

/** One issuance's writes, waiting to share a transaction with others (GroupCommit). */
interface PendingRecord {
  context: OperationContext;
  rows: IssuedRow[];
  records: ReturnType<typeof issueRecord>[];
}

export class IssuanceService {
  /**
   * Single issuances from the API (every enrolling device makes one) share transactions: one
   * multi-row INSERT and one journal append per caller, one commit for all waiting.
   */
  private readonly singles: GroupCommit<PendingRecord>;
  /** Concurrent issuances under one CA share the lookup of its resource and signing material. */
  private readonly lookups = new SingleFlight<{ ca: StoredResource; signing: SigningCa }>();
  /** Benchmark-only switch (bench/issue.ts): one transaction per call, to measure the grouping. */
  ungroupedForBenchmark = false;

  constructor(private readonly deps: IssuanceDeps) {
    this.singles = new GroupCommit((pending) => this.commitSingles(pending));
  }

  private commitSingles(pending: PendingRecord[]): Promise<void> {
    return this.deps.db.transaction(async (trx) => {
      await this.deps.issued.insertMany(
        trx,
        pending.flatMap((one) => one.rows),
      );
      // Each caller's entry under its own actor and request; one statement for all of them.
      await this.deps.journal.appendEach(trx, pending);
    });
  }

  /**
   * Issues one certificate per request under CA `caName` of the context's tenant. Atomic: any
   * invalid request fails them all (every problem reported, with its request index as `document`).
   * Pass `trx` to issue inside the caller's transaction (e.g. with a device's own writes).
   * @throws NotFoundError (no such CA), ConflictError (CA being deleted, without a certificate,
   *   or expired), InvalidError (keys, CSRs, subjects, SANs, validities).
   */
  async issue(
    context: OperationContext,
    caName: string,
    requests: readonly LeafIssueRequest[],
    options: { trx?: Knex.Transaction } = {},
  ): Promise<IssuedCertificate[]> {
    const executor: Executor = options.trx ?? this.deps.db.knex;
    const { ca, signing } = await this.signingCa(context.tenant, caName, executor);
    return this.issueWith(context, ca, signing, requests, options.trx);
  }

  /**
   * Issues one certificate from an API request body (see leaf-request.ts). The CA is looked up
   * before the body is read: another tenant's caller learns "not found", nothing about its input.
   */
  async issueFromBody(context: OperationContext, caName: string, body: unknown): Promise<IssuedCertificate> {
    const { ca, signing } = await this.lookups.run(`${context.tenant}/${caName}`, () =>
      this.signingCa(context.tenant, caName, this.deps.db.knex),
    );
    return this.issueGrouped(context, ca, signing, parseLeafRequest(body));
  }

  /**
   * Issues one certificate for a checked request, committed together with concurrent ones (the
   * device API: every enrolling or renewing device makes one).
   */
  async issueOne(
    context: OperationContext,
    caName: string,
    request: LeafIssueRequest,
    options: { clipValidity?: boolean } = {},
  ): Promise<IssuedCertificate> {
    const { ca, signing } = await this.lookups.run(`${context.tenant}/${caName}`, () =>
      this.signingCa(context.tenant, caName, this.deps.db.knex),
    );
    // A device asks for its spec's validity: the CA's leafValidity bounds it instead of refusing.
    const validityMs =
      options.clipValidity && request.validityMs !== undefined
        ? Math.min(request.validityMs, leafValidityOf(ca))
        : request.validityMs;
    return this.issueGrouped(context, ca, signing, { ...request, validityMs });
  }

  private async issueGrouped(
    context: OperationContext,
    ca: StoredResource,
    signing: SigningCa,
    request: LeafIssueRequest,
  ): Promise<IssuedCertificate> {
    const prepared = this.prepare(context, ca, signing, [request]);
    // Answered only once committed: nothing leaves the server unrecorded.
    const pending = { context, rows: prepared.rows, records: prepared.records };
    await (this.ungroupedForBenchmark ? this.commitSingles([pending]) : this.singles.submit(pending));
    return prepared.issued[0];
  }

  private async issueWith(
    context: OperationContext,
    ca: StoredResource,
    signing: SigningCa,
    requests: readonly LeafIssueRequest[],
    trx?: Knex.Transaction,
  ): Promise<IssuedCertificate[]> {
    const { issued, rows, records } = this.prepare(context, ca, signing, requests);
    const record = async (trx: Knex.Transaction) => {
      await this.deps.issued.insertMany(trx, rows);
      await this.deps.journal.append(trx, context, records);
    };
    if (trx) await record(trx);
    else await this.deps.db.transaction(record);
    return issued;
  }

  /** Signs every request in memory (all problems at once) and builds their rows and entries. Pure but for the clock. */
  private prepare(
    context: OperationContext,
    ca: StoredResource,
    signing: SigningCa,
    requests: readonly LeafIssueRequest[],
  ): { issued: IssuedCertificate[]; rows: IssuedRow[]; records: ReturnType<typeof issueRecord>[] } {
    const caName = ca.name;
    const maxValidity = leafValidityOf(ca);
    const maxNames = maxSubjectAltNamesOf(ca);
    const now = this.deps.now();
    const issued: IssuedCertificate[] = [];
    const problems: FieldProblem[] = [];
    requests.forEach((request, index) => {
      try {
        issued.push(issueOne(signing, request, { maxValidityMs: maxValidity, maxNames }, now));
      } catch (error) {
        if (error instanceof TerminalError)
          throw new ConflictError(`CertificateAuthority "${caName}": ${error.message}`);
        if (!(error instanceof InvalidError)) throw error;
        const found = error.problems.length > 0 ? error.problems : [{ pointer: '', message: error.message }];
        for (const problem of found) problems.push({ ...problem, document: index });
      }
    });
    if (problems.length > 0) {
      const where = requests.length > 1 ? `request ${problems[0].document}: ` : '';
      throw new InvalidError(`cannot issue: ${where}${problems[0].message}`, { problems });
    }
    const issuedAt = now.toISOString();
    const rows: IssuedRow[] = issued.map((certificate, index) => ({
      tenant: context.tenant,
      ca_name: caName,
      serial: certificate.serialHex,
      fingerprint: certificate.sha256Fingerprint,
      subject: certificate.subject,
      profile: requests[index].profile,
      not_before: certificate.notBefore.toISOString(),
      not_after: certificate.notAfter.toISOString(),
      owner_kind: requests[index].owner?.kind ?? null,
      owner_name: requests[index].owner?.name ?? null,
      issuer_fingerprint: signing.material.certificate.fingerprint,
      issued_at: issuedAt,
      revoked_at: null,
      revocation_reason: null,
    }));
    const records = issued.map((certificate, index) => {
      const owner = requests[index].owner;
      return issueRecord(
        caName,
        certificate.serialHex,
        certificate.notAfter,
        owner && `${owner.kind}/${owner.name}`,
      );
    });
    return { issued, rows, records };
  }

  /** The CA resource and its signing material; refuses CAs that cannot issue. */
  private async signingCa(
    tenant: string,
    caName: string,
    executor: Executor,
  ): Promise<{ ca: StoredResource; signing: SigningCa }> {
    const ca = await this.deps.store.get({ tenant, kind: CA_KIND, name: caName }, executor);
    if (!ca) throw new NotFoundError(`${CA_KIND} "${caName}" not found`);
    if (ca.deletionTimestamp)
      throw new ConflictError(`${CA_KIND} "${caName}" is being deleted and issues no more certificates`);
    const signing = await this.deps.keyring.current(tenant, caName, executor);
    if (!signing) {
      const ready = ca.status.conditions?.find((condition) => condition.type === 'Ready');
      const why = ready ? ` (Ready=${ready.status} ${ready.reason}: ${ready.message})` : '';
      throw new ConflictError(`${CA_KIND} "${caName}" has no certificate yet${why}`);
    }
    return { ca, signing };
  }
}

/** The CA's `spec.leafValidity` in ms: default and upper bound of its leaves' validity. */
export function leafValidityOf(ca: StoredResource): number {
  const text = typeof ca.spec.leafValidity === 'string' ? ca.spec.leafValidity : DEFAULT_LEAF_VALIDITY;
  return requireDuration(text);
}

/** The CA's `spec.maxSubjectAltNames`: how many names one leaf may carry. */
export function maxSubjectAltNamesOf(ca: StoredResource): number {
  const value = ca.spec.maxSubjectAltNames;
  return typeof value === 'number' ? value : DEFAULT_MAX_SUBJECT_ALT_NAMES;
}

/** Names per leaf unless the CA says otherwise: enough for any server, far below abuse. */
export const DEFAULT_MAX_SUBJECT_ALT_NAMES = 100;
/**
 * The largest leaf certificate issued, DER bytes: 16 KiB is several times any real leaf (a device
 * certificate is ~600 bytes) and keeps TLS handshakes and the issued-certificate table small.
 */
export const MAX_CERTIFICATE_BYTES = 16_384;

function issueOne(
  signing: SigningCa,
  request: LeafIssueRequest,
  limits: { maxValidityMs: number; maxNames: number },
  now: Date,
): IssuedCertificate {
  const { maxValidityMs, maxNames } = limits;
  const names = request.subjectAltNames;
  const count = names
    ? [names.dnsNames, names.uris, names.emails, names.ipAddresses, names.permanentIdentifiers].reduce(
        (sum, list) => sum + (Array.isArray(list) ? list.length : 0),
        0,
      )
    : 0;
  if (count > maxNames) {
    const message = `${count} subject alternative names exceed the CA's limit of ${maxNames} (spec.maxSubjectAltNames)`;
    throw new InvalidError(message, { problems: [{ pointer: '/subjectAltNames', message }] });
  }
  const validityMs = request.validityMs ?? maxValidityMs;
  if (validityMs > maxValidityMs) {
    const message = `validity ${formatDuration(validityMs)} exceeds the CA's leafValidity ${formatDuration(maxValidityMs)}`;
    throw new InvalidError(message, { problems: [{ pointer: '/validity', message }] });
  }
  // Malformed names are left to the issuer, which names each problem; well-formed ones must fit.
  if (signing.constraints.length > 0 && (!names || subjectAltNameProblems(names).length === 0)) {
    const outside = nameConstraintViolation(signing.constraints, names, request.subject.commonName);
    if (outside) throw new InvalidError(outside.message, { problems: [outside] });
  }
  if ((request.csr === undefined) === (request.publicKey === undefined)) {
    const message = 'give exactly one of csr and publicKey';
    throw new InvalidError(message, { problems: [{ pointer: '', message }] });
  }
  const leaf = {
    subject: request.subject,
    subjectAltNames: request.subjectAltNames,
    profile: request.profile,
    validityMs,
    now,
  };
  const issued =
    request.csr !== undefined
      ? signing.issuer.issueForCsr(request.csr, leaf)
      : signing.issuer.issueForPublicKey(request.publicKey!, leaf);
  if (issued.der.length > MAX_CERTIFICATE_BYTES) {
    // Signed but never recorded nor returned: it does not exist for anyone.
    const message = `the certificate would be ${issued.der.length} bytes, more than the limit of ${MAX_CERTIFICATE_BYTES}: request fewer or shorter names`;
    throw new InvalidError(message, { problems: [{ pointer: '/subjectAltNames', message }] });
  }
  return issued;
}
