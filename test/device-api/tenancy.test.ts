/**
 * Nothing of a device of tenant A is visible to, or reachable by, tenant B — through the REST API
 * or the device API: names and identifiers are per tenant, tokens enroll into their own tenant,
 * a device's certificate acts only as that device.
 */
import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { usePkiServer, waitFor } from '../pki/pki-server.js';
import { call, loginToken } from '../support/server.js';
import { agent, deviceCa, enrollToken, refusal } from './device-fleet.js';

const PASSWORD = 'tenant-b-password-1';
const handle = usePkiServer();

describe('device tenancy', () => {
  it('tenant B sees none of tenant A’s devices and its devices act only in B', async () => {
    await deviceCa(handle);
    const created = await call(handle.server, 'POST', '/api/v1/tenants', {
      body: { name: 'devices-b', admin: { username: 'b-admin', password: PASSWORD } },
      token: handle.token,
    });
    expect(created.status).toBe(201);
    const tokenB = await loginToken(handle.server, 'b-admin', PASSWORD, 'devices-b');
    await deviceCa(handle, tokenB, 'devices-b');

    // The same identifier enrolls in both tenants, each into its own Device.
    const inA = await agent(handle, 'shared-host');
    await inA.enroll((await enrollToken(handle, { approval: 'manual' })).token);
    const inB = await agent(handle, 'shared-host');
    await inB.enroll((await enrollToken(handle, {}, tokenB)).token);
    expect(inA.deviceName).toBe('shared-host');
    expect(inB.deviceName).toBe('shared-host');
    await waitFor(handle, 'shared-host', (resource) => resource !== null, {
      kind: 'Device',
      tenant: 'devices-b',
    });

    // REST: B's admin can neither see nor approve A's pending device, nor learn of it.
    const seen = await call<{ status: { approved?: boolean } }>(
      handle.server,
      'GET',
      '/api/v1/devices/shared-host',
      {
        token: tokenB,
      },
    );
    expect(seen.status).toBe(200);
    expect(seen.body.status.approved).not.toBe(false);
    const approve = await call(handle.server, 'POST', '/api/v1/devices/shared-host/approve', {
      body: {},
      token: tokenB,
    });
    expect(approve.status).toBe(409);
    expect(JSON.stringify(approve.body)).not.toContain('pending');
    expect((await handle.server.services.deviceRecords.get('default', 'shared-host'))?.approval).toBe(
      'pending',
    );
    const listB = await call<{ items: Array<{ metadata: { name: string } }> }>(
      handle.server,
      'GET',
      '/api/v1/devices',
      {
        token: tokenB,
      },
    );
    expect(listB.body.items.map((item) => item.metadata.name)).toEqual(['shared-host']);

    // Device API: B's device's log requests and answers are B's alone.
    const requested = await call<{ id: string }>(handle.server, 'POST', '/api/v1/devices/shared-host/logs', {
      token: handle.token,
    });
    expect(requested.status).toBe(202);
    const answer = await inB.checkIn();
    expect(answer.logRequests).toEqual([]);
    const upload = await refusal(inB.uploadLogs(requested.body.id, Buffer.from('not yours')));
    expect(upload.code).toBe(Code.NotFound);
    const logsA = await call<{ items: Array<{ state: string }> }>(
      handle.server,
      'GET',
      '/api/v1/devices/shared-host/logs',
      {
        token: handle.token,
      },
    );
    expect(logsA.body.items.map((item) => item.state)).toEqual(['requested']);

    // A token of tenant A never enrolls into B, whatever name the device asks for.
    const asked = await agent(handle, 'b-only-host');
    await asked.enroll((await enrollToken(handle)).token);
    expect(
      (await call(handle.server, 'GET', `/api/v1/devices/${asked.deviceName}`, { token: tokenB })).status,
    ).toBe(404);
    for (const device of [inA, inB, asked]) device.close();
  });
});
