/**
 * Inspection of configured trust anchors and intermediates (AttestationAuthority `roots` and
 * `intermediates`): each must be exactly one certificate, a CA by basicConstraints, and within
 * its validity period.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import { certificatesFromPem, parseCertificate, validityProblem } from './certificate-chain.js';
import { extensionValues } from './certificate-extensions.js';

/** What an anchor is, or why it cannot be one. */
export type AnchorInspection = { ok: true; subject: string; notAfter: Date } | { ok: false; problem: string };

/** Inspects one PEM CA certificate at `now`. Pure. */
export function inspectCaCertificate(pem: string, now: Date): AnchorInspection {
  const ders = certificatesFromPem(pem);
  if (ders.length !== 1)
    return { ok: false, problem: `holds ${ders.length} PEM certificates, expected exactly one` };
  const certificate = parseCertificate(ders[0]);
  if (!certificate) return { ok: false, problem: 'is not an X.509 certificate' };
  const subject = certificate.subject.replace(/\n/g, ', ');
  if (!isBasicConstraintsCa(ders[0]))
    return { ok: false, problem: `${subject} is not a CA (basicConstraints cA is not true)` };
  const validity = validityProblem(certificate, now);
  if (validity) return { ok: false, problem: `${subject} ${validity}` };
  return { ok: true, subject, notAfter: new Date(certificate.validTo) };
}

function isBasicConstraintsCa(der: Uint8Array): boolean {
  try {
    const value = extensionValues(der).get(id_ce_basicConstraints);
    return value !== undefined && AsnConvert.parse(value, BasicConstraints).cA === true;
  } catch {
    return false;
  }
}
