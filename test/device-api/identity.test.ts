/**
 * A device's identity over its life, on a fake clock: manual approval, renewal before expiry,
 * refusal once expired, revocation when the Device is deleted (the finalizer) — each certificate
 * judged by `openssl verify -crl_check`, each refusal on the very next call.
 */
import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import type { StoredResource } from '../../src/resources/model.js';
import { ManualClock } from '../engine/manual-clock.js';
import { advance, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { agent, bundlePem, crlPem, deviceCa, enrollToken, opensslVerify, refusal } from './device-fleet.js';

const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
const handle = usePkiServer({ clock });

function condition(resource: StoredResource | null, type: string) {
  return resource?.status.conditions?.find((candidate) => candidate.type === type);
}

describe('device identity on a fake clock', () => {
  it('a manual token leaves the device PendingApproval until devices:approve; then Enroll collects the certificate', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { approval: 'manual' });
    const device = await agent(handle, 'host-manual');
    expect(await device.enroll(token)).toBe(false);
    const name = device.deviceName!;
    const pending = await waitFor(
      handle,
      name,
      (resource) => condition(resource, 'Ready')?.reason === 'PendingApproval',
      {
        kind: 'Device',
      },
    );
    expect(pending?.status.approved).toBe(false);
    // Still pending: calling again takes no second use of a single-use token and issues nothing.
    expect(await device.enroll(token)).toBe(false);

    const approved = await call(handle.server, 'POST', `/api/v1/devices/${name}/approve`, {
      body: {},
      token: handle.token,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const again = await call<{ message: string }>(handle.server, 'POST', `/api/v1/devices/${name}/approve`, {
      body: {},
      token: handle.token,
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already approved/);

    expect(await device.enroll(token)).toBe(true);
    const ready = await waitFor(handle, name, (resource) => condition(resource, 'Ready')?.status === 'True', {
      kind: 'Device',
    });
    expect(ready?.status).toMatchObject({ approved: true, assurance: 'normal' });
    device.close();
  });

  it('renews before expiry, is refused once expired, and each certificate passes openssl', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 2 });
    const renewing = await agent(handle, 'host-renewing');
    const lapsing = await agent(handle, 'host-lapsing');
    await renewing.enroll(token);
    await lapsing.enroll(token);
    const first = renewing.certificatePem!;
    expect((await renewing.checkIn()).renew).toBe(false);

    // The CA's leafValidity is 720 h: past two thirds the device is told to renew.
    await advance(handle, clock, 500);
    await handle.relogin();
    expect((await renewing.checkIn()).renew).toBe(true);
    await renewing.renew();
    expect(renewing.certificatePem).not.toBe(first);
    expect((await renewing.checkIn()).renew).toBe(false);
    const bundle = await bundlePem(handle);
    const renewedCheck = opensslVerify(bundle, renewing.certificatePem!, await crlPem(handle), clock.now());
    expect(renewedCheck.output).toContain('OK');

    await advance(handle, clock, 240);
    await handle.relogin();
    const expired = await refusal(lapsing.checkIn());
    expect(expired.code).toBe(Code.Unauthenticated);
    expect(expired.rawMessage).toMatch(/expired at/);
    expect((await renewing.checkIn()).deviceName).toBe(renewing.deviceName);
    const status = await waitFor(
      handle,
      lapsing.deviceName!,
      (resource) => condition(resource, 'CertificateValid')?.reason === 'CertificateExpired',
      { kind: 'Device' },
    );
    expect(condition(status, 'Ready')?.status).toBe('False');
    renewing.close();
    lapsing.close();
  });

  it('deleting the Device revokes its certificate: openssl says revoked and the next call is refused', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle);
    const device = await agent(handle, 'host-deleted');
    await device.enroll(token);
    await device.checkIn();
    const name = device.deviceName!;
    const bundle = await bundlePem(handle);
    expect(opensslVerify(bundle, device.certificatePem!, await crlPem(handle), clock.now()).output).toContain(
      'OK',
    );

    const deleted = await call(handle.server, 'DELETE', `/api/v1/devices/${name}`, { token: handle.token });
    expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
    await waitFor(handle, name, (resource) => resource === null, { kind: 'Device' });
    const refused = await refusal(device.checkIn());
    expect(refused.code).toBe(Code.Unauthenticated);
    expect(refused.rawMessage).toMatch(/revoked/);
    const verdict = opensslVerify(bundle, device.certificatePem!, await crlPem(handle), clock.now());
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toMatch(/certificate revoked/);
    device.close();
  });

  it('a certificate revoked through the CA is refused on the very next call', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle);
    const device = await agent(handle, 'host-revoked');
    await device.enroll(token);
    await device.checkIn();
    const serial = (
      await waitFor(handle, device.deviceName!, (resource) => Boolean(resource?.status.certificate), {
        kind: 'Device',
      })
    )?.status.certificate as { serial: string };
    const revoked = await call(handle.server, 'POST', '/api/v1/certificateauthorities/devices/revoke', {
      body: { serial: serial.serial, reason: 'keyCompromise' },
      token: handle.token,
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const refused = await refusal(device.checkIn());
    expect(refused.code).toBe(Code.Unauthenticated);
    expect(refused.rawMessage).toMatch(/revoked at .*keyCompromise/);
    device.close();
  });

  it('a Device that names another CA has its certificates from the earlier CA revoked', async () => {
    await deviceCa(handle);
    await handle.relogin();
    const { token } = await enrollToken(handle);
    const device = await agent(handle, 'host-moving');
    await device.enroll(token);
    await device.checkIn();
    const name = device.deviceName!;
    const bundle = await bundlePem(handle);
    const stored = await handle.server.services.store.get({ tenant: 'default', kind: 'Device', name });
    const moved = await call(handle.server, 'POST', '/api/v1/apply', {
      token: handle.token,
      body: [
        {
          apiVersion: 'steward.dev/v1',
          kind: 'Device',
          metadata: { name, labels: stored?.labels },
          spec: { ...stored?.spec, identity: { caRef: { name: 'device-root' } } },
        },
      ],
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await waitFor(handle, name, (resource) => condition(resource, 'CertificateValid')?.status === 'False', {
      kind: 'Device',
    });
    const refused = await refusal(device.checkIn());
    expect(refused.rawMessage).toMatch(/revoked at .*affiliationChanged/);
    const verdict = opensslVerify(bundle, device.certificatePem!, await crlPem(handle), clock.now());
    expect(verdict.output).toMatch(/certificate revoked/);
    device.close();
  });
});
