/**
 * Log bundles end to end: an operator asks (REST), the device sees the request at its next
 * check-in and uploads over mTLS, the operator downloads the same bytes in their own content type.
 * The 10 MiB cap is answered with a clear error, above it and far above it.
 */
import { randomBytes } from 'node:crypto';
import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { usePkiServer } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { agent, deviceCa, enrollToken, refusal } from './device-fleet.js';

const MiB = 1024 * 1024;
const handle = usePkiServer();

describe('device log bundles over the device API', () => {
  it('request, see at check-in, upload, download the same bytes; the cap refuses with the sizes', async () => {
    await deviceCa(handle);
    const device = await agent(handle, 'logs-host');
    await device.enroll((await enrollToken(handle)).token);
    const name = device.deviceName!;
    expect((await device.checkIn()).logRequests).toEqual([]);

    const requested = await call<{ id: string }>(handle.server, 'POST', `/api/v1/devices/${name}/logs`);
    expect(requested.status).toBe(202);
    const answer = await device.checkIn();
    expect(answer.logRequests.map((request) => request.id)).toEqual([requested.body.id]);

    const tooBig = await refusal(
      device.uploadLogs(requested.body.id, Buffer.alloc(10 * MiB + 1), 'application/gzip'),
    );
    expect(tooBig.code, tooBig.message).toBe(Code.InvalidArgument);
    expect(tooBig.rawMessage).toMatch(/10485761.*10485760|10\\.0 MiB/);
    const farTooBig = await refusal(
      device.uploadLogs(requested.body.id, Buffer.alloc(12 * MiB), 'application/gzip'),
    );
    expect(farTooBig.code, farTooBig.message).toBe(Code.ResourceExhausted);

    const bundle = randomBytes(256 * 1024);
    const logId = await device.uploadLogs(requested.body.id, bundle, 'application/gzip');
    expect(logId).toBe(requested.body.id);
    expect((await device.checkIn()).logRequests).toEqual([]);
    const downloaded = await handle.server.app.inject({
      method: 'GET',
      url: `/api/v1/devices/${name}/logs/${logId}`,
      headers: { authorization: `Bearer ${handle.token}` },
    });
    expect(downloaded.statusCode).toBe(200);
    expect(downloaded.headers['content-type']).toBe('application/gzip');
    expect(Buffer.compare(downloaded.rawPayload, bundle)).toBe(0);
    device.close();
  });
});
