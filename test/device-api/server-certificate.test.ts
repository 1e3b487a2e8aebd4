/**
 * The device API's server certificate: self-managed by default; with STEWARD_DEVICE_SERVER_CA, issued
 * by that Steward CA once it can issue (the self-managed CA serves until then).
 */
import { X509Certificate } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { usePkiServer } from '../pki/pki-server.js';
import { agent, DEVICE_CA, deviceCa, enrollToken } from './device-fleet.js';

const handle = usePkiServer({ env: { STEWARD_DEVICE_SERVER_CA: `default/${DEVICE_CA}` } });

/** The certificate the listener presents, verified against `trustPem` by Node's TLS client. */
function presented(url: string, trustPem: string): Promise<X509Certificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect(
      { host: hostname, port: Number(port), ca: trustPem, servername: 'localhost' },
      () => {
        const raw = socket.getPeerCertificate().raw;
        socket.end();
        resolve(new X509Certificate(raw));
      },
    );
    socket.once('error', reject);
  });
}

describe('the device API server certificate', () => {
  it('comes from the named Steward CA once it can issue; agents trust that CA', async () => {
    const api = handle.server.deviceApi!;
    const before = await presented(api.server.url, api.server.trustPem);
    expect(before.issuer).toContain('Steward device API CA');

    await deviceCa(handle);
    await api.renewServerCertificate();
    const after = await presented(api.server.url, api.server.trustPem);
    expect(after.issuer).toContain('Device Identities');
    expect(after.subject).toContain('Steward device API');
    expect(api.server.trustPem).toContain('BEGIN CERTIFICATE');

    // The reference agent enrolls and checks in, trusting only the Steward CA's chain.
    const device = await agent(handle, 'behind-steward-ca');
    expect(await device.enroll((await enrollToken(handle)).token)).toBe(true);
    expect((await device.checkIn()).deviceName).toBe('behind-steward-ca');
    device.close();
  });
});
