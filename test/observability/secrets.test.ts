import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A real `steward` process at the most verbose level, driven through every path that carries a
 * secret; then its whole output is searched for them. The bootstrap password is generated (not
 * given) so that its one intended appearance, the first-start banner, is checked too.
 */
describe('a server’s output', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-secrets-'));
  const masterKey = randomBytes(32).toString('base64');
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let url = '';
  const requestIds: string[] = [];

  async function send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const requestId = `secrets-${requestIds.length}`;
    requestIds.push(requestId);
    return fetch(`${url}${path}`, { ...init, headers: { 'x-request-id': requestId, ...init.headers } });
  }

  beforeAll(async () => {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('STEWARD_')) delete env[name];
    child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
      env: {
        ...env,
        STEWARD_DATA_DIR: dataDir,
        STEWARD_PORT: '0',
        STEWARD_DEVICE_PORT: '0',
        STEWARD_LOG_LEVEL: 'debug',
        STEWARD_LOG_FORMAT: 'json',
        STEWARD_MASTER_KEY: masterKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!url) {
      const match = /Steward listening on (http:\/\/[^ ]+)/.exec(stdout);
      if (match) url = match[1];
      else if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`server did not start: ${stdout} ${stderr}`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 70_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never holds a password, key, token or private key, and the generated password only in its banner', async () => {
    const password = /generated password:\n\n {4}(\S+)\n/.exec(stderr)?.[1];
    expect(password).toBeTruthy();
    const json = { 'content-type': 'application/json' };

    const login = await send('/api/v1/auth/login', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const session = ((await login.json()) as { sessionToken: string }).sessionToken;
    const bearer = { authorization: `Bearer ${session}` };

    const created = await send('/api/v1/keys', {
      method: 'POST',
      headers: { ...json, ...bearer },
      body: JSON.stringify({ type: 'readonly' }),
    });
    expect(created.ok).toBe(true);
    const key = ((await created.json()) as { key: string }).key;

    expect(
      (await send('/api/v1/auth/me', { headers: { cookie: `steward_session=${session}` } })).status,
    ).toBe(200);
    expect((await send('/api/v1/devices', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
    const refused = await send('/api/v1/auth/login', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'admin', password: wrongPassword }),
    });
    expect(refused.status).toBe(401);
    const bogus = `stw_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    expect((await send('/api/v1/devices', { headers: { authorization: `Bearer ${bogus}` } })).status).toBe(
      401,
    );
    const applied = await send('/api/v1/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...bearer },
      body: readFileSync('manifests/pki.yaml', 'utf8'),
    });
    expect(applied.status).toBe(200);
    for (let ready = false, i = 0; !ready; i++) {
      if (i > 300) throw new Error('the CA never became Ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const ca = (await (
        await fetch(`${url}/api/v1/certificateauthorities/fleet-issuing`, { headers: bearer })
      ).json()) as {
        status?: { conditions?: Array<{ type: string; status: string }> };
      };
      ready = Boolean(ca.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }

    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const output = `${stdout}\n${stderr}`;

    // The log was on and complete: every line JSON, an access line for every request sent.
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const requestId of requestIds)
      expect(lines.filter((line) => line.requestId === requestId && line.msg === 'request')).toHaveLength(1);

    expect(output.split(password as string)).toHaveLength(2);
    expect(stderr).toContain(`with the generated password:\n\n    ${password}\n`);
    for (const [name, secret] of Object.entries({ session, key, wrongPassword, bogus, masterKey })) {
      expect(output.includes(secret), name).toBe(false);
      // The secret half of a token alone, should something ever log a token's parts. Cut at the
      // fixed-length id, not at the last '_': the base64url secret may itself hold '_'.
      const secretPart = /^st[ws]_[0-9a-f]{16}_/.test(secret) ? secret.slice(22) : secret;
      expect(output.includes(secretPart), `${name} (secret part)`).toBe(false);
    }
    expect(output).not.toContain('PRIVATE KEY');
  }, 60_000);
});
