/**
 * The client-certificate exchange end to end (issue #16, item 6): a Steward CA issues client
 * certificates through the API, a `type: x509` TrustPolicy trusts it, and the client exchanges an
 * x5c JWT signed with its key (as `step` makes them) for a one-hour token. Revocation through the
 * CA, expiry, a foreign anchor, a key not matching the certificate, subject rules and replay.
 */
import { execFileSync } from 'node:child_process';
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, caManifest, readyOf, rootSpec, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';

const handle = usePkiServer();
const AUDIENCE = 'default.steward.test';

interface Client {
  privateKey: KeyObject;
  chain: string[];
  serial: string;
}

function der(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

async function issueClient(
  ca: string,
  commonName: string,
  extra: Record<string, unknown> = {},
): Promise<Client> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const reply = await call<{ certificate: string; serial: string; message?: string }>(
    handle.server,
    'POST',
    `/api/v1/certificateauthorities/${ca}/certificates`,
    {
      body: {
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
        subject: { commonName },
        profile: 'client',
        ...extra,
      },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return { privateKey, chain: [der(reply.body.certificate)], serial: reply.body.serial };
}

function jwt(client: Client, claims: Record<string, unknown> = {}, key: KeyObject = client.privateKey) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ aud: AUDIENCE, iat: now, nbf: now, exp: now + 60, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', x5c: client.chain, typ: 'JWT' })
    .sign(key);
}

function exchange(token: string) {
  return call<{ token: string; policy: string; expiresIn: number; reason: string; message: string }>(
    handle.server,
    'POST',
    '/api/v1/auth/x5c/token',
    { body: { token }, token: null },
  );
}

async function refused(token: string, reason: string) {
  const reply = await exchange(token);
  expect(reply.status, JSON.stringify(reply.body)).toBe(401);
  expect(reply.body.reason, reply.body.message).toBe(reason);
  return reply.body.message;
}

function x509Policy(name: string, x509: Record<string, unknown>, permissions = ['artifacts:read']) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'TrustPolicy',
    metadata: { name },
    spec: { type: 'x509', x509, permissions },
  };
}

let bot: Client;

beforeAll(async () => {
  await apply(handle, [
    caManifest('ci-clients', rootSpec('CI Clients')),
    caManifest('other-ca', rootSpec('Other')),
  ]);
  for (const name of ['ci-clients', 'other-ca'])
    await waitFor(handle, name, (resource) => readyOf(resource)?.status === 'True');
  await apply(handle, [
    x509Policy('release-bot', { caRef: { name: 'ci-clients' }, subject: { commonName: 'release-bot' } }, [
      'artifacts:read',
      'artifacts:write',
    ]),
  ]);
  await waitFor(handle, 'release-bot', (resource) => readyOf(resource)?.status === 'True', {
    kind: 'TrustPolicy',
  });
  bot = await issueClient('ci-clients', 'release-bot');
});

describe('POST /api/v1/auth/x5c/token', () => {
  it('mints a one-hour token with the policy permissions for a valid certificate', async () => {
    const reply = await exchange(await jwt(bot, { sub: 'release-bot' }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ policy: 'release-bot', expiresIn: 3600 });
    const me = await call<{ credential: Record<string, unknown>; permissions: string[] }>(
      handle.server,
      'GET',
      '/api/v1/auth/me',
      {
        token: reply.body.token,
      },
    );
    expect(me.body.credential).toMatchObject({ type: 'token', name: 'release-bot' });
    expect(me.body.permissions).toEqual(['artifacts:read', 'artifacts:write']);
    const journal = await call<{ items: Array<{ actor: { type: string }; reason: string }> }>(
      handle.server,
      'GET',
      '/api/v1/journal?operation=auth.exchange&result=success',
    );
    expect(journal.body.items[0]?.actor.type).toBe('certificate');
    expect(journal.body.items[0]?.reason).toContain(bot.serial);
  });

  it('accepts a key and CSR made by openssl, whose issued certificate openssl verifies against the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-x5c-openssl-'));
    try {
      const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();
      run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'bot.key']);
      run(['req', '-new', '-key', 'bot.key', '-subj', '/CN=release-bot', '-out', 'bot.csr']);
      const issued = await call<{ certificate: string; chain: string }>(
        handle.server,
        'POST',
        '/api/v1/certificateauthorities/ci-clients/certificates',
        {
          body: {
            csr: readFileSync(join(dir, 'bot.csr'), 'utf8'),
            subject: { commonName: 'release-bot' },
            profile: 'client',
          },
        },
      );
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      writeFileSync(join(dir, 'bot.crt'), issued.body.certificate);
      writeFileSync(join(dir, 'chain.pem'), issued.body.chain);
      expect(run(['verify', '-purpose', 'sslclient', '-CAfile', 'chain.pem', 'bot.crt'])).toContain(
        'bot.crt: OK',
      );
      const client: Client = {
        privateKey: createPrivateKey(readFileSync(join(dir, 'bot.key'))),
        chain: [der(issued.body.certificate)],
        serial: '',
      };
      const reply = await exchange(await jwt(client, { sub: 'release-bot' }));
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.policy).toBe('release-bot');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a replayed JWT', async () => {
    const token = await jwt(bot);
    expect((await exchange(token)).status).toBe(200);
    await refused(token, 'Replayed');
  });

  it('refuses a certificate of another CA (wrong anchor)', async () => {
    const stranger = await issueClient('other-ca', 'release-bot');
    const message = await refused(await jwt(stranger), 'UntrustedChain');
    expect(message).toContain('Other');
  });

  it('refuses a JWT signed by a key that is not the certificate’s', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await refused(await jwt(bot, {}, privateKey), 'BadSignature');
  });

  it('refuses a certificate whose subject breaks the policy rules, naming the rule', async () => {
    const other = await issueClient('ci-clients', 'deploy-bot');
    const message = await refused(await jwt(other), 'NoPolicyMatched');
    expect(message).toContain('commonName: want "release-bot", got "deploy-bot"');
  });

  it('refuses an expired certificate', async () => {
    const shortLived = await issueClient('ci-clients', 'release-bot', { validity: '1s' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await refused(await jwt(shortLived), 'CertificateExpired');
  });

  it('refuses a certificate revoked through its Steward CA, on the next exchange', async () => {
    const revokedClient = await issueClient('ci-clients', 'release-bot');
    const minted = await exchange(await jwt(revokedClient));
    expect(minted.status).toBe(200);
    const other = await exchange(await jwt(await issueClient('ci-clients', 'release-bot')));
    expect(other.status).toBe(200);
    const me = (token: string) => call(handle.server, 'GET', '/api/v1/auth/me', { token });
    expect((await me(minted.body.token)).status).toBe(200);
    const revoked = await call(handle.server, 'POST', '/api/v1/certificateauthorities/ci-clients/revoke', {
      body: { serial: revokedClient.serial, reason: 'keyCompromise' },
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const message = await refused(await jwt(revokedClient), 'CertificateRevoked');
    expect(message).toContain(revokedClient.serial);
    // The token it was already exchanged for ends with it (same transaction), on the next request;
    // a token of another certificate lives on.
    const after = await me(minted.body.token);
    expect(after.status).toBe(401);
    expect(String((after.body as { message?: string }).message)).toMatch(/revoked/);
    expect((await me(other.body.token)).status).toBe(200);
  });

  it('refuses the wrong audience and a JWT living over five minutes', async () => {
    await refused(await jwt(bot, { aud: 'globex.steward.test' }), 'NoPolicyMatched');
    const now = Math.floor(Date.now() / 1000);
    await refused(await jwt(bot, { exp: now + 3600 }), 'LifetimeTooLong');
  });

  it('refuses deleting a CertificateAuthority that a TrustPolicy trusts', async () => {
    const reply = await call<{ message: string }>(
      handle.server,
      'DELETE',
      '/api/v1/certificateauthorities/ci-clients',
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(409);
    expect(reply.body.message).toContain('release-bot');
  });
});
