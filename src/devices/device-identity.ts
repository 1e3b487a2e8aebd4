/**
 * The rules of a device's identity: the name an enrolling device gets, the certificate request
 * its identity certificate is issued from, and when it should renew. Pure functions.
 */
import { createHash } from 'node:crypto';
import type { LeafIssueRequest } from '../pki/issuance-service.js';

/** A Device's name: a DNS-1123 label (DESIGN §1). */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDeviceName(name: string): boolean {
  return DNS_LABEL.test(name);
}

/**
 * The name of a device that enrolls without asking for one, stable for its identifier (so that
 * enrolling twice finds the same Device): an Apple serial lower-cased; a TPM `tpm-` and the
 * first 16 hex digits of its EK digest; any other identifier as it is when it is already a DNS
 * label, else `<platform>-` and 16 hex digits of its SHA-256.
 */
export function deviceNameFor(platform: string, identifier: string): string {
  if (platform === 'apple' && /^[A-Z0-9]{9,12}$/.test(identifier)) return identifier.toLowerCase();
  if (platform === 'tpm' && identifier.startsWith('urn:ek:sha256:'))
    return `tpm-${Buffer.from(identifier.slice('urn:ek:sha256:'.length), 'base64').toString('hex').slice(0, 16)}`;
  const lowered = identifier.toLowerCase();
  if (lowered === identifier && isDeviceName(identifier)) return identifier;
  const digest = createHash('sha256').update(identifier).digest('hex').slice(0, 16);
  return `${isDeviceName(platform) ? platform : 'device'}-${digest}`;
}

/**
 * The request for a device's identity certificate: CN = the Device's name; the permanent
 * identifier as an RFC 4043 PermanentIdentifier otherName, and also as a URI SAN when it is a URN
 * (`urn:ek:sha256:…`), which TLS stacks that ignore otherNames can match; clientAuth only.
 */
export function identityRequest(
  device: { name: string; platform: string; identifier: string; validityMs?: number },
  /** The device's CSR, or the key of a CSR already verified (enrollment checks it before writing). */
  key: { csr: string } | { publicKey: Uint8Array },
): LeafIssueRequest {
  return {
    ...key,
    subject: { commonName: device.name },
    subjectAltNames: {
      permanentIdentifiers: [device.identifier],
      ...(device.identifier.startsWith('urn:') ? { uris: [device.identifier] } : {}),
    },
    profile: 'client',
    validityMs: device.validityMs,
    owner: { kind: 'Device', name: device.name },
  };
}

/** When a certificate should be renewed: two thirds into its validity (as cert-manager's default). */
export function renewAfter(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}
