/**
 * Path building from a leaf certificate to configured trust anchors, synchronously with Node's
 * X509Certificate (OpenSSL): every signature on the path is verified, every certificate must be
 * within its validity period at `now`, and every issuer must be a CA.
 */
import { X509Certificate } from 'node:crypto';
import { type AttestationCheck, failed, passed } from './result.js';

/** Paths longer than this are refused (manufacturer hierarchies are two or three deep). */
export const MAX_CHAIN_DEPTH = 6;
/** A certificate larger than this is not an attestation certificate. */
export const MAX_CERTIFICATE_SIZE = 16 * 1024;

/** The DER certificates of every PEM `CERTIFICATE` block in `text`. Pure. */
export function certificatesFromPem(text: string): Buffer[] {
  const blocks = text.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g);
  return [...blocks].map((block) => Buffer.from(block[1].replace(/\s+/g, ''), 'base64'));
}

/** Parses one DER certificate; undefined when it does not parse or is oversized. Pure. */
export function parseCertificate(der: Uint8Array): X509Certificate | undefined {
  if (der.length === 0 || der.length > MAX_CERTIFICATE_SIZE) return undefined;
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

/** The path found: leaf first, the anchor last. */
export interface VerifiedChain {
  leaf: X509Certificate;
  path: X509Certificate[];
}

/**
 * Builds and verifies a path from `leafDer` through `intermediatesDer` to one of `anchorsPem`.
 * Pure (reads `now`, no clock). Failure reasons: `Malformed` (a certificate that does not parse),
 * `Expired` (the leaf, or the only issuer found, is outside its validity period), `Chain`.
 * `what` names the leaf in messages ("EK certificate").
 */
export function verifyChain(input: {
  leafDer: Uint8Array;
  intermediatesDer: readonly Uint8Array[];
  anchorsPem: readonly string[];
  now: Date;
  what: string;
}): AttestationCheck<VerifiedChain> {
  const { what, now } = input;
  const leaf = parseCertificate(input.leafDer);
  if (!leaf) return failed('Malformed', `the ${what} is not a DER X.509 certificate`);
  const intermediates: X509Certificate[] = [];
  for (const [index, der] of input.intermediatesDer.entries()) {
    const certificate = parseCertificate(der);
    if (!certificate)
      return failed('Malformed', `intermediate certificate ${index} of the ${what} does not parse`);
    intermediates.push(certificate);
  }
  const anchors = input.anchorsPem.flatMap(certificatesFromPem).flatMap((der) => parseCertificate(der) ?? []);
  if (anchors.length === 0)
    return failed('Chain', `${what} does not chain to AttestationAuthority anchors: no anchor parses`);
  const leafValidity = validityProblem(leaf, now);
  if (leafValidity) return failed('Expired', `the ${what} ${leafValidity}`);

  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const issuedBy = (candidate: X509Certificate) =>
      candidate.ca && current.checkIssued(candidate) && current.verify(candidate.publicKey);
    const anchor = anchors.find(issuedBy);
    if (anchor) {
      const anchorValidity = validityProblem(anchor, now);
      if (anchorValidity)
        return failed('Expired', `the anchor ${anchor.subject} of the ${what} ${anchorValidity}`);
      return passed({ leaf, path: [...path, anchor] });
    }
    const next = intermediates.find((candidate) => !path.includes(candidate) && issuedBy(candidate));
    if (!next) {
      return failed(
        'Chain',
        `${what} does not chain to AttestationAuthority anchors: no anchor or intermediate issued "${current.subject}" (issuer "${current.issuer}")`,
      );
    }
    const nextValidity = validityProblem(next, now);
    if (nextValidity)
      return failed('Expired', `the intermediate ${next.subject} of the ${what} ${nextValidity}`);
    path.push(next);
    current = next;
  }
  return failed(
    'Chain',
    `${what} does not chain to AttestationAuthority anchors within ${MAX_CHAIN_DEPTH} certificates`,
  );
}

/** Why `certificate` is not valid at `now`, or undefined. Pure. */
export function validityProblem(certificate: X509Certificate, now: Date): string | undefined {
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()))
    return 'has unreadable validity dates';
  if (now < notBefore) return `is not valid before ${notBefore.toISOString()}`;
  if (now > notAfter) return `expired at ${notAfter.toISOString()}`;
  return undefined;
}
