import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deviceYaml, runCli, useCliServer, writeTree } from './harness.js';

const CA_YAML = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: get-root
spec:
  type: root
  subject:
    commonName: Get Root CA
  keyAlgorithm: ECDSA-P384
`;

describe('steward get, describe, delete and wait against a running server', () => {
  const suite = useCliServer();
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  /** What a reconciler would write: a status with a Ready condition for the current generation. */
  async function markReady(kind: string, name: string, status: 'True' | 'False', reason: string) {
    const stored = await suite.server.services.store.get({ tenant: 'default', kind, name });
    if (!stored) throw new Error(`${kind} ${name} missing`);
    const now = new Date().toISOString();
    await suite.server.services.store.writeStatus(
      stored.uid,
      {
        observedGeneration: stored.generation,
        conditions: [
          {
            type: 'Ready',
            status,
            reason,
            message: `${reason} for the test`,
            lastTransitionTime: now,
            observedGeneration: stored.generation,
          },
        ],
      },
      stored.resourceVersion,
      now,
    );
  }

  beforeAll(async () => {
    const applied = await cli(
      ['apply', '-f', '-'],
      [
        deviceYaml('gw-1', { team: 'infra', env: 'prod' }),
        deviceYaml('gw-2', { team: 'infra', env: 'staging' }),
        deviceYaml('laptop-1', { team: 'design', env: 'prod' }),
        CA_YAML,
      ].join('---\n'),
    );
    expect(applied.code).toBe(0);
    await markReady('Device', 'gw-1', 'True', 'Issued');
  });

  it('lists a kind as an aligned table with NAME first, READY, kind columns and AGE', async () => {
    const result = await cli(['get', 'devices']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s{3,}READY\s{3,}REASON\s{3,}PLATFORM\s{3,}APPROVED\s{3,}ASSURANCE\s{3,}LAST SEEN\s{3,}VERSION\s{3,}AGE$/,
    );
    // Devices the engine has not reconciled show no approval, assurance, presence or version yet.
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 6))).toEqual([
      ['gw-1', 'True', 'Issued', 'linux', '<none>', '<none>'],
      ['gw-2', 'Unknown', '<none>', 'linux', '<none>', '<none>'],
      ['laptop-1', 'Unknown', '<none>', 'linux', '<none>', '<none>'],
    ]);
    // Columns line up: every row's READY starts where the header's does.
    const readyAt = lines[0].indexOf('READY');
    for (const line of lines.slice(1)) expect(line[readyAt - 1]).toBe(' ');
    expect(lines[1].slice(readyAt)).toMatch(/^True /);
    expect(lines[1]).toMatch(/\d+s$/);
  });

  it('shows the Ready reason and kind-specific columns for CAs', async () => {
    const wide = await cli(['get', 'dev', 'gw-1', '-o', 'wide']);
    expect(wide.stdout).toMatch(/^NAME\s+READY\s+REASON\s+PLATFORM/);
    expect(wide.stdout).toMatch(/gw-1\s+True\s+Issued\s+linux/);
    const cas = await cli(['get', 'ca']);
    expect(cas.stdout).toMatch(/^NAME\s+READY\s+REASON\s+TYPE\s+ALGORITHM\s+NOT AFTER\s+AGE\n/);
    expect(cas.stdout).toMatch(/get-root\s+Unknown\s+<none>\s+root\s+ECDSA-P384\s+<none>\s+\d+s\n/);
  });

  it('resolves singular, plural, short and Kind names, and refuses unknown ones', async () => {
    for (const name of ['device', 'devices', 'dev', 'Device']) {
      expect((await cli(['get', name, '-o', 'name'])).stdout).toBe(
        'device/gw-1\ndevice/gw-2\ndevice/laptop-1\n',
      );
    }
    expect((await cli(['get', 'cas', '-o', 'name'])).stdout).toBe('certificateauthority/get-root\n');
    const unknown = await cli(['get', 'gadgets']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: the server doesn't have a resource type "gadgets"/);
  });

  it('filters by label selector', async () => {
    expect((await cli(['get', 'dev', '-l', 'team=infra', '-o', 'name'])).stdout).toBe(
      'device/gw-1\ndevice/gw-2\n',
    );
    expect((await cli(['get', 'dev', '-l', 'env=prod,team!=infra', '-o', 'name'])).stdout).toBe(
      'device/laptop-1\n',
    );
    const none = await cli(['get', 'dev', '-l', 'team=nobody']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found.\n' });
  });

  it('prints json as the object or a List', async () => {
    const one = JSON.parse((await cli(['get', 'dev', 'gw-2', '-o', 'json'])).stdout);
    expect(one).toMatchObject({ kind: 'Device', metadata: { name: 'gw-2', labels: { team: 'infra' } } });
    const list = JSON.parse((await cli(['get', 'dev', '-o', 'json'])).stdout);
    expect(list.kind).toBe('DeviceList');
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual([
      'gw-1',
      'gw-2',
      'laptop-1',
    ]);
  });

  it('prints yaml that applies back unchanged, one object or a multi-document list', async () => {
    const one = await cli(['get', 'dev', 'gw-1', '-o', 'yaml']);
    expect(one.stdout).toMatch(/^apiVersion: steward.dev\/v1\nkind: Device\n/);
    expect(one.stdout).toContain('resourceVersion:');
    expect((await cli(['apply', '-f', '-'], one.stdout)).stdout).toBe('device/gw-1 unchanged\n');

    const all = await cli(['get', 'devices', '-o', 'yaml']);
    expect(parseAllDocuments(all.stdout)).toHaveLength(3);
    const reapplied = await cli(['apply', '-f', '-'], all.stdout);
    expect(reapplied.stdout).toBe(
      'device/gw-1 unchanged\ndevice/gw-2 unchanged\ndevice/laptop-1 unchanged\n',
    );
  });

  it('answers a missing resource with the server error and exit 1', async () => {
    const result = await cli(['get', 'dev', 'nope']);
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): Device "nope" not found\n',
    });
  });

  it('describes a resource: metadata, labels, spec, status and conditions', async () => {
    const result = await cli(['describe', 'dev', 'gw-1']);
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^Name:\s+gw-1\nKind:\s+Device\n/);
    expect(text).toMatch(/Labels:\s+team=infra\n\s+env=prod\n/);
    expect(text).toContain('Spec:\n  platform: linux\n  permanentIdentifier: machine-gw-1\n');
    expect(text).toContain('Status:\n  observedGeneration: 1\n');
    expect(text).toMatch(
      /Conditions:\n {2}TYPE\s+STATUS\s+REASON\s+AGE\s+MESSAGE\n {2}Ready\s+True\s+Issued\s+\d+s\s+Issued for the test\n/,
    );
  });

  it('waits for Ready: met when reported for the current generation, a clear timeout otherwise', async () => {
    expect(await cli(['wait', 'dev', 'gw-1', '--for=condition=Ready'])).toMatchObject({
      code: 0,
      stdout: 'device/gw-1 condition met\n',
    });
    const timeout = await cli(['wait', 'dev', 'gw-2', '--for=condition=Ready', '--timeout', '200ms']);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toBe(
      'error: timed out after 200ms waiting for device/gw-2 to be Ready=True\n  current: no Ready condition reported yet\n',
    );
    await markReady('Device', 'gw-2', 'False', 'IssuerNotReady');
    const failing = await cli(['wait', 'dev', 'gw-2', '--for', 'condition=Ready', '--timeout', '100ms']);
    expect(failing.stderr).toContain('current: Ready=False (IssuerNotReady): IssuerNotReady for the test');
    expect((await cli(['wait', 'dev', 'gw-2'])).code).toBe(2);
  });

  it('deletes by name (exit 1 when not found) and by file', async () => {
    await cli(['apply', '-f', '-'], `${deviceYaml('del-a')}---\n${deviceYaml('del-b')}`);
    expect((await cli(['delete', 'dev', 'del-a', '--dry-run'])).stdout).toBe(
      'device/del-a deleted (dry run)\n',
    );
    expect((await cli(['delete', 'dev', 'del-a'])).stdout).toBe('device/del-a deleted\n');
    expect(await cli(['delete', 'device', 'del-a'])).toMatchObject({
      code: 1,
      stderr: 'device/del-a not found\n',
    });

    const root = writeTree({ 'del.yaml': `${deviceYaml('del-a')}---\n${deviceYaml('del-b')}` });
    const byFile = await cli(['delete', '-f', join(root, 'del.yaml')]);
    expect(byFile).toMatchObject({ code: 0, stdout: 'device/del-a not found\ndevice/del-b deleted\n' });
    expect((await cli(['delete', 'dev'])).code).toBe(2);
  });

  it('shows help for every command and refuses unknown flags with exit 2', async () => {
    const help = await cli(['get', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage:\n  steward get KIND [NAME]');
    expect(help.stdout).toContain('-o, --output FORMAT');
    const journalHelp = await cli(['journal', '--help']);
    expect(journalHelp.stdout).toMatch(/Commands:\n\s+export\s+.*\n\s+verify/);
    const bad = await cli(['get', 'dev', '--colour']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: "error: Unknown option '--colour'.\nRun 'steward get --help' for usage.\n",
    });
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['rollout'])).code).toBe(2);
  });
});
