import { statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ContractServer, startContractServer } from './contract-server.js';
import { runCli, writeTree } from './harness.js';

/**
 * Identity, keys, journal and rollout actions against a stand-in that speaks docs/api-contract.md
 * (the real routes are being built; see contract-server.ts).
 */
describe('steward login, keys, journal and rollout against the API contract', () => {
  let server: ContractServer;
  let home: string;
  let env: Record<string, string>;
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env, stdin });
  const configFile = () => join(home, 'config');

  beforeAll(async () => {
    server = await startContractServer();
    home = writeTree({});
    env = { STEWARD_CONFIG: join(home, 'config') };
    await cli(['config', 'set-context', 'acme', '--server', server.url, '--tenant', 'acme']);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('logs in with --password-stdin and keeps the session token in the 0600 config file', async () => {
    const result = await cli(['login', '--username', 'alice', '--password-stdin'], 'correct horse\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${server.url} as alice (tenant acme, role admin)`);
    const login = server.requests.find((request) => request.path === '/api/v1/auth/login');
    expect(login?.body).toEqual({ username: 'alice', password: 'correct horse', tenant: 'acme' });
    const config = parse(await readFile(configFile(), 'utf8'));
    expect(config.contexts[0]).toMatchObject({ name: 'acme', token: 'sts_session_token' });
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong password with the server message, and a prompt without a terminal', async () => {
    const wrong = await cli(['login', '-u', 'alice', '--password-stdin'], 'guess\n');
    expect(wrong).toMatchObject({
      code: 1,
      stderr: 'Error from server (Unauthorized): invalid username or password\n',
    });
    const noTty = await cli(['login', '-u', 'alice']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('stdin is not a terminal');
  });

  it('shows whoami with the session token as a bearer credential', async () => {
    const result = await cli(['whoami']);
    expect(result.stdout).toMatch(
      /^User:\s+alice\nTenant:\s+acme\nRole:\s+admin\nCredential:\s+session cli\n/,
    );
    expect(result.stdout).toContain('Permissions: devices:read, devices:write');
    expect(server.requests.at(-1)?.authorization).toBe('Bearer sts_session_token');
    expect(JSON.parse((await cli(['whoami', '-o', 'json'])).stdout).user).toBe('alice');
    // STEWARD_TOKEN replaces the stored credential.
    const other = await runCli(['whoami'], { env: { ...env, STEWARD_TOKEN: 'stw_other' } });
    expect(other.stderr).toBe('Error from server (Unauthorized): a credential is required\n');
  });

  it('creates a key, printing the plaintext alone on stdout and the warning on stderr', async () => {
    const result = await cli([
      'keys',
      'create',
      '--type',
      'fine-grained',
      '--name',
      'ci',
      '--permission',
      'devices:read',
      '--permission',
      'rollouts:approve',
      '--expires',
      '30d',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('stw_abcd_plaintext_k1\n');
    expect(result.stderr).toContain('it will not be shown again');
    expect(server.requests.at(-1)?.body).toEqual({
      type: 'fine-grained',
      name: 'ci',
      permissions: ['devices:read', 'rollouts:approve'],
      expiresInDays: 30,
    });
  });

  it.each([
    ['no --type', ['keys', 'create']],
    ['an unknown type', ['keys', 'create', '--type', 'root']],
    ['a fine-grained key without permissions', ['keys', 'create', '--type', 'fine-grained']],
    ['permissions on an admin key', ['keys', 'create', '--type', 'admin', '--permission', 'devices:read']],
    ['an expiry that is not days', ['keys', 'create', '--type', 'readonly', '--expires', 'soon']],
  ])('refuses to create a key with %s (exit 2)', async (_name, argv) => {
    expect((await cli(argv)).code).toBe(2);
  });

  it('lists, rotates and revokes keys', async () => {
    const list = await cli(['keys', 'list']);
    expect(list.stdout).toMatch(
      /^ID\s+NAME\s+TYPE\s+SLOT\s+PREFIX\s+PERMISSIONS\s+AGE\s+LAST USED\s+EXPIRES\n/,
    );
    expect(list.stdout).toMatch(
      /k1\s+ci\s+fine-grained\s+<none>\s+stw_abcd\s+devices:read,rollouts:approve\s+\d+s\s+never/,
    );
    expect((await cli(['keys', 'rotate', 'k1'])).stdout).toBe('stw_rotated_plaintext\n');
    expect((await cli(['keys', 'revoke', 'k1'])).stdout).toBe('key k1 revoked\n');
    expect((await cli(['keys', 'revoke', 'k9'])).code).toBe(1);
  });

  it('queries the journal as a table, newest first, with filters sent as query parameters', async () => {
    const result = await cli(['journal', '--since', '1h', '--limit', '3']);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+ACTOR\s+OPERATION\s+KIND\/NAME\s+RESULT$/);
    expect(lines[1].split(/\s+/)).toEqual([
      '5',
      '2026-01-01T12:00:05Z',
      'user:alice',
      'apply',
      'device/dev-5',
      'created',
    ]);
    expect(lines).toHaveLength(4);
    const query = new URL(`http://x${server.requests.at(-1)?.path}`).searchParams;
    expect(query.get('limit')).toBe('3');
    expect(Date.parse(query.get('since') ?? '')).toBeGreaterThan(Date.now() - 3_700_000);
    const json = JSON.parse((await cli(['journal', '--name', 'dev-2', '-o', 'json'])).stdout);
    expect(json.items.map((entry: { seq: number }) => entry.seq)).toEqual([2]);
    expect((await cli(['journal', '--since', 'yesterday'])).code).toBe(2);
  });

  it('follows the journal: the recent entries oldest first, then new ones as they arrive', async () => {
    const controller = new AbortController();
    let appended = false;
    const result = await runCli(['journal', '-f', '--limit', '2'], {
      env,
      signal: controller.signal,
      onOutput: (stdout) => {
        if (!appended && stdout.includes('dev-5')) {
          appended = true;
          server.append();
        }
        if (stdout.includes('dev-6')) controller.abort();
      },
    });
    expect(result.code).toBe(0);
    const seqs = result.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[0]);
    expect(seqs).toEqual(['4', '5', '6']);
  });

  it('exports the journal and verifies the export offline, catching edits and truncation', async () => {
    const exported = await cli(['journal', 'export']);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}').kind).toBe('JournalHead');
    const root = writeTree({ 'journal.ndjson': exported.stdout });
    const file = join(root, 'journal.ndjson');
    const ok = await cli(['journal', 'verify', '--file', file]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain(`(${lines.length - 1} entries checked)`);

    const edited = lines.map((line, index) =>
      index === 2 ? line.replace('"created"', '"configured"') : line,
    );
    writeFileSync(file, `${edited.join('\n')}\n`);
    const broken = await cli(['journal', 'verify', '--file', file]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/BROKEN at seq 3 .*hash does not match/);

    writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n`);
    expect((await cli(['journal', 'verify', '--file', file])).stderr).toMatch(/no JournalHead line/);
    expect((await cli(['journal', 'verify'])).stdout).toMatch(/^journal: OK \(\d+ entries checked\)/);
    expect((await cli(['journal', 'export', '--format', 'xml'])).code).toBe(2);
  });

  it('approves, pauses, resumes and aborts rollouts, saying the phase the server answers', async () => {
    expect((await cli(['rollout', 'approve', 'edge-rollout'])).stdout).toBe(
      'rollout/edge-rollout approved (phase Progressing)\n',
    );
    expect((await cli(['rollout', 'pause', 'edge-rollout'])).stdout).toBe(
      'rollout/edge-rollout paused (phase Paused)\n',
    );
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/rollouts/edge-rollout/pause',
      body: {},
    });
    expect((await cli(['rollout', 'resume', 'edge-rollout'])).stdout).toBe(
      'rollout/edge-rollout resumed (phase Progressing)\n',
    );
    expect((await cli(['rollout', 'abort', 'edge-rollout'])).stdout).toBe(
      'rollout/edge-rollout aborted (phase Aborted)\n',
    );
    expect(await cli(['rollout', 'approve', 'nope'])).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): Rollout "nope" not found\n',
    });
    expect((await cli(['rollout', 'restart', 'edge-rollout'])).code).toBe(2);
  });

  it('logs out: the server session ends and the stored token is forgotten', async () => {
    expect((await cli(['logout'])).stdout).toBe(`Logged out of ${server.url}.\n`);
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/auth/logout' });
    const config = parse(await readFile(configFile(), 'utf8'));
    expect(config.contexts[0].token).toBeUndefined();
  });
});
