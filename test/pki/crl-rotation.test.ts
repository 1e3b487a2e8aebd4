/**
 * Revocation across key rotations (#13 item 1), on a fake clock: an intermediate and then its root
 * rotate their keys on renewal; leaves from before and after each rotation are checked by
 * `openssl verify -crl_check_all` with nothing but public files, as a relying party would: the
 * trust bundles (`/pki/.../bundle.pem`) and the CRLs named in the distribution points of the
 * certificates. Unrevoked they verify; revoked, each is rejected as revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { ManualClock } from '../engine/manual-clock.js';
import { call } from '../support/server.js';
import { openssl, type ScratchDirectory, scratchDirectory } from './openssl.js';
import {
  apply,
  caManifest,
  getBytes,
  intermediateSpec,
  isReadyNow,
  PUBLIC_URL,
  rootSpec,
  usePkiServer,
  waitFor,
  advance as advanceClock,
  settle,
} from './pki-server.js';

const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
const pki = usePkiServer({ clock });
let scratch: ScratchDirectory;

async function advance(hours: number): Promise<void> {
  await advanceClock(pki, clock, hours);
  await pki.relogin();
}

async function publicFile(name: string, path: string): Promise<string> {
  const reply = await getBytes(pki, path, null);
  expect(reply.status, `${path}: ${reply.body.toString()}`).toBe(200);
  return scratch.write(name, reply.body);
}

/** The CRL distribution point URLs of every certificate in a PEM file. */
async function distributionPoints(pem: string): Promise<string[]> {
  const urls = new Set<string>();
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []) {
    const file = await scratch.write(`cdp-${urls.size}-${Math.random()}.pem`, block);
    const text = (await openssl(['x509', '-in', file, '-noout', '-ext', 'crlDistributionPoints'])).stdout;
    for (const match of text.matchAll(/URI:(\S+)/g)) urls.add(match[1]);
  }
  return [...urls];
}

/** Fetches each CRL named by the leaf and the bundle's CA certificates, as one PEM file. */
async function crlsFor(leafPem: string, bundlePem: string, tag: string): Promise<string> {
  const pems: string[] = [];
  for (const url of await distributionPoints(leafPem + bundlePem)) {
    expect(url.startsWith(`${PUBLIC_URL}/pki/default/`)).toBe(true);
    const der = await publicFile(`${tag}-${pems.length}.crl`, url.slice(PUBLIC_URL.length));
    const converted = await openssl(['crl', '-inform', 'DER', '-in', der]);
    expect(converted.code, converted.stderr).toBe(0);
    pems.push(converted.stdout);
  }
  return scratch.write(`${tag}-crls.pem`, pems.join(''));
}

interface Leaf {
  label: string;
  serial: string;
  pem: string;
}

async function issue(label: string): Promise<Leaf> {
  const key = await generateKeyPair('ECDSA-P256');
  const reply = await call<{ serial: string; certificate: string }>(
    pki.server,
    'POST',
    '/api/v1/certificateauthorities/rot-issuing/certificates',
    {
      token: pki.token,
      body: { publicKey: toPem('PUBLIC KEY', key.spki), subject: { commonName: label }, profile: 'client' },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return { label, serial: reply.body.serial, pem: reply.body.certificate };
}

/** openssl verify -crl_check_all at the fake time, from public files only. */
async function verify(leaf: Leaf) {
  const rootBundle = await publicFile('root-bundle.pem', '/pki/default/rot-root/bundle.pem');
  const issuingBundlePath = '/pki/default/rot-issuing/bundle.pem';
  const issuingBundle = (await getBytes(pki, issuingBundlePath, null)).body.toString();
  const untrusted = await scratch.write('issuing-bundle.pem', issuingBundle);
  const leafFile = await scratch.write(`${leaf.label}.pem`, leaf.pem);
  const crls = await crlsFor(leaf.pem, issuingBundle, leaf.label);
  return openssl([
    'verify',
    '-attime',
    String(Math.floor(clock.now() / 1000)),
    '-crl_check_all',
    '-CRLfile',
    crls,
    '-CAfile',
    rootBundle,
    '-untrusted',
    untrusted,
    leafFile,
  ]);
}

const keyOf = async (name: string): Promise<string> =>
  (await pki.server.services.db.knex('pki_authorities').where({ tenant: 'default', name }).first(['key_id']))
    .key_id;

const leaves: Leaf[] = [];
const keys: Record<string, string[]> = { root: [], issuing: [] };

beforeAll(async () => {
  scratch = await scratchDirectory();
  await apply(pki, [
    caManifest(
      'rot-root',
      rootSpec('Rotation Root', { validity: '1000h', renewBefore: '500h', rotateKeyOnRenewal: true }),
    ),
    caManifest(
      'rot-issuing',
      intermediateSpec('rot-root', 'Rotation Issuing', {
        validity: '600h',
        renewBefore: '300h',
        leafValidity: '600h',
        rotateKeyOnRenewal: true,
      }),
    ),
  ]);
  await waitFor(pki, 'rot-issuing', isReadyNow);
  await settle(pki);
  keys.root.push(await keyOf('rot-root'));
  keys.issuing.push(await keyOf('rot-issuing'));
  leaves.push(await issue('before-both-rotations'));
  await advance(301); // the intermediate renews with a new key at 300h
  keys.issuing.push(await keyOf('rot-issuing'));
  leaves.push(await issue('after-intermediate-rotation'));
  await advance(204); // the root renews with a new key at 500h; the intermediate is re-signed under it
  keys.root.push(await keyOf('rot-root'));
  leaves.push(await issue('after-root-rotation'));
});
afterAll(async () => {
  await scratch?.remove();
});

describe('CRLs across key rotations, with openssl -crl_check_all', () => {
  it('rotated both CAs, and each leaf names the CRL of the key that signed it', async () => {
    expect(new Set(keys.issuing).size).toBe(2);
    expect(new Set(keys.root).size).toBe(2);
    const [first, second, third] = await Promise.all(leaves.map((leaf) => distributionPoints(leaf.pem)));
    expect(first).toEqual([`${PUBLIC_URL}/pki/default/rot-issuing/crl/${keys.issuing[0]}`]);
    expect(second).toEqual([`${PUBLIC_URL}/pki/default/rot-issuing/crl/${keys.issuing[1]}`]);
    expect(third[0]).toMatch(new RegExp(`/pki/default/rot-issuing/crl/(${keys.issuing.join('|')})`));
    // Every earlier key still has a certificate unexpired: each publishes a CRL.
    for (const keyId of keys.root)
      expect((await getBytes(pki, `/pki/default/rot-root/crl/${keyId}`, null)).status).toBe(200);
    for (const keyId of keys.issuing)
      expect((await getBytes(pki, `/pki/default/rot-issuing/crl/${keyId}`, null)).status).toBe(200);
  });

  it('accepts every unrevoked leaf, from before and after each rotation', async () => {
    for (const leaf of leaves) {
      const result = await verify(leaf);
      expect(result.code, `${leaf.label}: ${result.stdout}${result.stderr}`).toBe(0);
    }
  });

  it('rejects each leaf once revoked: revoking an old leaf updates its own key’s CRL', async () => {
    for (const leaf of leaves) {
      const reply = await call(pki.server, 'POST', '/api/v1/certificateauthorities/rot-issuing/revoke', {
        token: pki.token,
        body: { serial: leaf.serial, reason: 'keyCompromise' },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const result = await verify(leaf);
      expect(result.code, `${leaf.label}: ${result.stdout}${result.stderr}`).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/certificate revoked/);
    }
  });

  it('drops an old key’s CRL once its CA certificate (and so everything it signed) has expired', async () => {
    // The first intermediate certificate (and the first leaf, clipped to it) expire at 600h.
    await advance(100);
    expect((await getBytes(pki, `/pki/default/rot-issuing/crl/${keys.issuing[0]}`, null)).status).toBe(404);
    expect((await getBytes(pki, `/pki/default/rot-issuing/crl/${keys.issuing[1]}`, null)).status).toBe(200);
    const missing = await getBytes(pki, '/pki/default/rot-issuing/crl/no-such-key', null);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toContain('publishes no CRL for key');
  });
});
