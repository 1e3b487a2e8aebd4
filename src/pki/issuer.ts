/**
 * Leaf certificate issuance, built for throughput.
 *
 * Everything in a leaf's TBSCertificate that depends only on the CA and the profile (version,
 * signature algorithm, issuer Name, basicConstraints, keyUsage, extKeyUsage, AKI, CRL DP) is
 * encoded once into DER pieces when the issuer is created; an issuance encodes only serial,
 * validity, subject, SPKI, SKI and SAN, concatenates, and signs the bytes with node's one-shot
 * crypto.sign. That makes signing, not encoding, the dominant cost (see docs/pki.md and
 * bench/issue.ts).
 */
import 'reflect-metadata';
import { KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { InvalidError, TerminalError } from '../errors.js';
import type { CaCredentials } from './ca-credentials.js';
import {
  type IssuedCertificate,
  issuedCertificate,
  randomSerial,
  signAndWrap,
  validityWindow,
} from './certificate-assembly.js';
import { verifyCsr } from './csr.js';
import { contextConstructed, integer, sequence } from './der.js';
import {
  type ExtendedKeyUsage,
  ExtendedKeyUsageOid,
  hasSubjectAltNames,
  type SubjectAltNames,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from './extensions.js';
import { checkPublicKey } from './public-key.js';
import { encodeSubject, formatSubject, type SubjectSpec } from './subject.js';

/** What a leaf is for: `device` identities authenticate as clients and may serve (mTLS both ways). */
export const CERTIFICATE_PROFILES = ['client', 'server', 'device'] as const;
export type CertificateProfile = (typeof CERTIFICATE_PROFILES)[number];

const PROFILE_PURPOSES: Record<CertificateProfile, readonly ExtendedKeyUsage[]> = {
  client: ['clientAuth'],
  server: ['serverAuth'],
  device: ['clientAuth', 'serverAuth'],
};

/** Reason of the TerminalError thrown when the CA cannot issue any more. */
export const IssuerExpiredReason = 'IssuerExpired';

export interface LeafRequest {
  subject: SubjectSpec;
  subjectAltNames?: SubjectAltNames;
  profile: CertificateProfile;
  /** Requested lifetime; the certificate ends at notBefore + validityMs or the CA's notAfter, whichever is first. */
  validityMs: number;
  now: Date;
}

export interface LeafIssuerOptions {
  /** URL of this CA's CRL, `${publicUrl}/pki/${tenant}/${caName}/crl`; omitted = no CRL DP extension. */
  crlUrl?: string;
}

const VERSION_3 = contextConstructed(0, integer(2));

/**
 * Issues leaf certificates under one CA. Create one per CA (and per CA certificate: after a renewal,
 * create a new one); it is cheap to keep and safe to share, holding only immutable templates.
 */
export class LeafIssuer {
  private readonly signatureAndIssuer: Buffer;
  private readonly fixedExtensions = new Map<string, Buffer>();
  private readonly caWideExtensions: Buffer;

  /** @throws InvalidError when crlUrl is not an ASCII URI. */
  constructor(
    private readonly ca: CaCredentials,
    options: LeafIssuerOptions = {},
  ) {
    this.signatureAndIssuer = Buffer.concat([ca.signer.algorithmIdentifier, ca.certificate.subjectName]);
    // The template's fixed parts are encoded by @peculiar/x509 once per CA (and below, once per
    // profile and key type); only the per-certificate fields are spliced in by der.ts.
    const caWide: x509.Extension[] = [new x509.AuthorityKeyIdentifierExtension(ca.keyIdentifier.toString('hex'))];
    if (options.crlUrl !== undefined) {
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(options.crlUrl)) {
        throw new InvalidError(`invalid CRL URL ${JSON.stringify(options.crlUrl)}`);
      }
      caWide.push(new x509.CRLDistributionPointsExtension([options.crlUrl]));
    }
    this.caWideExtensions = Buffer.concat(caWide.map((extension) => Buffer.from(extension.rawData)));
  }

  /** The CA's notAfter: no leaf outlives it. */
  get caNotAfter(): Date {
    return this.ca.certificate.notAfter;
  }

  /**
   * Issues a leaf for a public key (SPKI DER/PEM or KeyObject). Pure apart from the random serial.
   * @throws InvalidError for a bad key, subject, SAN or validity; TerminalError IssuerExpired when
   *   the CA has expired at `request.now`.
   */
  issueForPublicKey(publicKey: Uint8Array | string | KeyObject, request: LeafRequest): IssuedCertificate {
    const input =
      publicKey instanceof KeyObject ? publicKey.export({ type: 'spki', format: 'der' }) : publicKey;
    const { spki, keyType, keyIdentifier } = checkPublicKey(input);
    return this.issue(spki, keyIdentifier, keyType === 'rsa', request);
  }

  /**
   * Issues a leaf for the key in a CSR (PEM or DER) after checking the CSR's signature. The CSR's
   * subject and requested extensions are ignored: `request` decides them.
   * @throws InvalidError when the CSR is malformed or its signature does not verify; otherwise as issueForPublicKey.
   */
  issueForCsr(csr: Uint8Array | string, request: LeafRequest): IssuedCertificate {
    return this.issueForPublicKey(verifyCsr(csr).spki, request);
  }

  private issue(
    spki: Buffer,
    keyIdentifier: Buffer,
    isRsaKey: boolean,
    request: LeafRequest,
  ): IssuedCertificate {
    if (!(CERTIFICATE_PROFILES as readonly string[]).includes(request.profile)) {
      throw new InvalidError(`unknown certificate profile ${JSON.stringify(request.profile)}`);
    }
    if (!Number.isFinite(request.validityMs) || request.validityMs <= 0) {
      throw new InvalidError(`validity must be a positive duration, got ${request.validityMs} ms`);
    }
    if (this.ca.certificate.notAfter.getTime() <= request.now.getTime() + 1000) {
      throw new TerminalError(
        IssuerExpiredReason,
        `the CA certificate expired at ${this.caNotAfter.toISOString()}`,
      );
    }
    const serial = randomSerial();
    const window = validityWindow(request.now, request.validityMs, this.ca.certificate.notAfter);
    const extensionParts = [
      this.fixedExtensionsFor(request.profile, isRsaKey),
      this.caWideExtensions,
      subjectKeyIdentifierExtension(keyIdentifier),
    ];
    if (hasSubjectAltNames(request.subjectAltNames))
      extensionParts.push(subjectAltNameExtension(request.subjectAltNames!));
    const tbs = sequence(
      VERSION_3,
      serial.der,
      this.signatureAndIssuer,
      window.der,
      encodeSubject(request.subject),
      spki,
      contextConstructed(3, sequence(...extensionParts)),
    );
    return issuedCertificate(signAndWrap(tbs, this.ca.signer), {
      serialHex: serial.hex,
      window,
      subject: formatSubject(request.subject),
    });
  }

  /** basicConstraints + keyUsage + extKeyUsage for a profile, encoded once per profile and key type. */
  private fixedExtensionsFor(profile: CertificateProfile, isRsaKey: boolean): Buffer {
    const cacheKey = `${profile}/${isRsaKey ? 'rsa' : 'other'}`;
    let encoded = this.fixedExtensions.get(cacheKey);
    if (!encoded) {
      let usages = x509.KeyUsageFlags.digitalSignature;
      // RSA key exchange (TLS 1.2 static RSA) encrypts the premaster secret to a server's key;
      // EC and Ed25519 keys never encipher, so the bit would be wrong for them.
      if (isRsaKey && profile !== 'client') usages |= x509.KeyUsageFlags.keyEncipherment;
      encoded = Buffer.concat(
        [
          // basicConstraints critical on leaves too: usual, and what RFC 5280 requires of CAs.
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(usages, true),
          new x509.ExtendedKeyUsageExtension(
            PROFILE_PURPOSES[profile].map((purpose) => ExtendedKeyUsageOid[purpose]),
            false,
          ),
        ].map((extension) => Buffer.from(extension.rawData)),
      );
      this.fixedExtensions.set(cacheKey, encoded);
    }
    return encoded;
  }
}
