/**
 * A second, independent Kubernetes client against the facade: @kubernetes/client-node's generic
 * object API (it resolves plurals from discovery, as any client does) creating, reading,
 * patching, applying, listing and deleting, its CustomObjectsApi (how its users drive custom
 * resources), and its Watch following changes made through Steward's native API. Over HTTPS, as
 * the library sends a token only with TLS.
 *
 * The generic API is driven with DeviceGroups: client-node (1.x and 2.0) picks its model class by
 * `V<version><Kind>` alone, ignoring the group, so a steward.dev/v1 Device is (de)serialized as its
 * built-in resource.k8s.io `V1Device` and loses its fields — a client-node bug. Devices go through
 * CustomObjectsApi, which takes the group, version and plural.
 */
import { readFileSync } from 'node:fs';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { adminToken, call, loginToken } from '../support/server.js';
import { type KubeServer, useKubeServer } from './kube-server.js';

const kube = useKubeServer();

function client(
  server: KubeServer,
  token: string,
): { objects: KubernetesObjectApi; custom: CustomObjectsApi; config: KubeConfig } {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: 'steward',
        server: server.server.url,
        caData: readFileSync(server.tls.cert).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'steward', cluster: 'steward', user: 'user' }],
    currentContext: 'steward',
  });
  return {
    objects: KubernetesObjectApi.makeApiClient(config),
    custom: config.makeApiClient(CustomObjectsApi),
    config,
  };
}

interface Device extends KubernetesObject {
  spec: { platform: string; permanentIdentifier: string; displayName?: string };
}

interface Group extends KubernetesObject {
  spec: { description?: string; selector: { matchLabels: Record<string, string> } };
}

function group(name: string, description = name): Group {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'DeviceGroup',
    metadata: { name, labels: { fleet: 'client-node' } },
    spec: { description, selector: { matchLabels: { ring: name } } },
  };
}

function device(name: string, displayName = name): Device {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name, labels: { fleet: 'client-node' } },
    spec: { platform: 'linux', permanentIdentifier: `${name}-id`, displayName },
  };
}

/** The status code and body of a refused call. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: number; body: { message?: string; reason?: string } }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
      return { code: error.code, body };
    }
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('@kubernetes/client-node against the facade', () => {
  it('creates, reads, patches, applies, lists and deletes through the generic object API', async () => {
    const { objects } = client(kube, adminToken(kube.server));
    const created = await objects.create(group('cn-1'));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.namespace).toBeUndefined();

    const read = await objects.read<Group>({
      apiVersion: 'steward.dev/v1',
      kind: 'DeviceGroup',
      metadata: { name: 'cn-1' },
    });
    expect(read.spec.selector.matchLabels.ring).toBe('cn-1');

    const merged = await objects.patch<Group>(
      {
        apiVersion: 'steward.dev/v1',
        kind: 'DeviceGroup',
        metadata: { name: 'cn-1' },
        spec: { description: 'merged' },
      } as Group,
      undefined,
      undefined,
      'client-node-test',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(merged.spec.description).toBe('merged');
    expect(merged.metadata?.generation).toBe(2);

    // The library's default, a strategic merge patch, is refused as for custom resources.
    const strategic = await refusal(
      objects.patch({ apiVersion: 'steward.dev/v1', kind: 'DeviceGroup', metadata: { name: 'cn-1' } }),
    );
    expect(strategic.code).toBe(415);

    const applied = await objects.patch<Group>(
      group('cn-1', 'applied'),
      undefined,
      undefined,
      'client-node-apply',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.spec.description).toBe('applied');
    expect(applied.metadata?.managedFields?.map((entry) => entry.manager)).toContain('client-node-apply');

    await objects.create(group('cn-2'));
    const listed = await objects.list<Group>(
      'steward.dev/v1',
      'DeviceGroup',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'fleet=client-node',
    );
    expect(listed.items.map((item) => item.metadata?.name).sort()).toEqual(['cn-1', 'cn-2']);

    const native = await call<{ metadata: { resourceVersion: string }; spec: { description: string } }>(
      kube.server,
      'GET',
      '/api/v1/devicegroups/cn-1',
    );
    expect(native.body.spec.description).toBe('applied');
    expect(native.body.metadata.resourceVersion).toBe(applied.metadata?.resourceVersion);

    await objects.delete({ apiVersion: 'steward.dev/v1', kind: 'DeviceGroup', metadata: { name: 'cn-2' } });
    expect((await call(kube.server, 'GET', '/api/v1/devicegroups/cn-2')).status).toBe(404);
  });

  it('drives a Device through CustomObjectsApi', async () => {
    const { custom } = client(kube, adminToken(kube.server));
    const target = { group: 'steward.dev', version: 'v1', plural: 'devices' };
    const created = (await custom.createClusterCustomObject({ ...target, body: device('cd-1') })) as Device;
    expect(created.spec.permanentIdentifier).toBe('cd-1-id');
    const read = (await custom.getClusterCustomObject({ ...target, name: 'cd-1' })) as Device;
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    const patched = (await custom.patchClusterCustomObject(
      { ...target, name: 'cd-1', body: { spec: { displayName: 'patched' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Device;
    expect(patched.spec.displayName).toBe('patched');
    const listed = (await custom.listClusterCustomObject({
      ...target,
      labelSelector: 'fleet=client-node',
    })) as {
      items: Device[];
    };
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['cd-1']);
    await custom.deleteClusterCustomObject({ ...target, name: 'cd-1' });
    expect((await call(kube.server, 'GET', '/api/v1/devices/cd-1')).status).toBe(404);
  });

  it('watches changes made through the native API', async () => {
    const { config } = client(kube, adminToken(kube.server));
    const seen: Array<[string, string]> = [];
    let wake: (() => void) | undefined;
    const watcher = await new Watch(config).watch(
      '/apis/steward.dev/v1/devices',
      { labelSelector: 'fleet=watched' },
      (phase, object: KubernetesObject) => {
        seen.push([phase, object.metadata?.name ?? '']);
        wake?.();
      },
      () => undefined,
    );
    const until = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (seen.length < count && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
    };
    try {
      const manifest = (displayName: string) =>
        `apiVersion: steward.dev/v1\nkind: Device\nmetadata: {name: w-1, labels: {fleet: watched}}\nspec: {platform: linux, permanentIdentifier: w-1, displayName: ${displayName}}\n`;
      expect((await call(kube.server, 'POST', '/api/v1/apply', { yaml: manifest('one') })).status).toBe(200);
      await until(1);
      expect((await call(kube.server, 'POST', '/api/v1/apply', { yaml: manifest('two') })).status).toBe(200);
      await until(2);
      expect((await call(kube.server, 'DELETE', '/api/v1/devices/w-1')).status).toBe(200);
      await until(3);
      expect(seen).toEqual([
        ['ADDED', 'w-1'],
        ['MODIFIED', 'w-1'],
        ['DELETED', 'w-1'],
      ]);
    } finally {
      watcher.abort();
    }
  });

  it('is refused a write its key may not make, naming the permission, and sees nothing of another tenant', async () => {
    const key = await call<{ key: string }>(kube.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'primary' },
    });
    expect(key.status).toBe(201);
    const reader = client(kube, key.body.key).objects;
    const refused = await refusal(reader.create(group('cn-forbidden')));
    expect(refused.code).toBe(403);
    expect(refused.body.message).toContain('devicegroups:write');

    const tenant = await call(kube.server, 'POST', '/api/v1/tenants', {
      body: { name: 'client-node-b', admin: { username: 'cara', password: 'client-node-password' } },
    });
    expect(tenant.status).toBe(201);
    const other = client(
      kube,
      await loginToken(kube.server, 'cara', 'client-node-password', 'client-node-b'),
    ).objects;
    const missing = await refusal(
      other.read({ apiVersion: 'steward.dev/v1', kind: 'DeviceGroup', metadata: { name: 'cn-1' } }),
    );
    expect(missing.code).toBe(404);
    const listed = await other.list('steward.dev/v1', 'DeviceGroup');
    expect(listed.items).toEqual([]);
  });
});
