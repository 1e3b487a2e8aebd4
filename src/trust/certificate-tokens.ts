import type { Knex } from 'knex';

/**
 * The tokens the x5c exchange minted from client certificates that have just been revoked:
 * revoked in the certificate's revocation transaction (RevocationDeps.certificatesRevoked), so a
 * revoked certificate keeps no access through a token it was exchanged for (as deleting a
 * TrustPolicy revokes its tokens). Answers the credential ids, for the authenticator's cache.
 */
export async function revokeCertificateTokens(
  trx: Knex.Transaction,
  tenant: string,
  fingerprints: readonly string[],
  at: Date,
): Promise<string[]> {
  const now = at.toISOString();
  const ids: string[] = [];
  // A CA's retirement revokes thousands at once: bounded lists, well under every dialect's limit.
  for (let start = 0; start < fingerprints.length; start += 500) {
    const found = (await trx('credentials')
      .where({ tenant, type: 'x509' })
      .whereIn('certificate', fingerprints.slice(start, start + 500))
      .whereNull('revoked_at')
      .where('expires_at', '>', now)
      .pluck('id')) as string[];
    if (found.length > 0) await trx('credentials').whereIn('id', found).update({ revoked_at: now });
    ids.push(...found);
  }
  return ids;
}
