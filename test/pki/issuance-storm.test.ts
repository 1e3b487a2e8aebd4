/**
 * Concurrent single issuances share transactions (group commit): every caller gets its own
 * certificate, recorded and journaled before it is answered, on both databases.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { DIALECTS } from '../support/databases.js';
import { call } from '../support/server.js';
import { openssl, scratchDirectory } from './openssl.js';
import { apply, caManifest, isReadyNow, rootSpec, usePkiServer, waitFor } from './pki-server.js';

describe.each(DIALECTS)('an enrollment storm ($dialect)', ({ create }) => {
  const pki = usePkiServer({ database: create });

  it('answers 300 concurrent single issuances, each recorded and journaled, one bad request refused alone', async () => {
    await apply(pki, [caManifest('storm-ca', rootSpec('Storm CA'))]);
    await waitFor(pki, 'storm-ca', isReadyNow);
    const key = toPem('PUBLIC KEY', (await generateKeyPair('ECDSA-P256')).spki);
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        call<{ serial: string; certificate: string; message: string }>(
          pki.server,
          'POST',
          '/api/v1/certificateauthorities/storm-ca/certificates',
          {
            token: pki.token,
            body: {
              publicKey: key,
              subject: { commonName: index === 150 ? 'bad\u0000name' : `device-${index}` },
              profile: 'device',
            },
          },
        ),
      ),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(299);
    expect(statuses[150]).toBe(422);
    const serials = replies.filter((reply) => reply.status === 201).map((reply) => reply.body.serial);
    expect(new Set(serials).size).toBe(299);

    const stored = await pki.server.services.db
      .knex('pki_issued_certificates')
      .where({ tenant: 'default', ca_name: 'storm-ca' })
      .pluck('serial');
    expect(new Set(stored)).toEqual(new Set(serials));
    const journaled = await call<{ items: Array<{ requestId: string }> }>(
      pki.server,
      'GET',
      '/api/v1/journal?operation=issue&limit=1000',
      { token: pki.token },
    );
    expect(journaled.body.items).toHaveLength(299);
    // Grouped into shared statements, yet each entry is its own caller's request.
    expect(new Set(journaled.body.items.map((item) => item.requestId)).size).toBe(299);
    expect(
      (await call(pki.server, 'GET', '/api/v1/journal/verify', { token: pki.token })).body,
    ).toMatchObject({
      ok: true,
    });

    const scratch = await scratchDirectory();
    try {
      const chain = await call<string>(pki.server, 'GET', '/api/v1/certificateauthorities/storm-ca/chain', {
        token: pki.token,
      });
      const ca = await scratch.write('ca.pem', String(chain.body));
      const leaves = await Promise.all(
        [0, 99, 299].map((index) => scratch.write(`leaf-${index}.pem`, replies[index].body.certificate)),
      );
      const verified = await openssl(['verify', '-CAfile', ca, ...leaves]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    } finally {
      await scratch.remove();
    }
  });
});
