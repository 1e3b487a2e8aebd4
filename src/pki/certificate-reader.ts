/**
 * Reads the facts of an X.509 certificate that issuing and planning need, keeping exact byte slices
 * of the subject Name and SubjectPublicKeyInfo (an issued certificate's issuer must equal its CA's
 * subject byte for byte).
 */
import { createHash } from 'node:crypto';
import { InvalidError } from '../errors.js';
import {
  contentBytes,
  type DerElement,
  elementBytes,
  readChildren,
  readElement,
  readIntegerHex,
  readOid,
  readSingle,
  readTime,
} from './der-reader.js';
import { derFromPemOrDer } from './pem.js';

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

const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/**
 * Parses a certificate (DER or PEM). Pure. Does not verify any signature.
 * @throws InvalidError when the input is not a well-formed X.509 v3 certificate.
 */
export function readCertificate(input: Uint8Array | string): CertificateFacts {
  const der = derFromPemOrDer(input, ['CERTIFICATE']);
  const what = 'certificate';
  const [tbs] = readChildren(der, readSingle(der, 0x30, what), what);
  const fields = readChildren(der, tbs, what);
  // version [0] is optional (absent = v1); everything after it is positional.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(offset);
  if (!spki) throw new InvalidError('malformed certificate: missing TBSCertificate fields');
  const [notBefore, notAfter] = readChildren(der, validity, what);
  const facts: CertificateFacts = {
    der,
    serialHex: readIntegerHex(der, serial),
    issuerName: Buffer.from(elementBytes(der, issuer)),
    subjectName: Buffer.from(elementBytes(der, subject)),
    spki: Buffer.from(elementBytes(der, spki)),
    notBefore: readTime(der, notBefore),
    notAfter: readTime(der, notAfter),
    isCa: false,
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
  };
  const extensionsWrapper = fields.slice(offset + 6).find((field) => field.tag === 0xa3);
  if (extensionsWrapper) readExtensions(der, extensionsWrapper, facts);
  return facts;
}

function readExtensions(der: Buffer, wrapper: DerElement, facts: CertificateFacts): void {
  const what = 'certificate extensions';
  const [list] = readChildren(der, wrapper, what);
  for (const extension of readChildren(der, list, what)) {
    const parts = readChildren(der, extension, what);
    const id = readOid(der, parts[0]);
    const value = contentBytes(der, parts[parts.length - 1]);
    const root = readElement(value, 0, what);
    switch (id) {
      case '2.5.29.19': {
        const [caFlag, pathLen] = readChildren(value, root, what);
        facts.isCa = caFlag?.tag === 0x01 && value[caFlag.contentStart] !== 0;
        const pathLenElement = caFlag?.tag === 0x02 ? caFlag : pathLen;
        if (pathLenElement?.tag === 0x02)
          facts.pathLen = Number.parseInt(readIntegerHex(value, pathLenElement), 16);
        break;
      }
      case '2.5.29.15': {
        const bits = contentBytes(value, root).subarray(1);
        facts.keyUsage = new Set(
          KEY_USAGE_NAMES.filter((_, index) => (bits[index >> 3] ?? 0) & (0x80 >> (index & 7))),
        );
        break;
      }
      case '2.5.29.14':
        facts.subjectKeyIdentifier = Buffer.from(contentBytes(value, root));
        break;
      case '2.5.29.35': {
        const keyIdentifier = readChildren(value, root, what).find((child) => child.tag === 0x80);
        if (keyIdentifier) facts.authorityKeyIdentifier = Buffer.from(contentBytes(value, keyIdentifier));
        break;
      }
    }
  }
}
