/**
 * CA certificates: self-signed roots and intermediates signed by their parent. Built with the same
 * DER pieces as leaves; CA certificates are rare, so no templates here.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { TerminalError } from '../errors.js';
import type { CaCredentials } from './ca-credentials.js';
import {
  type IssuedCertificate,
  issuedCertificate,
  randomSerial,
  signAndWrap,
  validityWindow,
} from './certificate-assembly.js';
import { contextConstructed, integer, sequence } from './der.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from './extensions.js';
import { signerFor } from './key-algorithms.js';
import { checkPublicKey } from './public-key.js';
import { hasConstraints, type NameConstraintsSpec, nameConstraintsExtension } from './name-constraints.js';
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
const CA_KEY_USAGE = keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign']);
const VERSION_3 = contextConstructed(0, integer(2));

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
export function createRootCertificate(request: RootCertificateRequest): IssuedCertificate {
  const signer = signerFor(request.privateKey);
  const { spki, keyIdentifier } = checkPublicKey(exportPublic(request.privateKey));
  const subjectName = encodeSubject(request.subject);
  const serial = randomSerial();
  const window = validityWindow(request.now, request.validityMs);
  const extensions = [
    basicConstraintsExtension(true, request.maxPathLen),
    CA_KEY_USAGE,
    subjectKeyIdentifierExtension(keyIdentifier),
    // Self-signed: the authority key is the subject key. Kept so chain builders can match by key id.
    authorityKeyIdentifierExtension(keyIdentifier),
  ];
  if (hasConstraints(request.nameConstraints))
    extensions.push(nameConstraintsExtension(request.nameConstraints));
  const tbs = sequence(
    VERSION_3,
    serial.der,
    signer.algorithmIdentifier,
    subjectName,
    window.der,
    subjectName,
    spki,
    contextConstructed(3, sequence(...extensions)),
  );
  return issuedCertificate(signAndWrap(tbs, signer), {
    serialHex: serial.hex,
    window,
    subject: formatSubject(request.subject),
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
export function createIntermediateCertificate(request: IntermediateCertificateRequest): IssuedCertificate {
  const { parent } = request;
  const pathLen = allowedPathLen(parent.certificate.pathLen, request.maxPathLen);
  const { spki, keyIdentifier } = checkPublicKey(
    request.publicKey instanceof KeyObject ? exportPublic(request.publicKey) : request.publicKey,
  );
  const serial = randomSerial();
  if (parent.certificate.notAfter.getTime() <= request.now.getTime() + 1000) {
    throw new TerminalError(
      CaCertificateReason.ParentExpired,
      `the parent CA certificate expired at ${parent.certificate.notAfter.toISOString()}`,
    );
  }
  const window = validityWindow(request.now, request.validityMs, parent.certificate.notAfter);
  const extensions = [
    basicConstraintsExtension(true, pathLen),
    CA_KEY_USAGE,
    subjectKeyIdentifierExtension(keyIdentifier),
    authorityKeyIdentifierExtension(parent.keyIdentifier),
  ];
  if (request.crlUrl !== undefined) extensions.push(crlDistributionPointsExtension(request.crlUrl));
  if (hasConstraints(request.nameConstraints))
    extensions.push(nameConstraintsExtension(request.nameConstraints));
  const tbs = sequence(
    VERSION_3,
    serial.der,
    parent.signer.algorithmIdentifier,
    parent.certificate.subjectName,
    window.der,
    encodeSubject(request.subject),
    spki,
    contextConstructed(3, sequence(...extensions)),
  );
  return issuedCertificate(signAndWrap(tbs, parent.signer), {
    serialHex: serial.hex,
    window,
    subject: formatSubject(request.subject),
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
