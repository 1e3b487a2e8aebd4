/**
 * Renewal on an injected clock: the engine's requeueAfter timers and every `now` of the PKI run on
 * a ManualClock, so days pass in milliseconds. openssl judges at the fake time (`-attime`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/context.js';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { call } from '../support/server.js';
import { ManualClock } from '../engine/manual-clock.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';
import {
  apply,
  caManifest,
  intermediateSpec,
  isReadyNow,
  rootSpec,
  usePkiServer,
  waitFor,
  advance as advanceClock,
  settle,
} from './pki-server.js';

const HOUR = 3_600_000;
const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
const pki = usePkiServer({ clock });
let scratch: ScratchDirectory;

interface CaCertificateRow {
  fingerprint: string;
  key_id: string;
  not_before: string;
  subject_key_id: string;
}

const certificatesOf = async (name: string): Promise<CaCertificateRow[]> =>
  pki.server.services.db
    .knex('pki_ca_certificates')
    .where({ tenant: 'default', ca_name: name })
    .orderBy('not_before')
    .select();
/** The current key's CRL, as stored. */
const crlOf = async (name: string) =>
  (await pki.server.services.db
    .knex('pki_crls as r')
    .join('pki_authorities as a', (join) =>
      join.on('a.tenant', 'r.tenant').andOn('a.name', 'r.ca_name').andOn('a.key_id', 'r.key_id'),
    )
    .where({ 'r.tenant': 'default', 'r.ca_name': name })
    .first(['r.crl_number', 'r.next_update', 'r.signed_by', 'a.fingerprint'])) as {
    crl_number: number | string;
    next_update: string;
    signed_by: string;
    fingerprint: string;
  };

async function advance(hours: number): Promise<void> {
  await advanceClock(pki, clock, hours);
}

const verifyAt = (at: number, root: string, intermediate: string, leaf: string) =>
  openssl([
    'verify',
    '-attime',
    String(Math.floor(at / 1000)),
    '-CAfile',
    root,
    '-untrusted',
    intermediate,
    leaf,
  ]);

beforeAll(async () => {
  scratch = await scratchDirectory();
  await apply(pki, [
    caManifest('renew-root', rootSpec('Renew Root')),
    caManifest(
      'renew-issuing',
      intermediateSpec('renew-root', 'Renew Issuing', {
        validity: '96h',
        renewBefore: '24h',
        leafValidity: '96h',
      }),
    ),
    caManifest('rotating-root', rootSpec('Rotating Root', { validity: '96h', rotateKeyOnRenewal: true })),
  ]);
  await waitFor(pki, 'renew-issuing', isReadyNow);
  await waitFor(pki, 'rotating-root', isReadyNow);
  await settle(pki);
});
afterAll(async () => {
  await scratch?.remove();
});

describe('renewal on a fake clock', () => {
  it('renews renewBefore ahead of expiry with the same key, and leaves issued before still verify', async () => {
    const start = clock.now();
    const before = await pki.server.services.store.get({
      tenant: 'default',
      kind: 'CertificateAuthority',
      name: 'renew-issuing',
    });
    expect(before?.status.renewalTime).toBe(new Date(start + 72 * HOUR).toISOString());
    const key = await generateKeyPair('ECDSA-P256');
    const [leaf] = await pki.server.services.pki.issuance.issue(
      systemContext('default', { type: 'user', id: 'tester', name: 'tester' }, 'renewal'),
      'renew-issuing',
      [{ publicKey: key.spki, subject: { commonName: 'early-leaf' }, profile: 'client' }],
    );
    const crlBefore = await crlOf('renew-issuing');

    await advance(71);
    expect(await certificatesOf('renew-issuing')).toHaveLength(1);
    await advance(1);
    const certificates = await certificatesOf('renew-issuing');
    expect(certificates).toHaveLength(2);
    const [old, renewed] = certificates;
    expect(renewed.key_id).toBe(old.key_id);
    expect(renewed.subject_key_id).toBe(old.subject_key_id);
    const after = await pki.server.services.store.get({
      tenant: 'default',
      kind: 'CertificateAuthority',
      name: 'renew-issuing',
    });
    expect(after?.status.fingerprint).toBe(renewed.fingerprint);
    expect(after?.status.notBefore).toBe(new Date(start + 72 * HOUR).toISOString());
    expect(Number((await crlOf('renew-issuing')).crl_number)).toBeGreaterThan(Number(crlBefore.crl_number));
    expect((await crlOf('renew-issuing')).signed_by).toBe(renewed.fingerprint);

    await pki.relogin();
    const chain = await call<string>(
      pki.server,
      'GET',
      '/api/v1/certificateauthorities/renew-issuing/chain',
      { token: pki.token },
    );
    const [intermediate, root] = chain.body.split(/(?<=-----END CERTIFICATE-----\n)/);
    expect(intermediate).toBe(after?.status.certificate);
    const files = await Promise.all([
      scratch.write('root.pem', root),
      scratch.write('renewed.pem', intermediate),
      scratch.write('early-leaf.pem', leaf.pem),
    ]);
    const result = await verifyAt(clock.now(), files[0], files[1], files[2]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The old certificate is still in the bundle (it has not expired), with the root above it.
    const bundle = await call<string>(
      pki.server,
      'GET',
      '/api/v1/certificateauthorities/renew-issuing/bundle',
      { token: pki.token },
    );
    expect(bundle.body.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    const journal = await pki.server.services.db
      .knex('journal_entries')
      .where({ name: 'renew-issuing', operation: 'certificate' })
      .orderBy('seq')
      .select('result', 'reason');
    expect(journal).toEqual([
      { result: 'issued', reason: 'KeyMissing' },
      { result: 'renewed', reason: 'RenewalDue' },
    ]);
  });

  it('renews with a new key when rotateKeyOnRenewal is set', async () => {
    // rotating-root: 96 h, renewal at two thirds (64 h), already passed in the previous test.
    const certificates = await certificatesOf('rotating-root');
    expect(certificates).toHaveLength(2);
    expect(certificates[1].key_id).not.toBe(certificates[0].key_id);
    expect(certificates[1].subject_key_id).not.toBe(certificates[0].subject_key_id);
  });

  it('publishes a fresh CRL before the current one goes stale', async () => {
    const rootCrl = await crlOf('renew-root');
    const nextUpdate = Date.parse(rootCrl.next_update);
    expect(nextUpdate).toBeGreaterThan(clock.now());
    // CRLs live 7 days and are replaced halfway: never stale while the server runs.
    const number = Number(rootCrl.crl_number);
    await advance(96);
    const later = await crlOf('renew-root');
    expect(Number(later.crl_number)).toBeGreaterThan(number);
    expect(Date.parse(later.next_update)).toBeGreaterThan(clock.now() + 3 * 24 * HOUR);
    // Meanwhile the issuing CA renewed again (every 72 h) and is still Ready.
    const issuing = await pki.server.services.store.get({
      tenant: 'default',
      kind: 'CertificateAuthority',
      name: 'renew-issuing',
    });
    expect(isReadyNow(issuing)).toBe(true);
    expect(Date.parse(String(issuing?.status.notAfter))).toBeGreaterThan(clock.now());
  });
});
