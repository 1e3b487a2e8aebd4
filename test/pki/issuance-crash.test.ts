/**
 * Group commit under kill -9: a Steward process issuing a storm of single certificates is killed
 * mid-storm; restarted on the same database, every certificate a client was given is recorded and
 * journaled, every record has its journal entry, and the chain verifies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PASSWORD = 'crash-admin-password';

function startSteward(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Steward did not start:\n${output}`)), 80_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Steward listening on (http:\/\/\S+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`Steward exited with ${code}:\n${output}`)));
  });
}

async function session(url: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const { sessionToken } = (await response.json()) as { sessionToken: string };
  return { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' };
}

describe('group-committed issuance and kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-crash-'));
  const children: ChildProcess[] = [];
  const env = {
    STEWARD_DATABASE_URL: `sqlite:${join(dataDir, 'steward.db')}`,
    STEWARD_DATA_DIR: dataDir,
    STEWARD_PORT: '0',
    STEWARD_DEVICE_PORT: '0',
    STEWARD_HOST: '127.0.0.1',
    STEWARD_LOG_LEVEL: 'info',
    STEWARD_ADMIN_PASSWORD: PASSWORD,
  };
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged certificate, each record journaled, the chain intact', async () => {
    const first = await startSteward(env);
    children.push(first.child);
    let headers = await session(first.url);
    const applied = await fetch(`${first.url}/api/v1/apply`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        apiVersion: 'steward.dev/v1',
        kind: 'CertificateAuthority',
        metadata: { name: 'crash-ca' },
        spec: { type: 'root', subject: { commonName: 'Crash CA' } },
      }),
    });
    expect(applied.status).toBe(200);
    for (let tries = 0; ; tries++) {
      const ca = (await (
        await fetch(`${first.url}/api/v1/certificateauthorities/crash-ca`, { headers })
      ).json()) as {
        status?: { certificate?: unknown };
      };
      if (ca.status?.certificate) break;
      if (tries > 400) throw new Error('crash-ca did not become Ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const body = JSON.stringify({
      publicKey: toPem('PUBLIC KEY', (await generateKeyPair('ECDSA-P256')).spki),
      subject: { commonName: 'crash-device' },
    });
    const url = `${first.url}/api/v1/certificateauthorities/crash-ca/certificates`;
    const acknowledged: string[] = [];
    let killed = false;
    // 64 clients, each issuing until the process dies; killed once 300 were answered.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (!killed) {
          try {
            const response = await fetch(url, { method: 'POST', headers, body });
            if (response.status !== 201) continue;
            const { serial } = (await response.json()) as { serial: string };
            acknowledged.push(serial);
            if (acknowledged.length >= 300 && !killed) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          } catch {
            return; // the connection died with the process
          }
        }
      }),
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    const second = await startSteward(env);
    children.push(second.child);
    headers = await session(second.url);
    const stored = new Set<string>();
    for (let next: string | undefined = ''; next !== undefined; ) {
      const page = (await (
        await fetch(
          `${second.url}/api/v1/certificateauthorities/crash-ca/certificates?limit=500${next ? `&continue=${next}` : ''}`,
          {
            headers,
          },
        )
      ).json()) as { items: Array<{ serial: string }>; metadata?: { continue?: string } };
      for (const item of page.items) stored.add(item.serial);
      next = page.metadata?.continue || undefined;
    }
    for (const serial of acknowledged) expect(stored.has(serial), `acknowledged ${serial} lost`).toBe(true);
    const journal = (await (
      await fetch(`${second.url}/api/v1/journal?operation=issue&limit=5000`, { headers })
    ).json()) as { items: unknown[] };
    // Each record has its entry: they were written in the same transaction.
    expect(journal.items).toHaveLength(stored.size);
    const verify = (await (await fetch(`${second.url}/api/v1/journal/verify`, { headers })).json()) as {
      ok: boolean;
    };
    expect(verify.ok).toBe(true);
  });
});
