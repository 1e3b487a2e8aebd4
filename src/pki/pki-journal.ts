/** The journal records of the PKI: what was issued and revoked, by which CA. Never any key material. */
import type { JournalRecord } from '../journal/journal-writer.js';

export const CA_KIND = 'CertificateAuthority';

/** The journal record of one issued certificate, on the issuing CA. Never any key material. */
export function issueRecord(caName: string, serial: string, notAfter: Date, owner?: string): JournalRecord {
  return {
    operation: 'issue',
    kind: CA_KIND,
    name: caName,
    result: 'issued',
    reason: owner ? `certificate ${serial} for ${owner}` : `certificate ${serial}`,
    changes: [
      {
        pointer: `/certificates/${serial}`,
        new: { notAfter: notAfter.toISOString(), ...(owner ? { owner } : {}) },
      },
    ],
  };
}

/** The journal record of one revocation, on the issuing CA. */
export function revokeRecord(caName: string, serial: string, reason: string, at: Date): JournalRecord {
  return {
    operation: 'revoke',
    kind: CA_KIND,
    name: caName,
    result: 'revoked',
    reason: `certificate ${serial}: ${reason}`,
    changes: [
      { pointer: `/certificates/${serial}/revocation`, new: { reason, revokedAt: at.toISOString() } },
    ],
  };
}
