/**
 * Certificate revocation lists (RFC 5280 §5): v2 CRLs signed by the issuing CA, published at
 * `${publicUrl}/pki/${tenant}/${caName}/crl` (DER, `application/pkix-crl`).
 */
import { type FieldProblem, InvalidError } from '../errors.js';
import type { CaCredentials } from './ca-credentials.js';
import { bitString, contextConstructed, enumerated, integer, oid, sequence, time } from './der.js';
import { authorityKeyIdentifierExtension, extension } from './extensions.js';
import { toPem } from './pem.js';

/** RFC 5280 §5.3.1 CRLReason names and codes (7 is unused by the RFC). */
export const REVOCATION_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASON_CODES;

export function isRevocationReason(value: unknown): value is RevocationReason {
  return typeof value === 'string' && Object.hasOwn(REVOCATION_REASON_CODES, value);
}

export interface RevokedCertificate {
  /** Serial as IssuedCertificate.serialHex gives it (hex, any case, optional leading zeros). */
  serialHex: string;
  revokedAt: Date;
  /** Omitted or `unspecified` = no reasonCode entry extension (RFC 5280 advises against writing unspecified). */
  reason?: RevocationReason;
}

export interface CrlRequest {
  ca: CaCredentials;
  revoked: readonly RevokedCertificate[];
  thisUpdate: Date;
  /** When the next CRL will be published at the latest; clients treat the CRL as stale after it. */
  nextUpdate: Date;
  /**
   * cRLNumber: must increase with every CRL the CA publishes (RFC 5280 §5.2.3). The caller keeps it
   * (e.g. a counter on the CA record); using thisUpdate in seconds is a valid choice when no two CRLs
   * of one CA are made in the same second.
   */
  crlNumber: bigint | number;
}

export interface SignedCrl {
  der: Buffer;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
}

const OID_CRL_NUMBER = oid('2.5.29.20');
const OID_REASON_CODE = oid('2.5.29.21');
const VERSION_2 = integer(1);

/**
 * Builds and signs a v2 CRL. Entries are written in serial order so the same input gives the same
 * bytes apart from the signature. Pure (ECDSA signatures are randomised).
 * @throws InvalidError for a malformed serial, an unknown reason, or nextUpdate not after thisUpdate.
 */
export function buildCrl(request: CrlRequest): SignedCrl {
  const problems = crlProblems(request);
  if (problems.length > 0) throw new InvalidError(`invalid CRL: ${problems[0].message}`, { problems });
  const entries = [...request.revoked]
    .map((entry) => ({ entry, serial: BigInt(`0x${entry.serialHex}`) }))
    .sort((left, right) => (left.serial < right.serial ? -1 : left.serial > right.serial ? 1 : 0))
    .map(({ entry, serial }) => {
      const fields = [integer(serial), time(entry.revokedAt)];
      if (entry.reason && entry.reason !== 'unspecified') {
        const reasonCode = extension(
          OID_REASON_CODE,
          false,
          enumerated(REVOCATION_REASON_CODES[entry.reason]),
        );
        fields.push(sequence(reasonCode));
      }
      return sequence(...fields);
    });
  const crlNumber = BigInt(request.crlNumber);
  const crlExtensions = sequence(
    authorityKeyIdentifierExtension(request.ca.keyIdentifier),
    extension(OID_CRL_NUMBER, false, integer(crlNumber)),
  );
  const tbsFields = [
    VERSION_2,
    request.ca.signer.algorithmIdentifier,
    request.ca.certificate.subjectName,
    time(request.thisUpdate),
    time(request.nextUpdate),
  ];
  // revokedCertificates is OPTIONAL and DER forbids an empty SEQUENCE OF here: omit it when empty.
  if (entries.length > 0) tbsFields.push(sequence(...entries));
  tbsFields.push(contextConstructed(0, crlExtensions));
  const tbs = sequence(...tbsFields);
  const der = sequence(tbs, request.ca.signer.algorithmIdentifier, bitString(request.ca.signer.sign(tbs)));
  return {
    der,
    pem: crlToPem(der),
    thisUpdate: request.thisUpdate,
    nextUpdate: request.nextUpdate,
    crlNumber,
  };
}

/** PEM (`X509 CRL`) of a DER CRL. Pure. */
export function crlToPem(der: Uint8Array): string {
  return toPem('X509 CRL', der);
}

function crlProblems(request: CrlRequest): FieldProblem[] {
  const problems: FieldProblem[] = [];
  request.revoked.forEach((entry, index) => {
    if (!/^[0-9a-fA-F]{1,40}$/.test(entry.serialHex) || /^0+$/.test(entry.serialHex)) {
      problems.push({
        pointer: `/revoked/${index}/serialHex`,
        message: `${JSON.stringify(entry.serialHex)} is not a positive hex serial of at most 20 bytes`,
      });
    }
    if (entry.reason !== undefined && !isRevocationReason(entry.reason)) {
      problems.push({
        pointer: `/revoked/${index}/reason`,
        message: `unknown revocation reason ${JSON.stringify(entry.reason)}`,
      });
    }
  });
  if (request.nextUpdate.getTime() <= request.thisUpdate.getTime()) {
    problems.push({ pointer: '/nextUpdate', message: 'nextUpdate must be after thisUpdate' });
  }
  if (BigInt(request.crlNumber) < 0n)
    problems.push({ pointer: '/crlNumber', message: 'crlNumber must not be negative' });
  return problems;
}
