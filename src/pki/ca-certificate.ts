/**
 * CA certificates: self-signed roots and intermediates signed by their parent, built with
 * @peculiar/x509 (they are rare: the library's cost does not matter, and its encoder is the one
 * relying parties' tools are tested against). Leaves keep the fast encoder (issuer.ts). The
 * subject and issuer Names are Steward's DER (an issued certificate's issuer must equal its CA's
 * subject byte for byte), given to the library as they are.
 */
import 'reflect-metadata';
import { createPublicKey, KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { TerminalError } from '../errors.js';
import type { CaCredentials } from './ca-credentials.js';
import {
  type IssuedCertificate,
  issuedCertificate,
  randomSerial,
  type ValidityWindow,
  validityWindow,
} from './certificate-assembly.js';
import { type KeyAlgorithm, signerFor, webCryptoSigner } from './key-algorithms.js';
import { hasConstraints, type NameConstraintsSpec, nameConstraintsExtension } from './name-constraints.js';
import { checkPublicKey } from './public-key.js';
import { encodeSubject, formatSubject, type SubjectSpec } from './subject.js';

/** Reasons of the TerminalErrors thrown here (PascalCase, for the CA's Ready condition). */
export const CaCertificateReason = {
  /** The parent's pathLen constraint leaves no room for this CA (or for its requested maxPathLen). */
  PathLengthExceeded: 'PathLengthExceeded',
  /** The parent certificate has expired, or expires within the same second. */
  ParentExpired: 'ParentExpired',
} as const;

// CAs sign certificates and CRLs; digitalSignature too, so the CA key may sign OCSP responses
// and other data without a separate certificate.
const CA_KEY_USAGE =
  x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

export interface RootCertificateRequest {
  subject: SubjectSpec;
  privateKey: KeyObject;
  validityMs: number;
  /** basicConstraints pathLenConstraint; undefined = no limit. */
  maxPathLen?: number;
  /** RFC 5280 name constraints for everything below this CA. */
  nameConstraints?: NameConstraintsSpec;
  now: Date;
}

/**
 * A self-signed root CA certificate. Pure apart from the random serial.
 * @throws InvalidError for an invalid subject or an unsupported key; RangeError for a non-positive validity.
 */
export async function createRootCertificate(request: RootCertificateRequest): Promise<IssuedCertificate> {
  const signer = signerFor(request.privateKey);
  const { spki, keyIdentifier } = checkPublicKey(exportPublic(request.privateKey));
  const subjectName = encodeSubject(request.subject);
  return build({
    subject: request.subject,
    subjectName,
    // Self-signed: the issuer is the subject, and the authority key the subject key (kept so chain
    // builders can match by key id).
    issuerName: subjectName,
    authorityKeyIdentifier: keyIdentifier,
    spki,
    keyIdentifier,
    window: validityWindow(request.now, request.validityMs),
    pathLen: request.maxPathLen,
    nameConstraints: request.nameConstraints,
    signing: { algorithm: signer.algorithm, privateKey: request.privateKey },
  });
}

export interface IntermediateCertificateRequest {
  subject: SubjectSpec;
  /** The intermediate's public key (SPKI DER/PEM or KeyObject). */
  publicKey: KeyObject | Uint8Array | string;
  validityMs: number;
  /** Requested pathLenConstraint; defaults to the parent's minus one when the parent has one. */
  maxPathLen?: number;
  /** RFC 5280 name constraints for everything below this CA (the parent's apply as well). */
  nameConstraints?: NameConstraintsSpec;
  parent: CaCredentials;
  /** The parent's CRL URL, `${publicUrl}/pki/${tenant}/${parentName}/crl`; omitted = no CRL DP. */
  crlUrl?: string;
  now: Date;
}

/**
 * An intermediate CA certificate signed by `parent`; notAfter is clipped to the parent's notAfter
 * (and `clipped` says so). Pure apart from the random serial.
 * @throws TerminalError PathLengthExceeded when the parent's pathLen forbids another CA below it, or
 *   when maxPathLen is not smaller than the parent's; TerminalError ParentExpired when the parent is
 *   no longer valid at `now`; InvalidError for a bad subject, key or URL.
 */
export async function createIntermediateCertificate(
  request: IntermediateCertificateRequest,
): Promise<IssuedCertificate> {
  const { parent } = request;
  const pathLen = allowedPathLen(parent.certificate.pathLen, request.maxPathLen);
  const { spki, keyIdentifier } = checkPublicKey(
    request.publicKey instanceof KeyObject ? exportPublic(request.publicKey) : request.publicKey,
  );
  if (parent.certificate.notAfter.getTime() <= request.now.getTime() + 1000) {
    throw new TerminalError(
      CaCertificateReason.ParentExpired,
      `the parent CA certificate expired at ${parent.certificate.notAfter.toISOString()}`,
    );
  }
  return build({
    subject: request.subject,
    subjectName: encodeSubject(request.subject),
    issuerName: parent.certificate.subjectName,
    authorityKeyIdentifier: parent.keyIdentifier,
    spki,
    keyIdentifier,
    window: validityWindow(request.now, request.validityMs, parent.certificate.notAfter),
    pathLen,
    nameConstraints: request.nameConstraints,
    crlUrl: request.crlUrl,
    signing: { algorithm: parent.signer.algorithm, privateKey: parent.signer.privateKey },
  });
}

/** Everything a CA certificate says, and the key that signs it. */
interface CaCertificateParts {
  subject: SubjectSpec;
  subjectName: Buffer;
  issuerName: Buffer;
  authorityKeyIdentifier: Buffer;
  spki: Buffer;
  keyIdentifier: Buffer;
  window: ValidityWindow;
  pathLen?: number;
  nameConstraints?: NameConstraintsSpec;
  crlUrl?: string;
  signing: { algorithm: KeyAlgorithm; privateKey: KeyObject };
}

/** Builds and signs a CA certificate with @peculiar/x509. */
async function build(parts: CaCertificateParts): Promise<IssuedCertificate> {
  const serial = randomSerial();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, parts.pathLen, true),
    new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
    new x509.SubjectKeyIdentifierExtension(parts.keyIdentifier.toString('hex')),
    new x509.AuthorityKeyIdentifierExtension(parts.authorityKeyIdentifier.toString('hex')),
  ];
  if (parts.crlUrl !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(parts.crlUrl))
      throw new RangeError(`invalid CRL URL ${JSON.stringify(parts.crlUrl)}`);
    extensions.push(new x509.CRLDistributionPointsExtension([parts.crlUrl]));
  }
  if (hasConstraints(parts.nameConstraints))
    extensions.push(new x509.Extension(nameConstraintsExtension(parts.nameConstraints)));
  const { signingKey, signingAlgorithm } = await webCryptoSigner(
    parts.signing.algorithm,
    parts.signing.privateKey,
  );
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial.hex,
    subject: new x509.Name(parts.subjectName),
    issuer: new x509.Name(parts.issuerName),
    notBefore: parts.window.notBefore,
    notAfter: parts.window.notAfter,
    publicKey: parts.spki,
    extensions,
    // Node's webcrypto types and the DOM's that the library names are the same objects.
    signingKey: signingKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    signingAlgorithm,
  });
  return issuedCertificate(Buffer.from(certificate.rawData), {
    serialHex: serial.hex,
    window: parts.window,
    subject: formatSubject(parts.subject),
  });
}

/**
 * The pathLenConstraint to write into a child CA certificate. RFC 5280 §4.2.1.9: a parent with
 * pathLen n allows at most n CA certificates below it, so the child gets at most n-1. Writing the
 * inherited value explicitly lets the next level check its parent alone. Pure.
 * @throws TerminalError PathLengthExceeded.
 */
export function allowedPathLen(
  parentPathLen: number | undefined,
  requested: number | undefined,
): number | undefined {
  if (parentPathLen === undefined) return requested;
  if (parentPathLen === 0) {
    throw new TerminalError(
      CaCertificateReason.PathLengthExceeded,
      'the parent CA has pathLen 0: it may sign leaf certificates only, not another CA',
    );
  }
  if (requested !== undefined && requested > parentPathLen - 1) {
    throw new TerminalError(
      CaCertificateReason.PathLengthExceeded,
      `maxPathLen ${requested} is not allowed under a parent with pathLen ${parentPathLen} (at most ${parentPathLen - 1})`,
    );
  }
  return requested ?? parentPathLen - 1;
}

/** SPKI DER of a public key, or of the public half of a private key. */
function exportPublic(key: KeyObject): Buffer {
  // createPublicKey accepts only private KeyObjects (a public one throws), so public keys export directly.
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ type: 'spki', format: 'der' });
}
