/**
 * Certificate revocation lists (RFC 5280 §5): v2 CRLs signed by the issuing CA, published at
 * `${publicUrl}/pki/${tenant}/${caName}/crl` (DER, `application/pkix-crl`).
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the polyfill loaded first;
// here, so that whoever imports the CRL builder (a test, a script) need not know.
import 'reflect-metadata';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { type FieldProblem, InvalidError } from '../errors.js';
import type { CaCredentials } from './ca-credentials.js';
import { webCryptoSigner } from './key-algorithms.js';
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

const OID_CRL_NUMBER = '2.5.29.20';

/**
 * Builds and signs a v2 CRL with @peculiar/x509 (CRLs are rare: revocations and weekly refreshes,
 * so the library's cost does not matter and its encoder is the one relying parties' tools are
 * tested against). Entries are written in serial order so the same input gives the same bytes
 * apart from the signature. The issuer is the CA certificate's subject Name byte for byte.
 * @throws InvalidError for a malformed serial, an unknown reason, or nextUpdate not after thisUpdate.
 */
export async function buildCrl(request: CrlRequest): Promise<SignedCrl> {
  const problems = crlProblems(request);
  if (problems.length > 0) throw new InvalidError(`invalid CRL: ${problems[0].message}`, { problems });
  const entries = [...request.revoked]
    .map((entry) => ({ entry, serial: BigInt(`0x${entry.serialHex}`) }))
    .sort((left, right) => (left.serial < right.serial ? -1 : left.serial > right.serial ? 1 : 0))
    .map(({ entry, serial }) => ({
      serialNumber: serialHexOf(serial),
      revocationDate: entry.revokedAt,
      // RFC 5280 advises against writing `unspecified`: no reasonCode entry extension then.
      ...(entry.reason && entry.reason !== 'unspecified'
        ? { reason: REVOCATION_REASON_CODES[entry.reason] as number as x509.X509CrlReason }
        : {}),
    }));
  const crlNumber = BigInt(request.crlNumber);
  const { signingKey, signingAlgorithm } = await webCryptoSigner(
    request.ca.signer.algorithm,
    request.ca.signer.privateKey,
  );
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.Name(request.ca.certificate.subjectName),
    thisUpdate: request.thisUpdate,
    nextUpdate: request.nextUpdate,
    entries,
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(request.ca.keyIdentifier.toString('hex')),
      new x509.Extension(OID_CRL_NUMBER, false, AsnConvert.serialize(new CRLNumber(Number(crlNumber)))),
    ],
    // Node's webcrypto types and the DOM's that the library names are the same objects.
    signingKey: signingKey as unknown as x509.X509CrlCreateParams['signingKey'],
    signingAlgorithm,
  });
  const der = Buffer.from(crl.rawData);
  return {
    der,
    pem: crlToPem(der),
    thisUpdate: request.thisUpdate,
    nextUpdate: request.nextUpdate,
    crlNumber,
  };
}

/** The serial as @peculiar/x509 takes it: hex of the positive INTEGER's DER content (a leading 00 when the top bit is set). */
function serialHexOf(serial: bigint): string {
  let hex = serial.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Number.parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex;
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
  if (BigInt(request.crlNumber) < 0n || BigInt(request.crlNumber) > BigInt(Number.MAX_SAFE_INTEGER))
    problems.push({ pointer: '/crlNumber', message: 'crlNumber must be from 0 to 2^53 - 1' });
  return problems;
}
