import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, formatBytes, isTerminalSafe } from '../../src/cli/commands/device.js';
import { main } from '../../src/cli/main.js';
import { systemContext } from '../../src/context.js';
import { deviceYaml, runCli, useCliServer } from './harness.js';

function deviceContext(name: string) {
  return systemContext('default', { type: 'device', id: name, name }, `upload-${name}`);
}

describe('device log helpers', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [4096, '4.0 KiB'],
    [10 * 1024 * 1024, '10.0 MiB'],
  ])('formatBytes(%i) is %s', (size, text) => expect(formatBytes(size)).toBe(text));

  it.each([
    ['plain log lines', Buffer.from('boot ok\n\tline 2\r\n'), true],
    ['an escape sequence', Buffer.from('\u001b]0;owned\u0007'), false],
    ['gzip bytes', Buffer.from([0x1f, 0x8b, 0x08, 0x00]), false],
    ['invalid UTF-8', Buffer.from([0xc3, 0x28]), false],
  ])('%s: terminal-safe is %s', (_label, bytes, safe) => expect(isTerminalSafe(bytes)).toBe(safe));

  it('reads the SHA-256 of a Repr-Digest header', () => {
    const hex = createHash('sha256').update('x').digest('hex');
    expect(digestOf(`sha-256=:${Buffer.from(hex, 'hex').toString('base64')}:`)).toBe(hex);
    expect(digestOf(null)).toBeUndefined();
    expect(digestOf('sha-512=:AAAA:')).toBeUndefined();
  });
});

describe('steward device logs and get devicegroups against a running server', () => {
  const suite = useCliServer();
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  it('requests, lists and downloads a bundle to a file with the same bytes', async () => {
    expect((await cli(['apply', '-f', '-'], deviceYaml('cli-logs'))).code).toBe(0);
    const requested = await cli(['device', 'logs', 'cli-logs', '--request']);
    expect(requested.code).toBe(0);
    const id = requested.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requested.stderr).toContain('the device uploads it at its next check-in');

    const waiting = await cli(['device', 'logs', 'cli-logs']);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toMatch(/^ID\s+STATE\s+REQUESTED BY\s+REQUESTED\s+UPLOADED\s+TYPE\s+SIZE\n/);
    expect(waiting.stdout).toContain(`${id}   requested   admin`);

    const early = await cli(['device', 'logs', 'cli-logs', '--download', id]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('is still requested');

    const bundle = randomBytes(2048);
    await suite.server.services.deviceLogs.upload(
      deviceContext('cli-logs'),
      'cli-logs',
      id,
      'application/gzip',
      bundle,
    );
    const listed = await cli(['device', 'logs', 'cli-logs', '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      kind: 'DeviceLogList',
      items: [{ id, state: 'uploaded', contentType: 'application/gzip', size: 2048 }],
    });
    expect((await cli(['device', 'logs', 'cli-logs'])).stdout).toContain('application/gzip   2.0 KiB');

    const file = join(suite.database.dataDir, 'bundle.gz');
    const saved = await cli(['device', 'logs', 'cli-logs', '--download', id, '-O', file]);
    expect(saved.code).toBe(0);
    expect(saved.stderr).toBe(`wrote 2.0 KiB (application/gzip) to ${file}\n`);
    expect(Buffer.compare(readFileSync(file), bundle)).toBe(0);
  });

  it('writes a text bundle to stdout, and refuses a binary one on a terminal without -O', async () => {
    expect((await cli(['apply', '-f', '-'], deviceYaml('cli-tty'))).code).toBe(0);
    const ids: string[] = [];
    for (const [type, content] of [
      ['text/plain', Buffer.from('boot ok\n')],
      ['application/gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x1b])],
    ] as const) {
      const id = (await cli(['device', 'logs', 'cli-tty', '--request'])).stdout.trim();
      await suite.server.services.deviceLogs.upload(deviceContext('cli-tty'), 'cli-tty', id, type, content);
      ids.push(id);
    }
    const text = await cli(['device', 'logs', 'cli-tty', '--download', ids[0]]);
    expect(text).toMatchObject({ code: 0, stdout: 'boot ok\n' });

    const onTerminal = async (id: string) => {
      const chunks: Buffer[] = [];
      let stderr = '';
      const code = await main(['device', 'logs', 'cli-tty', '--download', id], {
        stdout: Object.assign(
          { write: (chunk: string | Uint8Array) => chunks.push(Buffer.from(chunk)) },
          { isTTY: true },
        ),
        stderr: { write: (chunk: string) => (stderr += chunk) },
        stdin: Readable.from([]),
        env: suite.env,
      });
      return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr };
    };
    expect(await onTerminal(ids[0])).toMatchObject({ code: 0, stdout: 'boot ok\n' });
    const refused = await onTerminal(ids[1]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('is binary (application/gzip, 5 B): not written to the terminal');
  });

  it('reports usage errors (exit 2), an unknown device (exit 1) and the request limit', async () => {
    expect((await cli(['device', 'logs'])).code).toBe(2);
    expect((await cli(['device', 'logs', 'x', '--request', '--download', 'y'])).code).toBe(2);
    expect((await cli(['device', 'logs', 'x', '-O', 'file'])).code).toBe(2);
    const missing = await cli(['device', 'logs', 'no-such-device']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): Device "no-such-device" not found');

    expect((await cli(['apply', '-f', '-'], deviceYaml('cli-busy'))).code).toBe(0);
    for (let index = 0; index < 5; index++)
      expect((await cli(['device', 'logs', 'cli-busy', '--request'])).code).toBe(0);
    const busy = await cli(['device', 'logs', 'cli-busy', '--request']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(
      'Error from server (Conflict): Device "cli-busy" already has 5 log requests',
    );
  });

  it('shows the member count of device groups', async () => {
    const group = [
      'apiVersion: steward.dev/v1',
      'kind: DeviceGroup',
      'metadata:',
      '  name: cli-group',
      'spec:',
      '  selector:',
      '    matchLabels:',
      '      fleet: cli',
      '',
    ].join('\n');
    expect((await cli(['apply', '-f', '-'], group)).code).toBe(0);
    // What the DeviceGroup reconciler writes (this suite runs without the engine).
    const stored = await suite.server.services.store.get({
      tenant: 'default',
      kind: 'DeviceGroup',
      name: 'cli-group',
    });
    if (!stored) throw new Error('cli-group missing');
    await suite.server.services.store.writeStatus(
      stored.uid,
      { observedGeneration: stored.generation, count: 3 },
      stored.resourceVersion,
      new Date().toISOString(),
    );
    const listed = await cli(['get', 'devicegroups']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/\bDEVICES\b/);
    expect(listed.stdout).toMatch(/cli-group\s+.*\b3\b/);
  });
});
