import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/contract/canonical.js';
import { signedHeadProblem } from '../../src/contract/journal-head.js';
import type { JournalSigningKeyRow } from '../../src/journal/journal-entity.js';
import { HEAD_CRYPTO } from '../../src/journal/journal-signing.js';
import { DIALECTS } from '../support/databases.js';
import { useServer } from '../support/server.js';

describe.each(DIALECTS)('journal signing keys on $dialect', ({ create }) => {
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });
  const signer = () => suite.server.services.journalService.signer;

  it('creates one key per tenant however many sign at once, sealed, and signs heads any verifier accepts', async () => {
    const heads = await Promise.all(
      Array.from({ length: 6 }, (_, index) => signer().sign('race', { seq: index, hash: 'ab'.repeat(32) })),
    );
    const rows = await suite.server.services.db
      .knex<JournalSigningKeyRow>('journal_signing_keys')
      .where({ tenant: 'race' });
    expect(rows).toHaveLength(1);
    expect(new Set(heads.map((head) => head.keyId))).toEqual(new Set([rows[0].key_id]));
    for (const head of heads)
      expect(
        signedHeadProblem(head, { tenant: 'race', publicKey: rows[0].public_key }, HEAD_CRYPTO),
      ).toBeUndefined();
    // The private key is stored sealed (v1:<master key id>:…), never as PEM or DER text.
    expect(rows[0].sealed_private_key).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+:[\w-]+$/);
    expect(JSON.stringify(rows[0])).not.toContain('PRIVATE KEY');
    // The newest head signed is the one kept: an older one signed later does not replace it.
    expect(Number(rows[0].head_seq)).toBe(5);
    await signer().sign('race', { seq: 2, hash: 'cd'.repeat(32) });
    const kept = await suite.server.services.db
      .knex<JournalSigningKeyRow>('journal_signing_keys')
      .where({ tenant: 'race' })
      .first();
    expect([Number(kept?.head_seq), kept?.head_hash]).toEqual([5, 'ab'.repeat(32)]);
  });

  it('signs canonical {tenant, seq, hash, time}: a changed field breaks the signature', async () => {
    const head = await signer().sign('fields', { seq: 3, hash: 'ef'.repeat(32) });
    expect(
      HEAD_CRYPTO.verifyEd25519(
        head.publicKey,
        canonicalJson({ tenant: 'fields', seq: 3, hash: head.hash, time: head.time }),
        head.signature,
      ),
    ).toBe(true);
    expect(signedHeadProblem({ ...head, seq: 4 }, { tenant: 'fields' }, HEAD_CRYPTO)).toBe(
      `the signed head (seq 4) has a bad signature: key ${head.keyId} did not sign it`,
    );
    expect(signedHeadProblem({ ...head, signature: undefined }, { tenant: 'fields' }, HEAD_CRYPTO)).toBe(
      'the signed head is malformed (tenant, seq, hash, time, keyId, signature, publicKey)',
    );
  });
});
