import { describe, expect, it } from 'vitest';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { DIALECTS } from '../support/databases.js';
import { call, device, loginToken, useServer } from '../support/server.js';

const PASSWORD = 'device-groups-password-1';

interface DeviceList {
  apiVersion: string;
  kind: string;
  items: Array<{ kind: string; metadata: { name: string; labels?: Record<string, string> } }>;
  metadata: { continue?: string };
}
interface Status {
  code: number;
  reason: string;
  message: string;
}

function group(name: string, selector: Record<string, unknown>) {
  return { apiVersion: 'steward.dev/v1', kind: 'DeviceGroup', metadata: { name }, spec: { selector } };
}

describe.each(DIALECTS)('DeviceGroup members on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const applyAll = async (manifests: unknown[], token?: string) => {
    const reply = await call(suite.server, 'POST', '/api/v1/apply', { body: manifests, token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  };
  const members = (name: string, query = '', token?: string) =>
    call<DeviceList & Status>(suite.server, 'GET', `/api/v1/devicegroups/${name}/members${query}`, { token });
  const names = (list: DeviceList) => list.items.map((item) => item.metadata.name);

  it('lists the devices the selector matches (labels and expressions), by name, as a DeviceList', async () => {
    await applyAll([
      device('m-3', { team: 'infra', env: 'prod' }),
      device('m-1', { team: 'infra', env: 'prod' }),
      device('m-2', { team: 'infra', env: 'staging' }),
      device('m-4', { team: 'web', env: 'prod' }),
      device('m-5', { team: 'infra', env: 'prod', retired: 'yes' }),
      group('infra-prod', {
        matchLabels: { team: 'infra' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod'] },
          { key: 'retired', operator: 'DoesNotExist' },
        ],
      }),
      group('nobody', { matchLabels: { team: 'nobody' } }),
    ]);
    const reply = await members('infra-prod');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ apiVersion: 'steward.dev/v1', kind: 'DeviceList', metadata: {} });
    expect(names(reply.body)).toEqual(['m-1', 'm-3']);
    expect(reply.body.items[0]).toMatchObject({ kind: 'Device', metadata: { labels: { team: 'infra' } } });
    expect((await members('nobody')).body.items).toEqual([]);
  });

  it('pages with limit and continue, and refuses a bad limit or token', async () => {
    await applyAll([
      ...Array.from({ length: 7 }, (_, index) => device(`page-${index}`, { paged: 'yes' })),
      group('paged', { matchLabels: { paged: 'yes' } }),
    ]);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await members('paged', `?limit=3${token ? `&continue=${token}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...names(page.body));
      token = page.body.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, index) => `page-${index}`));
    expect((await members('paged', '?limit=0')).status).toBe(400);
    expect((await members('paged', '?continue=garbage')).status).toBe(400);
  });

  it('answers 404 for an unknown group', async () => {
    const reply = await members('no-such-group');
    expect(reply.status).toBe(404);
    expect(reply.body.message).toBe('DeviceGroup "no-such-group" not found');
  });

  it('needs devices:read as well as devicegroups:read (403 naming it)', async () => {
    await applyAll([device('perm-1', { perm: 'yes' }), group('perm', { matchLabels: { perm: 'yes' } })]);
    const key = async (permissions: string[]) => {
      const created = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
        body: {
          type: 'fine-grained',
          name: `members-${permissions.length}-${permissions[0].split(':')[0]}`,
          permissions,
        },
      });
      expect(created.status).toBe(201);
      return created.body.key;
    };
    const groupsOnly = await members('perm', '', await key(['devicegroups:read']));
    expect(groupsOnly.status).toBe(403);
    expect(groupsOnly.body.message).toContain('"devices:read"');
    const devicesOnly = await members('perm', '', await key(['devices:read']));
    expect(devicesOnly.status).toBe(403);
    expect(devicesOnly.body.message).toContain('"devicegroups:read"');
    const both = await members('perm', '', await key(['devicegroups:read', 'devices:read']));
    expect(both.status).toBe(200);
    expect(names(both.body)).toEqual(['perm-1']);
  });

  it('isolates tenants: another tenant sees neither the group nor the devices', async () => {
    await applyAll([device('iso-1', { iso: 'yes' }), group('iso', { matchLabels: { iso: 'yes' } })]);
    const tenant = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'groups-b', admin: { username: 'gb-admin', password: PASSWORD } },
    });
    expect(tenant.status).toBe(201);
    const other = await loginToken(suite.server, 'gb-admin', PASSWORD, 'groups-b');
    expect((await members('iso', '', other)).status).toBe(404);
    // Its own group of the same name matches only its own devices.
    await applyAll([group('iso', { matchLabels: { iso: 'yes' } }), device('iso-b', { iso: 'yes' })], other);
    expect(names((await members('iso', '', other)).body)).toEqual(['iso-b']);
    expect(names((await members('iso')).body)).toEqual(['iso-1']);
  });
});

describe('DeviceGroup membership follows label changes (engine on)', () => {
  const handle = usePkiServer();
  const memberNames = async () => {
    const reply = await call<DeviceList>(handle.server, 'GET', '/api/v1/devicegroups/lab/members', {
      token: handle.token,
    });
    expect(reply.status).toBe(200);
    return reply.body.items.map((item) => item.metadata.name);
  };
  const countIs = (count: number) =>
    waitFor(handle, 'lab', (resource) => resource?.status.count === count, { kind: 'DeviceGroup' });

  it('updates status.count and /members when devices are added, relabelled and deleted', async () => {
    await apply(handle, [
      device('lab-1', { site: 'lab' }),
      device('lab-2', { site: 'lab' }),
      device('office-1', { site: 'office' }),
      group('lab', { matchLabels: { site: 'lab' } }),
    ]);
    await countIs(2);
    expect(await memberNames()).toEqual(['lab-1', 'lab-2']);

    await apply(handle, [device('office-1', { site: 'lab' })]);
    await countIs(3);
    expect(await memberNames()).toEqual(['lab-1', 'lab-2', 'office-1']);

    await apply(handle, [device('lab-1', { site: 'office' })]);
    const resolved = await countIs(2);
    expect(await memberNames()).toEqual(['lab-2', 'office-1']);
    expect(resolved?.status.conditions?.find((condition) => condition.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'MembershipResolved',
      message: '2 devices match the selector',
    });

    expect(
      (await call(handle.server, 'DELETE', '/api/v1/devices/lab-2', { token: handle.token })).status,
    ).toBe(200);
    await countIs(1);
    expect(await memberNames()).toEqual(['office-1']);
  });
});
