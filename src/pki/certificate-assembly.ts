/**
 * The parts every issued certificate shares: random serials, the validity window (clipped to the
 * issuer), signing a TBSCertificate and wrapping it, and the result handed back to callers.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { bitString, sequence, time, unsignedInteger } from './der.js';
import type { Signer } from './key-algorithms.js';
import { toPem } from './pem.js';

/** What issuing returns; the caller records it (serial, fingerprint, validity) in its store. */
export interface IssuedCertificate {
  pem: string;
  der: Buffer;
  /** Lower-case hex of the serial number, no leading zeros, as `openssl x509 -serial` prints it (lower-cased). */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** Lower-case hex SHA-256 of the DER certificate, no separators. */
  sha256Fingerprint: string;
  /** RFC 4514 text of the subject (`CN=...,O=...`). */
  subject: string;
  /** True when notAfter was cut back to the issuing CA's notAfter. */
  clipped: boolean;
}

export interface Serial {
  /** The DER INTEGER. */
  der: Buffer;
  hex: string;
}

// Serials are drawn from a pool refilled 4 KiB at a time: one randomFillSync call per 256 serials
// instead of one per certificate.
const serialPool = Buffer.allocUnsafe(4096);
let serialPoolOffset = serialPool.length;

/**
 * A random positive 128-bit serial (CA/B Forum asks for at least 64 random bits). The top bit is
 * cleared so the INTEGER is positive without a sign byte, and a zero top byte is bumped to 1 so the
 * serial is always 16 bytes (32 hex digits): about 127 bits of randomness.
 */
export function randomSerial(): Serial {
  if (serialPoolOffset + 16 > serialPool.length) {
    randomFillSync(serialPool);
    serialPoolOffset = 0;
  }
  const bytes = Buffer.from(serialPool.subarray(serialPoolOffset, serialPoolOffset + 16));
  serialPoolOffset += 16;
  bytes[0] &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 1;
  return { der: unsignedInteger(bytes), hex: bytes.toString('hex') };
}

export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
  clipped: boolean;
  /** DER Validity SEQUENCE. */
  der: Buffer;
}

/**
 * notBefore = now (to the second); notAfter = notBefore + validityMs, clipped to `issuerNotAfter`
 * when the issuer expires first (a certificate must not outlive the CA that vouches for it). Pure.
 * @throws RangeError when validityMs is not positive or the issuer has already expired at `now`.
 */
export function validityWindow(now: Date, validityMs: number, issuerNotAfter?: Date): ValidityWindow {
  if (!(validityMs > 0)) throw new RangeError(`validity must be positive, got ${validityMs} ms`);
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  let notAfter = new Date(Math.floor((notBefore.getTime() + validityMs) / 1000) * 1000);
  let clipped = false;
  if (issuerNotAfter && notAfter.getTime() > issuerNotAfter.getTime()) {
    notAfter = new Date(issuerNotAfter.getTime());
    clipped = true;
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new RangeError(
      `issuer expired at ${issuerNotAfter?.toISOString()}, before ${notBefore.toISOString()}`,
    );
  }
  return { notBefore, notAfter, clipped, der: sequence(time(notBefore), time(notAfter)) };
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function signAndWrap(tbs: Buffer, signer: Signer): Buffer {
  return sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
}

/** Builds the caller-facing result for a signed certificate. Pure. */
export function issuedCertificate(
  der: Buffer,
  facts: { serialHex: string; window: ValidityWindow; subject: string },
): IssuedCertificate {
  return {
    pem: toPem('CERTIFICATE', der),
    der,
    serialHex: facts.serialHex,
    notBefore: facts.window.notBefore,
    notAfter: facts.window.notAfter,
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
    subject: facts.subject,
    clipped: facts.window.clipped,
  };
}
