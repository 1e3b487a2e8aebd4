/**
 * The CertificateAuthority kind on both dialects, through apply, the engine and the HTTP API:
 * waiting for the parent, path length refusals, spec changes, the issued list, bulk issuance,
 * deletion guarded by the finalizer, tenant isolation, and private keys that never leave.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/context.js';
import { parseMasterKey } from '../../src/pki/master-key.js';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { DIALECTS } from '../support/databases.js';
import { call, device, loginToken } from '../support/server.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';
import {
  apply,
  caManifest,
  getBytes,
  intermediateSpec,
  isReadyNow,
  readyOf,
  rootSpec,
  usePkiServer,
  waitFor,
} from './pki-server.js';

const PASSWORD = 'tenant-b-password-1';
const ADMIN = { type: 'user' as const, id: 'tester', name: 'tester' };

describe.each(DIALECTS)('CertificateAuthority lifecycle on $dialect', ({ create }) => {
  const pki = usePkiServer({ database: create });
  let scratch: ScratchDirectory;
  const responses: string[] = [];

  /** An API call whose response is kept, to search every response for key material at the end. */
  async function api<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    token = pki.token,
  ) {
    const reply = await call<T>(pki.server, method, url, { body, token });
    responses.push(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    return reply;
  }
  const ca = (name: string) =>
    pki.server.services.store.get({ tenant: 'default', kind: 'CertificateAuthority', name });
  const hasDeletingReason = (reason: string) => (resource: Awaited<ReturnType<typeof ca>>) =>
    !!resource?.status.conditions?.some(
      (condition) => condition.type === 'Deleting' && condition.reason === reason,
    );

  beforeAll(async () => {
    scratch = await scratchDirectory();
  });
  afterAll(async () => {
    await scratch?.remove();
  });

  it('an intermediate waits with ParentNotReady until its parent exists and is Ready', async () => {
    await apply(pki, [caManifest('wait-issuing', intermediateSpec('wait-root', 'Waiting Issuing'))]);
    const waiting = await waitFor(
      pki,
      'wait-issuing',
      (resource) => readyOf(resource)?.reason === 'ParentNotReady',
    );
    expect(readyOf(waiting)?.status).toBe('False');
    expect(readyOf(waiting)?.message).toContain('wait-root');
    await apply(pki, [caManifest('wait-root', rootSpec('Waiting Root'))]);
    const issuing = await waitFor(pki, 'wait-issuing', isReadyNow);
    expect(readyOf(issuing)?.reason).toBe('UpToDate');
    expect(issuing?.status.certificate).toContain('BEGIN CERTIFICATE');
  });

  it('refuses path length violations with PathLengthExceeded', async () => {
    await apply(pki, [
      caManifest('leaf-only-root', rootSpec('Leaf-only Root', { maxPathLen: 0 })),
      caManifest('forbidden-issuing', intermediateSpec('leaf-only-root', 'Forbidden')),
      caManifest('one-level-root', rootSpec('One-level Root', { maxPathLen: 1 })),
      caManifest('too-deep-issuing', intermediateSpec('one-level-root', 'Too Deep', { maxPathLen: 1 })),
    ]);
    for (const name of ['forbidden-issuing', 'too-deep-issuing']) {
      const refused = await waitFor(
        pki,
        name,
        (resource) => readyOf(resource)?.reason === 'PathLengthExceeded',
      );
      expect(readyOf(refused)?.status).toBe('False');
    }
    expect(readyOf(await ca('forbidden-issuing'))?.message).toContain('pathLen 0');
    expect(readyOf(await ca('too-deep-issuing'))?.message).toContain('maxPathLen 1 is not allowed');
    const none = await api('GET', '/api/v1/certificateauthorities/forbidden-issuing/chain');
    expect(none.status).toBe(404);
    expect(none.body.message).toContain('PathLengthExceeded');
  });

  it('a spec change makes a new certificate; a new key algorithm a new key, and the intermediate follows', async () => {
    await apply(pki, [
      caManifest('change-root', rootSpec('Change Root')),
      caManifest('change-issuing', intermediateSpec('change-root', 'Change Issuing')),
    ]);
    const before = await waitFor(pki, 'change-issuing', isReadyNow);
    const rootBefore = await ca('change-root');
    await apply(pki, [
      caManifest('change-root', rootSpec('Change Root', { keyAlgorithm: 'ECDSA-P384', validity: '43800h' })),
    ]);
    const rootAfter = await waitFor(
      pki,
      'change-root',
      (resource) => isReadyNow(resource) && resource?.status.keyAlgorithm === 'ECDSA-P384',
    );
    expect(rootAfter?.status.fingerprint).not.toBe(rootBefore?.status.fingerprint);
    // The intermediate was signed by the old root key: it is re-issued under the new one.
    const after = await waitFor(
      pki,
      'change-issuing',
      (resource) => isReadyNow(resource) && resource?.status.fingerprint !== before?.status.fingerprint,
    );
    expect(after?.status.keyAlgorithm).toBe('ECDSA-P256');
    const chain = await api<string>('GET', '/api/v1/certificateauthorities/change-issuing/chain');
    const [intermediate, root] = chain.body.split(/(?<=-----END CERTIFICATE-----\n)/);
    expect(root).toBe(rootAfter?.status.certificate);
    const files = await Promise.all([
      scratch.write('change-root.pem', root),
      scratch.write('change-int.pem', intermediate),
    ]);
    expect((await openssl(['verify', '-CAfile', files[0], files[1]])).code).toBe(0);
    // The old root certificate stays in the bundle until it expires.
    const bundle = await api<string>('GET', '/api/v1/certificateauthorities/change-root/bundle');
    expect(bundle.body).toContain(String(rootBefore?.status.certificate));
    expect(bundle.body).toContain(String(rootAfter?.status.certificate));
    const history = await api<{ items: Array<{ operation: string; result: string; reason: string }> }>(
      'GET',
      '/api/v1/certificateauthorities/change-root/history',
    );
    expect(
      history.body.items.filter((entry) => entry.operation === 'certificate').map((entry) => entry.reason),
    ).toEqual(['KeyAlgorithmChanged', 'KeyMissing']);
  });

  it('issues in bulk through the service, records every certificate, and pages the issued list', async () => {
    await apply(pki, [caManifest('bulk-ca', rootSpec('Bulk CA', { leafValidity: '720h' }))]);
    await waitFor(pki, 'bulk-ca', isReadyNow);
    const key = await generateKeyPair('ECDSA-P256');
    const context = systemContext('default', ADMIN, 'bulk-test');
    const count = 1200;
    const issued = await pki.server.services.pki.issuance.issue(
      context,
      'bulk-ca',
      Array.from({ length: count }, (_, index) => ({
        publicKey: key.spki,
        subject: { commonName: `bulk-${index}` },
        subjectAltNames: { uris: [`urn:steward:device:linux:bulk-${index}`] },
        profile: 'device' as const,
        owner: { kind: 'Device', name: `bulk-${index}` },
      })),
    );
    expect(new Set(issued.map((certificate) => certificate.serialHex)).size).toBe(count);
    const rows = await pki.server.services.db
      .knex('pki_issued_certificates')
      .where({ tenant: 'default', ca_name: 'bulk-ca' })
      .count({ n: '*' });
    expect(Number(rows[0].n)).toBe(count);
    const journaled = await pki.server.services.db
      .knex('journal_entries')
      .where({ tenant: 'default', kind: 'CertificateAuthority', name: 'bulk-ca', operation: 'issue' })
      .count({ n: '*' });
    expect(Number(journaled[0].n)).toBe(count);
    const rootFile = await scratch.write('bulk-root.pem', String((await ca('bulk-ca'))?.status.certificate));
    const sample = await Promise.all(
      [0, 599, count - 1].map((index) => scratch.write(`bulk-${index}.pem`, issued[index].pem)),
    );
    const verified = await openssl(['verify', '-CAfile', rootFile, ...sample]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await api<{
        items: Array<{ serial: string; state: string; owner?: { name: string } }>;
        metadata: { continue?: string };
      }>(
        'GET',
        `/api/v1/certificateauthorities/bulk-ca/certificates?limit=500${token ? `&continue=${token}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.serial));
      token = page.body.metadata.continue;
    } while (token);
    expect(seen).toHaveLength(count);
    expect(new Set(seen)).toEqual(new Set(issued.map((certificate) => certificate.serialHex)));

    const tooLong = await api('POST', '/api/v1/certificateauthorities/bulk-ca/certificates', {
      publicKey: toPem('PUBLIC KEY', key.spki),
      subject: { commonName: 'too-long' },
      validity: '8760h',
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.message).toContain("exceeds the CA's leafValidity 30d");
    const invalid = await api<{ details: { causes: Array<{ pointer: string }> } }>(
      'POST',
      '/api/v1/certificateauthorities/bulk-ca/certificates',
      {
        publicKey: 'not a key',
        subject: { commonName: '' },
        subjectAltNames: { dnsNames: ['bad name!'] },
        profile: 'admin',
      },
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.details.causes.map((cause) => cause.pointer)).toEqual(
      expect.arrayContaining(['/subject/commonName', '/subjectAltNames/dnsNames/0', '/profile']),
    );
  });

  it('a leaf that would outlive its CA is clipped to the CA and says so', async () => {
    await apply(pki, [
      caManifest('short-ca', rootSpec('Short CA', { validity: '48h', leafValidity: '48h' })),
    ]);
    const shortCa = await waitFor(pki, 'short-ca', isReadyNow);
    // leafValidity may not exceed validity (schema): a leaf outlives its CA once the CA has aged,
    // here by more than the one-second resolution of certificate times.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const key = await generateKeyPair('ECDSA-P256');
    const issued = await api<{ clipped: boolean; notAfter: string }>(
      'POST',
      '/api/v1/certificateauthorities/short-ca/certificates',
      {
        publicKey: toPem('PUBLIC KEY', key.spki),
        subject: { commonName: 'long-lived' },
      },
    );
    expect(issued.status).toBe(201);
    expect(issued.body.clipped).toBe(true);
    expect(issued.body.notAfter).toBe(shortCa?.status.notAfter);
  });

  it('refuses deletion while devices, intermediates or unexpired certificates depend on the CA', async () => {
    await apply(pki, [
      caManifest('del-root', rootSpec('Delete Root')),
      caManifest('del-issuing', intermediateSpec('del-root', 'Delete Issuing')),
      device('del-laptop', {}, { identity: { caRef: { name: 'del-issuing' } } }),
    ]);
    await waitFor(pki, 'del-issuing', isReadyNow);
    await waitFor(pki, 'del-laptop', (resource) => readyOf(resource)?.reason === 'AwaitingEnrollment', {
      kind: 'Device',
    });
    const key = await generateKeyPair('ECDSA-P256');
    const leaf = await api<{ serial: string }>(
      'POST',
      '/api/v1/certificateauthorities/del-issuing/certificates',
      {
        publicKey: toPem('PUBLIC KEY', key.spki),
        subject: { commonName: 'del-leaf' },
      },
    );
    expect(leaf.status).toBe(201);

    expect((await api('DELETE', '/api/v1/certificateauthorities/del-root')).status).toBe(200);
    const root = await waitFor(pki, 'del-root', hasDeletingReason('InUse'));
    const rootDeleting = root?.status.conditions?.find((condition) => condition.type === 'Deleting');
    expect(rootDeleting?.message).toContain('1 intermediate CA(s) (del-issuing)');
    expect(rootDeleting?.message).toContain('1 unexpired certificate(s)');

    expect((await api('DELETE', '/api/v1/certificateauthorities/del-issuing')).status).toBe(200);
    const issuing = await waitFor(pki, 'del-issuing', hasDeletingReason('InUse'));
    const deleting = issuing?.status.conditions?.find((condition) => condition.type === 'Deleting');
    expect(deleting?.message).toContain('1 device(s) (del-laptop)');
    expect(deleting?.message).toContain('1 unexpired certificate(s)');
    // Being deleted: it issues nothing more.
    const refused = await api('POST', '/api/v1/certificateauthorities/del-issuing/certificates', {
      publicKey: toPem('PUBLIC KEY', key.spki),
      subject: { commonName: 'late' },
    });
    expect(refused.status).toBe(409);

    expect((await api('DELETE', '/api/v1/devices/del-laptop')).status).toBe(200);
    await waitFor(pki, 'del-issuing', (resource) => {
      const message =
        resource?.status.conditions?.find((condition) => condition.type === 'Deleting')?.message ?? '';
      return !message.includes('device') && message.includes('unexpired certificate');
    });
    const revoked = await api('POST', '/api/v1/certificateauthorities/del-issuing/revoke', {
      serial: leaf.body.serial,
      reason: 'cessationOfOperation',
    });
    expect(revoked.status).toBe(200);
    // The revocation wakes the finalizer; the intermediate goes, its certificate revoked at the root.
    await waitFor(pki, 'del-issuing', (resource) => resource === null);
    await waitFor(pki, 'del-root', (resource) => resource === null);
    const left = await pki.server.services.db
      .knex('pki_keys')
      .whereIn('ca_name', ['del-root', 'del-issuing'])
      .select('id');
    expect(left).toEqual([]);
    const revocations = await pki.server.services.db
      .knex('journal_entries')
      .where({ kind: 'CertificateAuthority', name: 'del-root', operation: 'revoke' })
      .select('reason');
    expect(revocations.map((row: { reason: string }) => row.reason)).toEqual([
      expect.stringContaining('cessationOfOperation'),
    ]);
  });

  it("keeps tenants apart: another tenant's CA is not found, on the API and the public URLs", async () => {
    const created = await call(pki.server, 'POST', '/api/v1/tenants', {
      token: pki.token,
      body: { name: 'tenant-b', admin: { username: 'b-admin', password: PASSWORD } },
    });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const tokenB = await loginToken(pki.server, 'b-admin', PASSWORD, 'tenant-b');
    await apply(pki, [caManifest('b-only', rootSpec('Tenant B Root'))], tokenB);
    await apply(pki, [caManifest('a-only', rootSpec('Tenant A Root'))]);
    await waitFor(pki, 'b-only', isReadyNow, { tenant: 'tenant-b' });
    await waitFor(pki, 'a-only', isReadyNow);
    const key = await generateKeyPair('ECDSA-P256');
    const issue = { publicKey: toPem('PUBLIC KEY', key.spki), subject: { commonName: 'x' } };
    const keyIdOf = async (tenant: string, name: string): Promise<string> =>
      (await pki.server.services.db.knex('pki_authorities').where({ tenant, name }).first(['key_id'])).key_id;
    const keyB = await keyIdOf('tenant-b', 'b-only');
    const keyA = await keyIdOf('default', 'a-only');
    for (const [name, token] of [
      ['b-only', pki.token],
      ['a-only', tokenB],
    ] as const) {
      for (const [method, path, body] of [
        ['GET', 'chain'],
        ['GET', 'bundle'],
        ['GET', 'crl'],
        ['GET', `crl/${name === 'b-only' ? keyB : keyA}`],
        ['GET', 'certificates'],
        ['POST', 'certificates', issue],
        ['POST', 'revoke', { serial: '01' }],
      ] as const) {
        const reply = await api(method, `/api/v1/certificateauthorities/${name}/${path}`, body, token);
        expect(reply.status, `${method} ${name}/${path}`).toBe(404);
      }
    }
    expect((await api('GET', '/api/v1/certificateauthorities/b-only/chain', undefined, tokenB)).status).toBe(
      200,
    );
    expect((await getBytes(pki, '/pki/tenant-b/b-only/crl', null)).status).toBe(200);
    expect((await getBytes(pki, `/pki/tenant-b/b-only/crl/${keyB}`, null)).status).toBe(200);
    expect((await getBytes(pki, `/api/v1/certificateauthorities/b-only/crl/${keyB}`, tokenB)).status).toBe(
      200,
    );
    expect((await getBytes(pki, '/pki/tenant-b/b-only/bundle.pem', null)).status).toBe(200);
    expect((await getBytes(pki, '/pki/default/b-only/crl', null)).status).toBe(404);
    expect((await getBytes(pki, `/pki/default/b-only/crl/${keyB}`, null)).status).toBe(404);
    expect((await getBytes(pki, `/pki/tenant-b/b-only/crl/${keyA}`, null)).status).toBe(404);
    expect((await getBytes(pki, '/pki/default/b-only/bundle.pem', null)).status).toBe(404);
    expect((await getBytes(pki, '/pki/tenant-b/a-only/chain.pem', null)).status).toBe(404);
    expect((await getBytes(pki, '/pki/Bad_Tenant/a-only/crl', null)).status).toBe(404);
  });

  it('never shows a private key in any response or journal entry', async () => {
    const masterKey = parseMasterKey(
      await readFile(join(pki.database.dataDir, 'master.key'), 'utf8'),
      'test',
    );
    const keys = await pki.server.services.db
      .knex('pki_keys')
      .select('id', 'tenant', 'ca_name', 'sealed_key');
    expect(keys.length).toBeGreaterThan(5);
    const secrets: string[] = [];
    for (const row of keys as Array<{ id: string; tenant: string; ca_name: string; sealed_key: string }>) {
      const pkcs8 = masterKey.decrypt(row.sealed_key, `${row.tenant}/${row.ca_name}/${row.id}`);
      const pem = toPem('PRIVATE KEY', pkcs8).split('\n').slice(1, -2);
      // Every form the key could leak in: PEM lines, base64, hex, and the sealed text itself.
      secrets.push(
        pkcs8.toString('base64'),
        pkcs8.toString('hex'),
        pkcs8.toString('base64url'),
        row.sealed_key,
        ...pem.slice(1),
      );
    }
    for (const url of [
      '/api/v1/certificateauthorities',
      '/api/v1/certificateauthorities/change-root',
      '/api/v1/journal?limit=5000',
      '/api/v1/journal/export',
    ])
      await api('GET', url);
    const everything = responses.join('\n');
    expect(everything).not.toContain('PRIVATE KEY');
    for (const secret of secrets) expect(everything.includes(secret)).toBe(false);
    const journal = await pki.server.services.db.knex('journal_entries').select('changes', 'reason');
    const journalText = JSON.stringify(journal);
    expect(journalText).not.toContain('PRIVATE KEY');
    for (const secret of secrets) expect(journalText.includes(secret)).toBe(false);
  });
});
