/**
 * The Kubernetes facade driven by the real kubectl (issue #19): discovery, tables, apply
 * (client-side and server-side), diff, label, patch, explain, wait, watch, delete, and its
 * refusals (unknown fields, stale resourceVersions, missing permissions, other tenants), over
 * HTTPS as kubectl requires for a bearer token. The engine runs, so CAs become Ready.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, loginToken } from '../support/server.js';
import { KUBECTL, KUBECTL_MISSING, kubeconfig, kubectl, useKubeServer, whenKubectl } from './kube-server.js';

const kube = useKubeServer({ env: { STEWARD_ENGINE: 'on' } });
let admin = '';
const PASSWORD = 'tenant-b-password-1';

const DEVICES = readFileSync(join(import.meta.dirname, '../../manifests/devices.yaml'), 'utf8');

function device(name: string, extra = ''): string {
  return `apiVersion: steward.dev/v1\nkind: Device\nmetadata:\n  name: ${name}\n  labels: {app: kube-test}\nspec:\n  platform: linux\n  permanentIdentifier: ${name}-id\n  displayName: ${name}\n${extra}`;
}

const CA = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: kube-root
spec:
  type: root
  subject: {commonName: Kube Root}
  keyAlgorithm: ECDSA-P256
  validity: 87600h
`;

whenKubectl(async () => {
  admin = kubeconfig(
    kube,
    (
      await call<{ sessionToken: string }>(kube.server, 'POST', '/api/v1/auth/login', {
        token: null,
        body: { username: 'admin', password: 'test-admin-password' },
      })
    ).body.sessionToken,
    'admin',
  );
});

describe.skipIf(!KUBECTL)(`kubectl against Steward${KUBECTL ? '' : ` (skipped: ${KUBECTL_MISSING})`}`, () => {
  it('lists the kinds as resources of steward.dev, cluster-scoped, with their short names', async () => {
    const result = await kubectl(admin, ['api-resources', '--api-group=steward.dev', '-o', 'wide']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const devices = result.stdout.split('\n').find((line) => line.startsWith('devices '));
    expect(devices).toMatch(
      /devices\s+dev\s+steward\.dev\/v1\s+false\s+Device\s+create,delete,get,list,patch,update,watch\s+steward/,
    );
    expect(result.stdout).toContain('certificateauthorities');
  });

  it('applies client-side: created, then unchanged, then configured; get shows the steward get columns', async () => {
    const created = await kubectl(admin, ['apply', '-f', '-'], { input: DEVICES });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('device.steward.dev/edge-gw-001 created');
    const again = await kubectl(admin, ['apply', '-f', '-'], { input: DEVICES });
    expect(again.stdout).toContain('device.steward.dev/edge-gw-001 unchanged');
    const changed = await kubectl(admin, ['apply', '-f', '-'], {
      input: DEVICES.replace('Edge gateway 001', 'Edge gateway one'),
    });
    expect(changed.stdout).toContain('device.steward.dev/edge-gw-001 configured');

    const table = await kubectl(admin, ['get', 'devices']);
    expect(table.code, table.stderr).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'PLATFORM',
      'APPROVED',
      'ASSURANCE',
      'LAST SEEN',
      'VERSION',
      'AGE',
    ]);
    expect(rows.some((row) => /^edge-gw-001\s+\S+\s+\S+\s+linux\s/.test(row))).toBe(true);
    const wide = await kubectl(admin, ['get', 'dev', 'mbp-ada', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toContain('IDENTIFIER');
    expect(wide.stdout).toContain('ada@example.com');
  });

  it('get -o yaml shows Kubernetes metadata that agrees with the native view; the journal says via kubectl', async () => {
    const yaml = await kubectl(admin, ['get', 'dev', 'edge-gw-001', '-o', 'json']);
    const object = JSON.parse(yaml.stdout) as {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    const native = await call<{ metadata: Record<string, unknown>; spec: unknown }>(
      kube.server,
      'GET',
      '/api/v1/devices/edge-gw-001',
    );
    expect(object.metadata.creationTimestamp).toBe(native.body.metadata.createdAt);
    expect(object.metadata.uid).toBe(native.body.metadata.uid);
    expect(object.metadata.generation).toBe(native.body.metadata.generation);
    expect(object.spec).toEqual(native.body.spec);
    expect(object.metadata.annotations).toHaveProperty('kubectl.kubernetes.io/last-applied-configuration');
    const journal = await call<{
      items: Array<{ operation: string; actor: { name: string }; reason?: string }>;
    }>(kube.server, 'GET', '/api/v1/journal?kind=Device&name=edge-gw-001&operation=apply');
    expect(journal.body.items.length).toBeGreaterThan(0);
    expect(
      journal.body.items.every((entry) => entry.reason === 'via kubectl' && entry.actor.name === 'admin'),
    ).toBe(true);
  });

  it('applies server-side after client-side without conflict, records its manager, and refuses to take another manager’s field', async () => {
    // Back to the configuration the client-side apply recorded: the server-side apply then shares
    // every field with it (equal values), as the upgrade from client-side apply expects.
    expect((await kubectl(admin, ['apply', '-f', '-'], { input: DEVICES })).code).toBe(0);
    const applied = await kubectl(admin, ['apply', '--server-side', '-f', '-'], { input: DEVICES });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('device.steward.dev/mbp-ada serverside-applied');
    expect(applied.stderr).not.toContain('failed to migrate');
    const managers = await kubectl(admin, [
      'get',
      'dev',
      'mbp-ada',
      '-o',
      'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}',
    ]);
    expect(managers.stdout).toContain('kubectl/Apply');

    // kubectl label takes a label; a later apply that drops it is a conflict naming the manager.
    expect((await kubectl(admin, ['label', 'dev', 'mbp-ada', 'tier=gold'])).stdout).toContain('labeled');
    const patched = await kubectl(admin, [
      'patch',
      'dev',
      'mbp-ada',
      '--type=merge',
      '-p',
      '{"spec":{"displayName":"Ada MBP"}}',
    ]);
    expect(patched.stdout).toContain('patched');
    const conflict = await kubectl(admin, ['apply', '--server-side', '-f', '-'], { input: DEVICES });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict');
    expect(conflict.stderr).toContain('kubectl-patch');
    expect(conflict.stderr).toContain('.spec.displayName');
    const forced = await kubectl(admin, ['apply', '--server-side', '--force-conflicts', '-f', '-'], {
      input: DEVICES,
    });
    expect(forced.code, forced.stderr).toBe(0);
    const after = JSON.parse((await kubectl(admin, ['get', 'dev', 'mbp-ada', '-o', 'json'])).stdout) as {
      metadata: { labels: Record<string, string> };
      spec: { displayName: string };
    };
    expect(after.spec.displayName).toBe("Ada's MacBook Pro");
    // The label another manager owns and the configuration omits is kept, as Kubernetes keeps it.
    expect(after.metadata.labels.tier).toBe('gold');
  });

  it('diff exits 0 without changes and 1 with, client-side and server-side, and changes nothing', async () => {
    const before = await call<{ metadata: { resourceVersion: string } }>(
      kube.server,
      'GET',
      '/api/v1/devices/ws-017',
    );
    const same = await kubectl(admin, ['diff', '--server-side', '--force-conflicts', '-f', '-'], {
      input: DEVICES,
    });
    expect(same.code, same.stdout + same.stderr).toBe(0);
    const changed = DEVICES.replace('Build workstation 17', 'Build workstation seventeen');
    const diff = await kubectl(admin, ['diff', '-f', '-'], { input: changed });
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('+  displayName: Build workstation seventeen');
    const serverSide = await kubectl(admin, ['diff', '--server-side', '--force-conflicts', '-f', '-'], {
      input: changed,
    });
    expect(serverSide.code, serverSide.stderr).toBe(1);
    const after = await call<{ metadata: { resourceVersion: string } }>(
      kube.server,
      'GET',
      '/api/v1/devices/ws-017',
    );
    expect(after.body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);
  });

  it('patches with JSON patch, labels, and deletes', async () => {
    await kubectl(admin, ['apply', '-f', '-'], { input: device('patch-me') });
    const json = await kubectl(admin, [
      'patch',
      'dev',
      'patch-me',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/displayName","value":"patched"}]',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const failing = await kubectl(admin, [
      'patch',
      'dev',
      'patch-me',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/displayName","value":"other"}]',
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('operation 0');
    const strategic = await kubectl(admin, [
      'patch',
      'dev',
      'patch-me',
      '-p',
      '{"spec":{"displayName":"x"}}',
    ]);
    expect(strategic.code).toBe(1);
    expect(strategic.stderr).toContain('strategic merge patch is not supported');
    expect((await kubectl(admin, ['label', 'dev', 'patch-me', 'ring=canary'])).code).toBe(0);
    const selected = await kubectl(admin, ['get', 'dev', '-l', 'ring=canary,app=kube-test', '-o', 'name']);
    expect(selected.stdout.trim()).toBe('device.steward.dev/patch-me');
    const native = await call<{ spec: { displayName: string } }>(
      kube.server,
      'GET',
      '/api/v1/devices/patch-me',
    );
    expect(native.body.spec.displayName).toBe('patched');
    const removed = await kubectl(admin, ['delete', 'dev', 'patch-me', '--wait=true', '--timeout=30s']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('device.steward.dev "patch-me" deleted');
    expect((await call(kube.server, 'GET', '/api/v1/devices/patch-me')).status).toBe(404);
    // Nine kubectl processes and a delete that waits for the Device's finalizer (the engine):
    // over 30 s on a loaded 2-core machine (it failed CI once at the default).
  }, 90_000);

  it('explains a kind and a nested field from the schema', async () => {
    const spec = await kubectl(admin, ['explain', 'device.spec.identity']);
    expect(spec.code, spec.stderr).toBe(0);
    expect(spec.stdout).toContain('The identity certificate Steward issues to the device');
    expect(spec.stdout).toContain('caRef');
    const ca = await kubectl(admin, ['explain', 'ca']);
    expect(ca.stdout).toContain('KIND:       CertificateAuthority');
  });

  it('waits for Ready and watches a change made through the native API', async () => {
    const watching = kubectl(admin, ['get', 'ca', '-w', '--request-timeout=8s'], { timeoutMs: 8_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const created = await call(kube.server, 'POST', '/api/v1/apply', { yaml: CA });
    expect(created.status).toBe(200);
    const waited = await kubectl(admin, ['wait', '--for=condition=Ready', 'ca/kube-root', '--timeout=30s']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('certificateauthority.steward.dev/kube-root condition met');
    const watched = await watching;
    const rows = watched.stdout.split('\n').filter((line) => line.startsWith('kube-root'));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.at(-1)).toMatch(/^kube-root\s+True\s+/);
  });

  it('refuses an unknown field under Strict (kubectl’s default), warns under Warn', async () => {
    const strict = await kubectl(admin, ['apply', '-f', '-'], { input: device('strict-1', '  grup: x\n') });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('spec.grup: unknown field "grup"');
    expect((await call(kube.server, 'GET', '/api/v1/devices/strict-1')).status).toBe(404);
    const warned = await kubectl(admin, ['apply', '--validate=warn', '-f', '-'], {
      input: device('strict-1', '  grup: x\n'),
    });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('unknown field "spec.grup"');
  });

  it('answers a stale resourceVersion with 409 Conflict', async () => {
    const current = JSON.parse(
      (await kubectl(admin, ['get', 'dev', 'edge-gw-002', '-o', 'json'])).stdout,
    ) as {
      metadata: { resourceVersion: string };
      spec: { displayName?: string };
    };
    const stale = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: '1' },
      spec: { ...current.spec, displayName: 'stale' },
    };
    const replaced = await kubectl(admin, ['replace', '-f', '-'], { input: JSON.stringify(stale) });
    expect(replaced.code).toBe(1);
    expect(replaced.stderr).toContain('Error from server (Conflict)');
    expect(replaced.stderr).toMatch(/resourceVersion is \d+, the manifest carries 1/);
  });

  it('names the missing permission, and shows nothing of another tenant', async () => {
    const key = await call<{ key: string }>(kube.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'primary' },
    });
    expect(key.status).toBe(201);
    const reader = kubeconfig(kube, key.body.key, 'reader');
    expect((await kubectl(reader, ['get', 'devices', '-o', 'name'])).stdout).toContain(
      'device.steward.dev/edge-gw-001',
    );
    const refused = await kubectl(reader, ['apply', '-f', '-'], { input: device('forbidden-1') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Error from server (Forbidden)');
    expect(refused.stderr).toContain('devices:write');
    expect((await call(kube.server, 'GET', '/api/v1/devices/forbidden-1')).status).toBe(404);

    const tenant = await call(kube.server, 'POST', '/api/v1/tenants', {
      body: { name: 'kube-b', admin: { username: 'bea', password: PASSWORD } },
    });
    expect(tenant.status).toBe(201);
    const other = kubeconfig(kube, await loginToken(kube.server, 'bea', PASSWORD, 'kube-b'), 'other');
    const list = await kubectl(other, ['get', 'devices', '-o', 'name']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim()).toBe('');
    const read = await kubectl(other, ['get', 'dev', 'edge-gw-001']);
    expect(read.stderr).toContain('Error from server (NotFound)');
    const deleted = await kubectl(other, ['delete', 'dev', 'edge-gw-001']);
    expect(deleted.code).toBe(1);
    expect((await call(kube.server, 'GET', '/api/v1/devices/edge-gw-001')).status).toBe(200);
  });
});
