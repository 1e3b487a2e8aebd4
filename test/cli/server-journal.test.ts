import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deviceYaml, runCli, useCliServer, writeTree } from './harness.js';

/** The journal and identity commands against the real server. */
describe('steward journal and identity against the real server', () => {
  const suite = useCliServer();
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });

  beforeAll(async () => {
    await cli(['apply', '-f', '-'], `${deviceYaml('j-a')}---\n${deviceYaml('j-b')}`);
    await cli(['apply', '-f', '-'], deviceYaml('j-a', {}, '  displayName: Changed'));
  });

  it("verifies the server's own NDJSON export offline, with the canonical JSON both share", async () => {
    const exported = await cli(['journal', 'export']);
    expect(exported.code).toBe(0);
    const root = writeTree({ 'journal.ndjson': exported.stdout });
    const verified = await cli(['journal', 'verify', '--file', join(root, 'journal.ndjson')]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect((await cli(['journal', 'verify'])).code).toBe(0);
  });

  it('refuses an export with its oldest entries removed, as the server does', async () => {
    const exported = await cli(['journal', 'export']);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(JSON.parse(lines[0])).toMatchObject({ seq: 1 });
    // Nothing was pruned: the JournalHead names no checkpoint, so the chain must start at seq 1.
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ kind: 'JournalHead', checkpoint: null });
    const root = writeTree({ 'journal.ndjson': `${lines.slice(2).join('\n')}\n` });
    const verified = await cli(['journal', 'verify', '--file', join(root, 'journal.ndjson')]);
    expect(verified.stdout).toBe('');
    expect(verified.code).not.toBe(0);
    expect(verified.stderr).toMatch(
      /journal\.ndjson is BROKEN at seq 1 \(0 entries checked before\): entries 1 to 2 are missing/,
    );
  });

  it('lists journal entries of a resource', async () => {
    const result = await cli(['journal', '--kind', 'dev', '--name', 'j-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/device\/j-a\s+configured\n/);
  });

  it('follows with filters applied by the server: only the named resource’s new entries', async () => {
    const controller = new AbortController();
    let started = false;
    const result = await runCli(['journal', '-f', '--kind', 'dev', '--name', 'j-follow', '--limit', '1'], {
      env: suite.env,
      signal: controller.signal,
      onOutput: (stdout) => {
        if (!started && stdout.startsWith('SEQ')) {
          started = true;
          void (async () => {
            await cli(['apply', '-f', '-'], `${deviceYaml('j-other')}---\n${deviceYaml('j-follow')}`);
            await cli(['apply', '-f', '-'], deviceYaml('j-follow', {}, '  displayName: Followed'));
          })();
        }
        if (/j-follow\s+configured/.test(stdout)) controller.abort();
      },
    });
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split('\n').slice(1);
    expect(rows.map((row) => row.split(/\s+/).slice(3).join(' '))).toEqual([
      'apply device/j-follow created',
      'apply device/j-follow configured',
    ]);
  });

  it('shows the history of a resource in describe', async () => {
    const result = await cli(['describe', 'dev', 'j-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/History:\n {2}SEQ\s+AGE\s+ACTOR\s+OPERATION\s+RESULT/);
  });

  it('answers whoami from the server', async () => {
    const result = await cli(['whoami']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^User: +admin\nTenant: +default\nRole: +admin\nCredential: +session [0-9a-f]{16}\nExpires: +\d{4}-/,
    );
  });
});
