import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { call, device, useServer } from '../support/server.js';

interface ApplyBody {
  items: Array<{ kind: string; name: string; result: string; generation: number; resourceVersion: string }>;
}
interface ListBody {
  kind: string;
  items: Array<{
    metadata: { name: string; generation: number; resourceVersion: string; labels?: Record<string, string> };
    spec: Record<string, unknown>;
    status: Record<string, unknown>;
  }>;
  metadata: { continue?: string };
}
interface StatusBody {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    causes?: Array<{ document?: number; pointer: string; message: string; line?: number; column?: number }>;
  };
}

describe.each(DIALECTS)('resource store and API on $dialect', ({ create }) => {
  const suite = useServer({ database: create });

  const apply = (body: unknown, query = '') =>
    call<ApplyBody & StatusBody>(suite.server, 'POST', `/api/v1/apply${query}`, { body });
  const list = (query = '') => call<ListBody>(suite.server, 'GET', `/api/v1/devices${query}`);

  it('creates, then reports unchanged, then configured with a new generation', async () => {
    const created = await apply([device('gen-a', { team: 'infra' })]);
    expect(created.status).toBe(200);
    expect(created.body.items[0]).toMatchObject({
      name: 'gen-a',
      result: 'created',
      generation: 1,
      resourceVersion: '1',
    });

    const again = await apply([device('gen-a', { team: 'infra' })]);
    expect(again.body.items[0]).toMatchObject({ result: 'unchanged', generation: 1, resourceVersion: '1' });

    const changed = await apply([device('gen-a', { team: 'infra' }, { displayName: 'Build box' })]);
    expect(changed.body.items[0]).toMatchObject({
      result: 'configured',
      generation: 2,
      resourceVersion: '2',
    });

    const relabelled = await apply([device('gen-a', { team: 'platform' }, { displayName: 'Build box' })]);
    expect(relabelled.body.items[0]).toMatchObject({
      result: 'configured',
      generation: 3,
      resourceVersion: '3',
    });
  });

  it('ignores status and server-set metadata on input', async () => {
    const manifest = {
      ...device('status-ignored'),
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    (manifest.metadata as Record<string, unknown>).generation = 42;
    (manifest.metadata as Record<string, unknown>).uid = 'forged';
    await apply([manifest]);
    const stored = await call<ListBody['items'][0] & { metadata: { uid: string } }>(
      suite.server,
      'GET',
      '/api/v1/devices/status-ignored',
    );
    expect(stored.body.status).toEqual({});
    expect(stored.body.metadata.generation).toBe(1);
    expect(stored.body.metadata.uid).not.toBe('forged');
  });

  it('refuses a stale resourceVersion with 409 and writes nothing', async () => {
    await apply([device('rv-a')]);
    await apply([device('rv-a', {}, { displayName: 'v2' })]);
    const stale = device('rv-a', {}, { displayName: 'v3' });
    (stale.metadata as Record<string, unknown>).resourceVersion = '1';
    const response = await apply([stale]);
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });
    expect(response.body.details?.causes?.[0]).toMatchObject({
      document: 0,
      pointer: '/metadata/resourceVersion',
    });
    const stored = await call<ListBody['items'][0]>(suite.server, 'GET', '/api/v1/devices/rv-a');
    expect(stored.body.spec.displayName).toBe('v2');

    const fresh = device('rv-a', {}, { displayName: 'v3' });
    (fresh.metadata as Record<string, unknown>).resourceVersion = stored.body.metadata.resourceVersion;
    expect((await apply([fresh])).body.items[0].result).toBe('configured');
  });

  it('is atomic: one invalid document means nothing of the batch is written', async () => {
    const before = await list('?limit=5000');
    const response = await apply([
      device('atomic-ok-1'),
      device('atomic-bad', {}, { platform: 'apple', permanentIdentifier: 'lowercase' }),
      device('atomic-ok-2'),
      { ...device('atomic-bad-2'), spec: { platform: 'linux', permanentIdentifier: 'x', bogus: 1 } },
    ]);
    expect(response.status).toBe(422);
    expect(response.body.reason).toBe('Invalid');
    const causes = response.body.details?.causes ?? [];
    expect(causes.map((cause) => [cause.document, cause.pointer])).toEqual(
      expect.arrayContaining([
        [1, '/spec/permanentIdentifier'],
        [3, '/spec/bogus'],
      ]),
    );
    const after = await list('?limit=5000');
    expect(after.body.items).toEqual(before.body.items);
  });

  it('refuses two documents naming the same resource', async () => {
    const response = await apply([device('dup-a'), device('dup-a', {}, { displayName: 'again' })]);
    expect(response.status).toBe(422);
    expect(response.body.details?.causes?.[0]).toMatchObject({ document: 1, pointer: '/metadata/name' });
    expect((await call(suite.server, 'GET', '/api/v1/devices/dup-a')).status).toBe(404);
  });

  it('answers a dry run with the same results and writes nothing', async () => {
    const response = await apply([device('dry-a')], '?dryRun=true');
    expect(response.body).toMatchObject({ dryRun: true, items: [{ name: 'dry-a', result: 'created' }] });
    expect((await call(suite.server, 'GET', '/api/v1/devices/dry-a')).status).toBe(404);
  });

  it('evaluates every label selector form in the database', async () => {
    await apply([
      device('sel-1', { tier: 'sel', env: 'prod', ring: '1' }),
      device('sel-2', { tier: 'sel', env: 'staging', ring: '2' }),
      device('sel-3', { tier: 'sel', env: 'dev' }),
    ]);
    const names = async (selector: string) =>
      (await list(`?labelSelector=${encodeURIComponent(`tier=sel,${selector}`)}`)).body.items.map(
        (item) => item.metadata.name,
      );
    expect(await names('env=prod')).toEqual(['sel-1']);
    expect(await names('env==prod')).toEqual(['sel-1']);
    expect(await names('env!=prod')).toEqual(['sel-2', 'sel-3']);
    expect(await names('env in (prod,staging)')).toEqual(['sel-1', 'sel-2']);
    expect(await names('env notin (prod)')).toEqual(['sel-2', 'sel-3']);
    expect(await names('ring')).toEqual(['sel-1', 'sel-2']);
    expect(await names('!ring')).toEqual(['sel-3']);
    expect(await names('ring notin (1)')).toEqual(['sel-2', 'sel-3']);
    const bad = await list('?labelSelector=a%20in%20b');
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as StatusBody).message).toContain('cannot parse');
  });

  it('pages with limit and an opaque continue token in a stable order', async () => {
    await apply(
      Array.from({ length: 25 }, (_, i) => device(`page-${String(i).padStart(2, '0')}`, { paging: 'yes' })),
    );
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await list(`?labelSelector=paging%3Dyes&limit=10${token ? `&continue=${token}` : ''}`);
      expect(page.body.kind).toBe('DeviceList');
      seen.push(...page.body.items.map((item) => item.metadata.name));
      token = page.body.metadata.continue;
    } while (token);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
    expect((await list('?continue=garbage')).status).toBe(400);
    expect((await list('?limit=0')).status).toBe(400);
  });

  it('answers unknown names and types with a Status and a request id', async () => {
    const missing = await call<StatusBody>(suite.server, 'GET', '/api/v1/devices/nope', {
      headers: { 'x-request-id': 'req-123' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      apiVersion: 'steward.dev/v1',
      kind: 'Status',
      code: 404,
      reason: 'NotFound',
      message: 'Device "nope" not found',
    });
    expect(missing.headers['x-request-id']).toBe('req-123');
    const unknown = await call<StatusBody>(suite.server, 'GET', '/api/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('unknown resource type "widgets"');
    expect((await call(suite.server, 'GET', '/healthz')).headers['x-request-id']).toBeTruthy();
  });

  it('deletes by name and by manifests', async () => {
    await apply([device('del-1'), device('del-2'), device('del-3')]);
    const one = await call<{ items: Array<{ result: string }> }>(
      suite.server,
      'DELETE',
      '/api/v1/devices/del-1',
    );
    expect(one.body.items[0].result).toBe('deleted');
    expect((await call(suite.server, 'GET', '/api/v1/devices/del-1')).status).toBe(404);
    expect((await call(suite.server, 'DELETE', '/api/v1/devices/del-1')).status).toBe(404);
    const many = await call<{ items: Array<{ name: string; result: string }> }>(
      suite.server,
      'POST',
      '/api/v1/delete',
      { body: [device('del-2'), device('del-3'), device('del-never')] },
    );
    expect(many.body.items.map((item) => item.result)).toEqual(['deleted', 'deleted', 'notFound']);
  });

  it('reports /healthz and /readyz', async () => {
    expect((await call(suite.server, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(suite.server, 'GET', '/readyz')).body).toMatchObject({ status: 'ready' });
  });
});

describe('the SQLite read cache never serves a stale resource', () => {
  const suite = useServer();

  it('reflects applies, status writes and deletes on the very next read', async () => {
    const read = () =>
      call<{
        spec: Record<string, unknown>;
        status: Record<string, unknown>;
        metadata: { resourceVersion: string };
      }>(suite.server, 'GET', '/api/v1/devices/cached');
    expect((await read()).status).toBe(404);
    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('cached', {}, { displayName: 'one' })],
    });
    expect((await read()).body.spec.displayName).toBe('one');
    expect((await read()).body.spec.displayName).toBe('one');
    await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('cached', {}, { displayName: 'two' })],
    });
    const second = await read();
    expect(second.body.spec.displayName).toBe('two');
    const stored = await suite.server.services.store.get({
      tenant: 'default',
      kind: 'Device',
      name: 'cached',
    });
    await suite.server.services.store.writeStatus(
      stored!.uid,
      { observedGeneration: 2 },
      stored!.resourceVersion,
      new Date().toISOString(),
    );
    expect((await read()).body.status).toEqual({ observedGeneration: 2 });
    await call(suite.server, 'DELETE', '/api/v1/devices/cached');
    expect((await read()).status).toBe(404);
  });
});
