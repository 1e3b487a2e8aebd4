import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OperationContext, systemContext } from '../../src/context.js';
import { deleteForDevice, isMediaType, MAX_LOG_BYTES } from '../../src/devices/device-logs.js';
import { DIALECTS } from '../support/databases.js';
import { adminToken, call, device, loginToken, useServer } from '../support/server.js';

const PASSWORD = 'device-logs-password-1';

/** The context the device API hands the service for a device's own call (actor `device:<name>`). */
function deviceContext(tenant: string, name: string): OperationContext {
  return systemContext(tenant, { type: 'device', id: name, name }, `upload-${name}`);
}

interface LogItem {
  id: string;
  state: string;
  requestedBy: string;
  requestedAt: string;
  uploadedAt?: string;
  contentType?: string;
  size?: number;
  sha256?: string;
}
interface LogList {
  apiVersion: string;
  kind: string;
  items: LogItem[];
  metadata: { continue?: string };
}
interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
}

describe('isMediaType', () => {
  it.each([
    ['application/gzip', true],
    ['application/x-tar', true],
    ['text/plain; charset=utf-8', true],
    ['application/vnd.steward.logs+zip', true],
    ['multipart/mixed; boundary="a b"', true],
    ['', false],
    ['gzip', false],
    ['application/', false],
    ['text/plain; charset', false],
    ['text/plain\r\nX-Injected: 1', false],
    [`application/${'x'.repeat(200)}`, false],
  ])('%j is a media type: %s', (value, expected) => {
    expect(isMediaType(value)).toBe(expected);
  });
});

describe.each(DIALECTS)('device log bundles on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const logs = () => suite.server.services.deviceLogs;
  const apply = async (manifests: unknown[], token?: string) => {
    const reply = await call(suite.server, 'POST', '/api/v1/apply', { body: manifests, token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  };
  const requestLogs = (name: string, token?: string) =>
    call<{ id: string; state: string; requestedAt: string } & Status>(
      suite.server,
      'POST',
      `/api/v1/devices/${name}/logs`,
      { token },
    );
  const listLogs = (name: string, query = '', token?: string) =>
    call<LogList & Status>(suite.server, 'GET', `/api/v1/devices/${name}/logs${query}`, { token });

  it('requests, takes the device upload, lists and downloads the same bytes in their content type', async () => {
    await apply([device('logs-a')]);
    const requested = await requestLogs('logs-a');
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ kind: 'DeviceLogRequest', state: 'requested' });
    const { id } = requested.body;
    expect(await logs().pending('default', 'logs-a')).toEqual([
      { id, requestedAt: requested.body.requestedAt },
    ]);

    const bundle = randomBytes(4096);
    const stored = await logs().upload(
      deviceContext('default', 'logs-a'),
      'logs-a',
      id,
      'application/gzip',
      bundle,
    );
    expect(stored).toMatchObject({ id, size: 4096 });
    expect(await logs().pending('default', 'logs-a')).toEqual([]);

    const list = await listLogs('logs-a');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ apiVersion: 'steward.dev/v1', kind: 'DeviceLogList', metadata: {} });
    expect(list.body.items).toEqual([
      {
        id,
        state: 'uploaded',
        requestedBy: 'admin',
        requestedAt: requested.body.requestedAt,
        uploadedAt: expect.any(String),
        contentType: 'application/gzip',
        size: 4096,
        sha256: stored.sha256,
      },
    ]);

    const download = await suite.server.app.inject({
      method: 'GET',
      url: `/api/v1/devices/logs-a/logs/${id}`,
      headers: { authorization: `Bearer ${adminToken(suite.server)}` },
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/gzip');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="logs-a-logs-${id}"`);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['repr-digest']).toBe(
      `sha-256=:${Buffer.from(stored.sha256, 'hex').toString('base64')}:`,
    );
    expect(Buffer.compare(download.rawPayload, bundle)).toBe(0);
  });

  it('journals the request as the operator and the upload as the device, with the bundle id', async () => {
    await apply([device('logs-journal')]);
    const { id } = (await requestLogs('logs-journal')).body;
    await logs().upload(
      deviceContext('default', 'logs-journal'),
      'logs-journal',
      id,
      'text/plain',
      Buffer.from('hi'),
    );
    const entries = await suite.server.services.db
      .knex('journal_entries')
      .where({ tenant: 'default', name: 'logs-journal' })
      .whereIn('operation', ['logs.request', 'logs.upload'])
      .orderBy('seq');
    expect(
      entries.map((entry) => [entry.operation, entry.kind, entry.result, entry.actor_name, entry.reason]),
    ).toEqual([
      ['logs.request', 'Device', 'requested', 'admin', `log bundle ${id}`],
      ['logs.upload', 'Device', 'uploaded', 'logs-journal', `log bundle ${id}`],
    ]);
    expect((await call(suite.server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
  });

  it('accepts a bundle of exactly 10 MiB and refuses one byte more, naming both sizes', async () => {
    await apply([device('logs-cap')]);
    const first = (await requestLogs('logs-cap')).body.id;
    const context = deviceContext('default', 'logs-cap');
    const over = logs().upload(
      context,
      'logs-cap',
      first,
      'application/gzip',
      new Uint8Array(MAX_LOG_BYTES + 1),
    );
    await expect(over).rejects.toMatchObject({
      reason: 'Invalid',
      message: `the log bundle has ${MAX_LOG_BYTES + 1} bytes; at most ${MAX_LOG_BYTES} bytes (10 MiB) are accepted`,
    });
    // Refused before anything was written: the request still waits.
    expect((await logs().pending('default', 'logs-cap')).map((request) => request.id)).toEqual([first]);
    const atCap = await logs().upload(
      context,
      'logs-cap',
      first,
      'application/gzip',
      new Uint8Array(MAX_LOG_BYTES),
    );
    expect(atCap.size).toBe(MAX_LOG_BYTES);
  });

  it('refuses an unknown request id, another device’s request, a second upload, a foreign actor and a bad content type', async () => {
    await apply([device('logs-one'), device('logs-two')]);
    const mine = (await requestLogs('logs-one')).body.id;
    const theirs = (await requestLogs('logs-two')).body.id;
    const one = deviceContext('default', 'logs-one');
    const bytes = Buffer.from('log line\n');

    await expect(
      logs().upload(one, 'logs-one', '00000000-0000-0000-0000-000000000000', 'text/plain', bytes),
    ).rejects.toMatchObject({ reason: 'NotFound' });
    await expect(logs().upload(one, 'logs-one', theirs, 'text/plain', bytes)).rejects.toMatchObject({
      reason: 'NotFound',
      message: `no pending log request "${theirs}" for Device "logs-one"`,
    });
    // Claiming to be the other device through its name is refused too.
    await expect(logs().upload(one, 'logs-two', theirs, 'text/plain', bytes)).rejects.toMatchObject({
      reason: 'Forbidden',
    });
    const operator = systemContext('default', { type: 'user', id: 'u', name: 'admin' }, 'r');
    await expect(logs().upload(operator, 'logs-one', mine, 'text/plain', bytes)).rejects.toMatchObject({
      reason: 'Forbidden',
    });
    await expect(logs().upload(one, 'logs-one', mine, 'not a type', bytes)).rejects.toMatchObject({
      reason: 'Invalid',
    });
    // Another tenant's device of the same name cannot answer this tenant's request.
    await expect(
      logs().upload(deviceContext('other', 'logs-one'), 'logs-one', mine, 'text/plain', bytes),
    ).rejects.toMatchObject({ reason: 'NotFound' });

    await logs().upload(one, 'logs-one', mine, 'text/plain', bytes);
    await expect(logs().upload(one, 'logs-one', mine, 'text/plain', bytes)).rejects.toMatchObject({
      reason: 'NotFound',
    });
    expect((await logs().pending('default', 'logs-two')).map((request) => request.id)).toEqual([theirs]);
  });

  it('answers 404 for a bundle still requested (saying so), an unknown one, and an unknown device', async () => {
    await apply([device('logs-wait')]);
    const { id } = (await requestLogs('logs-wait')).body;
    const waiting = await call<Status>(suite.server, 'GET', `/api/v1/devices/logs-wait/logs/${id}`);
    expect(waiting.status).toBe(404);
    expect(waiting.body.message).toContain('is still requested');
    const unknown = await call<Status>(suite.server, 'GET', '/api/v1/devices/logs-wait/logs/nope');
    expect(unknown.status).toBe(404);
    expect((await requestLogs('no-such-device')).status).toBe(404);
    expect((await listLogs('no-such-device')).status).toBe(404);
    // The bundle of one device is not found under another's name.
    await apply([device('logs-wait-2')]);
    await logs().upload(
      deviceContext('default', 'logs-wait'),
      'logs-wait',
      id,
      'text/plain',
      Buffer.from('x'),
    );
    expect((await call(suite.server, 'GET', `/api/v1/devices/logs-wait-2/logs/${id}`)).status).toBe(404);
  });

  it('keeps at most 5 requests waiting per device (409 beyond, with a clear message)', async () => {
    await apply([device('logs-busy')]);
    for (let index = 0; index < 5; index++) expect((await requestLogs('logs-busy')).status).toBe(202);
    const refused = await requestLogs('logs-busy');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      'Device "logs-busy" already has 5 log requests waiting for its upload (at most 5); wait until it checks in and uploads them',
    );
    const [oldest] = await logs().pending('default', 'logs-busy');
    await logs().upload(
      deviceContext('default', 'logs-busy'),
      'logs-busy',
      oldest.id,
      'text/plain',
      Buffer.from('x'),
    );
    expect((await requestLogs('logs-busy')).status).toBe(202);
  });

  it('pages the list newest first with limit and continue', async () => {
    await apply([device('logs-pages')]);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { id } = (await requestLogs('logs-pages')).body;
      ids.push(id);
      await logs().upload(
        deviceContext('default', 'logs-pages'),
        'logs-pages',
        id,
        'text/plain',
        Buffer.from(`${index}`),
      );
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await listLogs('logs-pages', `?limit=2${token ? `&continue=${token}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.id));
      token = page.body.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    // Newest first: the reverse of the request order (ties in time broken by id, stably).
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(5);
    const all = (await listLogs('logs-pages')).body.items.map((item) => item.id);
    expect(seen).toEqual(all);
    const times = (await listLogs('logs-pages')).body.items.map((item) => item.requestedAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await listLogs('logs-pages', '?limit=0')).status).toBe(400);
    expect((await listLogs('logs-pages', '?continue=garbage')).status).toBe(400);
  });

  it('lets a viewer list and download but not request', async () => {
    await apply([device('logs-viewer')]);
    const created = await call(suite.server, 'POST', '/api/v1/users', {
      body: { username: 'logs-viewer', password: PASSWORD, role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const viewer = await loginToken(suite.server, 'logs-viewer', PASSWORD);
    const refused = await requestLogs('logs-viewer', viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('"devices:write"');
    const { id } = (await requestLogs('logs-viewer')).body;
    await logs().upload(
      deviceContext('default', 'logs-viewer'),
      'logs-viewer',
      id,
      'text/plain',
      Buffer.from('ok'),
    );
    expect((await listLogs('logs-viewer', '', viewer)).body.items).toHaveLength(1);
    const download = await call(suite.server, 'GET', `/api/v1/devices/logs-viewer/logs/${id}`, {
      token: viewer,
    });
    expect(download.status).toBe(200);
  });

  it('isolates tenants: another tenant sees none of the logs and cannot request', async () => {
    await apply([device('logs-shared')]);
    const { id } = (await requestLogs('logs-shared')).body;
    await logs().upload(
      deviceContext('default', 'logs-shared'),
      'logs-shared',
      id,
      'text/plain',
      Buffer.from('a'),
    );
    const tenant = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'logs-b', admin: { username: 'b-admin', password: PASSWORD } },
    });
    expect(tenant.status).toBe(201);
    const other = await loginToken(suite.server, 'b-admin', PASSWORD, 'logs-b');

    expect((await requestLogs('logs-shared', other)).status).toBe(404);
    expect((await listLogs('logs-shared', '', other)).status).toBe(404);
    expect(
      (await call(suite.server, 'GET', `/api/v1/devices/logs-shared/logs/${id}`, { token: other })).status,
    ).toBe(404);
    // Its own device of the same name has its own (empty) list, and A's bundle is not under it.
    await apply([device('logs-shared')], other);
    expect((await listLogs('logs-shared', '', other)).body.items).toEqual([]);
    expect(
      (await call(suite.server, 'GET', `/api/v1/devices/logs-shared/logs/${id}`, { token: other })).status,
    ).toBe(404);
    expect(await logs().pending('logs-b', 'logs-shared')).toEqual([]);
    expect((await listLogs('logs-shared')).body.items).toHaveLength(1);
  });

  it('deleteForDevice removes exactly one device’s rows', async () => {
    await apply([device('logs-gone'), device('logs-kept')]);
    await requestLogs('logs-gone');
    await requestLogs('logs-gone');
    await requestLogs('logs-kept');
    const removed = await suite.server.services.db.transaction((trx) =>
      deleteForDevice(trx, 'default', 'logs-gone'),
    );
    expect(removed).toBe(2);
    expect(await logs().pending('default', 'logs-gone')).toEqual([]);
    expect(await logs().pending('default', 'logs-kept')).toHaveLength(1);
  });
});
