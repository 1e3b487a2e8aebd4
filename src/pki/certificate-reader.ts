/**
 * Reads the facts of an X.509 certificate that issuing and planning need, keeping exact bytes of
 * the subject Name and SubjectPublicKeyInfo (an issued certificate's issuer must equal its CA's
 * subject byte for byte: the certificate is strict DER, so its parts re-encoded are those bytes).
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  type Extension,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { InvalidError } from '../errors.js';
import { derFromPemOrDer } from './pem.js';
import { parseStrictDer } from './strict-der.js';

export interface CertificateFacts {
  der: Buffer;
  serialHex: string;
  /** DER Name, exact bytes. */
  issuerName: Buffer;
  /** DER Name, exact bytes. */
  subjectName: Buffer;
  /** DER SubjectPublicKeyInfo, exact bytes. */
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** From basicConstraints; false when the extension is absent. */
  isCa: boolean;
  /** basicConstraints pathLenConstraint; undefined = unlimited. */
  pathLen?: number;
  /** Names of the keyUsage bits set, or undefined when the extension is absent. */
  keyUsage?: Set<string>;
  subjectKeyIdentifier?: Buffer;
  authorityKeyIdentifier?: Buffer;
  /** Lower-case hex SHA-256 of the DER certificate. */
  sha256Fingerprint: string;
}

const KEY_USAGE_NAMES: ReadonlyArray<[string, number]> = [
  ['digitalSignature', KeyUsageFlags.digitalSignature],
  ['nonRepudiation', KeyUsageFlags.nonRepudiation],
  ['keyEncipherment', KeyUsageFlags.keyEncipherment],
  ['dataEncipherment', KeyUsageFlags.dataEncipherment],
  ['keyAgreement', KeyUsageFlags.keyAgreement],
  ['keyCertSign', KeyUsageFlags.keyCertSign],
  ['cRLSign', KeyUsageFlags.cRLSign],
  ['encipherOnly', KeyUsageFlags.encipherOnly],
  ['decipherOnly', KeyUsageFlags.decipherOnly],
];

/**
 * Parses a certificate (DER or PEM), strictly, with @peculiar/asn1-x509. Pure. Does not verify
 * any signature.
 * @throws InvalidError when the input is not a well-formed DER X.509 certificate.
 */
export function readCertificate(input: Uint8Array | string): CertificateFacts {
  const der = derFromPemOrDer(input, ['CERTIFICATE']);
  const tbs = parseStrictDer(der, Certificate, 'certificate', '/certificate').tbsCertificate;
  const facts: CertificateFacts = {
    der,
    serialHex: integerHex(tbs.serialNumber),
    // Strict DER: each part re-encoded is the exact bytes of the input.
    issuerName: Buffer.from(AsnConvert.serialize(tbs.issuer)),
    subjectName: Buffer.from(AsnConvert.serialize(tbs.subject)),
    spki: Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    isCa: false,
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
  };
  for (const extension of tbs.extensions ?? []) readExtension(extension, facts);
  return facts;
}

function readExtension(extension: Extension, facts: CertificateFacts): void {
  const value = extension.extnValue.buffer;
  try {
    switch (extension.extnID) {
      case id_ce_basicConstraints: {
        const constraints = AsnConvert.parse(value, BasicConstraints);
        facts.isCa = constraints.cA;
        if (constraints.pathLenConstraint !== undefined) facts.pathLen = constraints.pathLenConstraint;
        break;
      }
      case id_ce_keyUsage: {
        const flags = AsnConvert.parse(value, KeyUsage).toNumber();
        facts.keyUsage = new Set(KEY_USAGE_NAMES.filter(([, flag]) => flags & flag).map(([name]) => name));
        break;
      }
      case id_ce_subjectKeyIdentifier:
        facts.subjectKeyIdentifier = Buffer.from(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        const keyIdentifier = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
        if (keyIdentifier) facts.authorityKeyIdentifier = Buffer.from(keyIdentifier.buffer);
        break;
      }
    }
  } catch (error) {
    const message = `malformed certificate: extension ${extension.extnID} cannot be read`;
    throw new InvalidError(message, { cause: error, problems: [{ pointer: '/certificate', message }] });
  }
}

/** Lower-case hex of an INTEGER's magnitude (leading zero bytes dropped), as serials are written. */
function integerHex(content: ArrayBuffer): string {
  let bytes = Buffer.from(content);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return bytes.toString('hex');
}
