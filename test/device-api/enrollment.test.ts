/**
 * Enrollment over the real device API (gRPC over mTLS, the reference agent): the identity
 * certificate (checked by openssl), the Device and its journal, and every refusal with its reason.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import {
  agent,
  certificateText,
  DEVICE_CA,
  deviceCa,
  enrollToken,
  opensslVerify,
  refusal,
} from './device-fleet.js';

const EK = 'urn:ek:sha256:SrFK/G+WNJYeR6j81MIihLbGDAarlR7xBDkH4rRCj3I=';

describe('device enrollment', () => {
  const handle = usePkiServer();

  it('a token and a CSR become a Device with an identity certificate that openssl accepts', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { labels: { site: 'lab' }, maxUses: 5 });
    const device = await agent(handle, EK, 'tpm');
    expect(await device.enroll(token)).toBe(true);
    expect(device.deviceName).toMatch(/^tpm-[0-9a-f]{16}$/);

    const bundle = await call<string>(
      handle.server,
      'GET',
      `/api/v1/certificateauthorities/${DEVICE_CA}/bundle`,
    );
    const verified = opensslVerify(String(bundle.body), device.certificatePem!);
    expect(verified.output).toContain('OK');
    const text = certificateText(device.certificatePem!);
    expect(text).toMatch(new RegExp(`CN\\s*=\\s*${device.deviceName}`));
    expect(text).toContain(`URI:${EK}`);
    // RFC 4043 PermanentIdentifier otherName (OpenSSL prints otherName with the OID's name or number).
    expect(text).toMatch(/othername:\s*(Permanent Identifier|1\.3\.6\.1\.5\.5\.7\.8\.3)/i);
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).not.toContain('TLS Web Server Authentication');

    const stored = await waitFor(handle, device.deviceName!, (resource) => resource !== null, {
      kind: 'Device',
    });
    expect(stored?.labels).toEqual({ site: 'lab' });
    expect(stored?.spec).toMatchObject({
      platform: 'tpm',
      permanentIdentifier: EK,
      identity: { caRef: { name: DEVICE_CA } },
    });

    const answer = await device.checkIn({ installed: { artifact: 'os', version: '1.0.0' } });
    expect(answer.deviceName).toBe(device.deviceName);
    expect(answer.renew).toBe(false);

    const journal = await call<{
      items: Array<{ operation: string; actor: { type: string; name: string } }>;
    }>(handle.server, 'GET', `/api/v1/journal?kind=Device&name=${device.deviceName}`);
    const operations = journal.body.items.map(
      (entry) => `${entry.operation}:${entry.actor.type}:${entry.actor.name}`,
    );
    expect(operations).toContain(`enroll:device:${device.deviceName}`);
    expect(operations).toContain(`report:device:${device.deviceName}`);
    expect(JSON.stringify(journal.body)).not.toContain(token.split('_').at(-1));
    device.close();
  });

  it('refuses unknown, malformed and used-up tokens with the reason', async () => {
    await deviceCa(handle);
    const device = await agent(handle, 'host-refused');
    const malformed = await refusal(device.enroll('not-a-token'));
    expect(malformed.code).toBe(Code.Unauthenticated);
    expect(malformed.rawMessage).toMatch(/malformed/);

    const { token } = await enrollToken(handle, { maxUses: 1 });
    const unknown = await refusal(device.enroll(`${token.slice(0, -4)}AAAA`));
    expect(unknown.code).toBe(Code.Unauthenticated);
    expect(unknown.rawMessage).toMatch(/unknown/);

    expect(await (await agent(handle, 'host-first')).enroll(token)).toBe(true);
    const usedUp = await refusal((await agent(handle, 'host-second')).enroll(token));
    expect(usedUp.code).toBe(Code.Unauthenticated);
    expect(usedUp.rawMessage).toMatch(/used|no use left/);
    // Nothing of the refused device was stored.
    expect(
      await handle.server.services.store.get({ tenant: 'default', kind: 'Device', name: 'host-second' }),
    ).toBeNull();
  });

  it('refuses an identifier that does not fit the platform, and a collision, storing nothing', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 10 });
    const wrong = await refusal((await agent(handle, 'urn:ek:sha256:short', 'tpm')).enroll(token));
    expect(wrong.code).toBe(Code.InvalidArgument);
    expect(wrong.rawMessage).toMatch(/permanentIdentifier/);

    expect(await (await agent(handle, 'C02XG2JHJG5H', 'apple')).enroll(token)).toBe(true);
    const collision = await refusal((await agent(handle, 'C02XG2JHJG5H', 'linux')).enroll(token));
    expect(collision.code).toBe(Code.AlreadyExists);
    expect(collision.rawMessage).toMatch(/belongs to Device "c02xg2jhjg5h"/);
    const named = await refusal((await agent(handle, 'other-id', 'linux', 'c02xg2jhjg5h')).enroll(token));
    expect(named.code).toBe(Code.AlreadyExists);
  });

  it('refuses a CSR whose signature does not verify', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle);
    const device = await agent(handle, 'host-bad-csr');
    const client = (await import('@connectrpc/connect')).createClient;
    const { createGrpcTransport } = await import('@connectrpc/connect-node');
    const { DeviceService } = await import('../../src/device-api/gen/steward/device/v1/device_pb.js');
    const api = handle.server.deviceApi!.server;
    const raw = client(
      DeviceService,
      createGrpcTransport({ baseUrl: api.url, nodeOptions: { ca: api.trustPem } }),
    );
    const bad = await refusal(
      raw.enroll({
        token,
        csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
        platform: 'linux',
        permanentIdentifier: 'host-bad-csr',
      }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/csr/i);
    device.close();
  });

  it('calls other than Enroll need a client certificate', async () => {
    const { createClient } = await import('@connectrpc/connect');
    const { createGrpcTransport } = await import('@connectrpc/connect-node');
    const { DeviceService } = await import('../../src/device-api/gen/steward/device/v1/device_pb.js');
    const api = handle.server.deviceApi!.server;
    const anonymous = createClient(
      DeviceService,
      createGrpcTransport({ baseUrl: api.url, nodeOptions: { ca: api.trustPem } }),
    );
    const refused = await refusal(anonymous.checkIn({}));
    expect(refused.code).toBe(Code.Unauthenticated);
    expect(refused.rawMessage).toMatch(/client certificate/);
  });

  it('two devices racing for one name: one enrolls, the other is refused, the identifier is the winner’s', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 10 });
    const racers = await Promise.all([
      agent(handle, 'racer-a', 'linux', 'raced'),
      agent(handle, 'racer-b', 'linux', 'raced'),
    ]);
    const outcomes = await Promise.allSettled(racers.map((racer) => racer.enroll(token)));
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(ConnectError.from((lost[0] as PromiseRejectedResult).reason).code).toBe(Code.AlreadyExists);
    const winner = racers[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')];
    const stored = await handle.server.services.store.get({
      tenant: 'default',
      kind: 'Device',
      name: 'raced',
    });
    expect(stored?.spec.permanentIdentifier).toBe(winner.options.identifier);
    for (const racer of racers) racer.close();
  });

  it('someone who knows an enrolled device’s identifier and holds a token gets no certificate for it without approval', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 10 });
    const genuine = await agent(handle, 'SERIAL0TAKEN', 'apple');
    expect(await genuine.enroll(token)).toBe(true);
    const impostor = await agent(handle, 'SERIAL0TAKEN', 'apple');
    // A second enrollment of an enrolled device, with another key, waits for an operator.
    expect(await impostor.enroll(token)).toBe(false);
    expect(await impostor.enroll(token)).toBe(false);
    const record = await handle.server.services.deviceRecords.get('default', 'serial0taken');
    expect(record?.approval).toBe('pending');
    // The genuine device keeps working with its own certificate.
    expect((await genuine.checkIn()).deviceName).toBe('serial0taken');
    genuine.close();
    impostor.close();
  });

  it('a replacement an operator approved supersedes the device’s earlier certificate (revoked, as Mender rejects other auth sets)', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 10 });
    const old = await agent(handle, 'SERIAL0SWAP', 'apple');
    expect(await old.enroll(token)).toBe(true);
    expect((await old.checkIn()).deviceName).toBe('serial0swap');
    const replacement = await agent(handle, 'SERIAL0SWAP', 'apple');
    expect(await replacement.enroll(token)).toBe(false);
    const approved = await call(handle.server, 'POST', '/api/v1/devices/serial0swap/approve', {
      body: {},
      token: handle.token,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(await replacement.enroll(token)).toBe(true);
    expect((await replacement.checkIn()).deviceName).toBe('serial0swap');
    // The old key is refused from its next call; the CA's records say why.
    const refused = await refusal(old.checkIn());
    expect(refused.code).toBe(Code.Unauthenticated);
    expect(refused.rawMessage).toMatch(/revoked at .*superseded/);
    const issued = await call<{
      items: Array<{ owner?: { name: string }; state: string; revocation?: { reason: string } }>;
    }>(handle.server, 'GET', '/api/v1/certificateauthorities/devices/certificates?limit=5000', {
      token: handle.token,
    });
    const mine = issued.body.items.filter((item) => item.owner?.name === 'serial0swap');
    expect(mine.map((item) => item.revocation?.reason ?? item.state).sort()).toEqual(['superseded', 'valid']);
    old.close();
    replacement.close();
  });
});
