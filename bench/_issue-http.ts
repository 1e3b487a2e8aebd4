/**
 * Single-certificate issuance over HTTP, as enrolling devices make it: 200 concurrent clients
 * (autocannon, a second process), each POST one certificate, on SQLite and on PostgreSQL; each
 * beside the same run with group commit off (one transaction per call), then a sample of what was
 * recorded checked by openssl verify.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { generateKeyPair } from '../src/pki/key-algorithms.js';
import { toPem } from '../src/pki/pem.js';
import { startServer } from '../src/server.js';
import { freshPostgres, freshSqlite, type TestDatabase } from '../test/support/databases.js';
import { autocannon, BENCH_ADMIN_PASSWORD, benchLogin, line } from './_http.js';

const run = promisify(execFile);
const CLIENTS = 200;
const SECONDS = 10;

export async function concurrentSingleIssuance(): Promise<void> {
  for (const [label, create] of [
    ['SQLite', async () => freshSqlite()],
    ['PostgreSQL', freshPostgres],
  ] as const) {
    const database: TestDatabase = await create();
    const server = await startServer(
      loadConfig({
        STEWARD_DATABASE_URL: database.url,
        STEWARD_DATA_DIR: database.dataDir,
        STEWARD_PORT: '0',
        STEWARD_DEVICE_PORT: '0',
        STEWARD_LOG_LEVEL: 'silent',
        STEWARD_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      }),
      { engine: { enabled: true, resyncSeconds: 0 } },
    );
    try {
      const token = await benchLogin(server.url);
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const applied = await fetch(`${server.url}/api/v1/apply`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          apiVersion: 'steward.dev/v1',
          kind: 'CertificateAuthority',
          metadata: { name: 'storm-ca' },
          spec: { type: 'root', subject: { commonName: 'Storm CA' }, leafValidity: '2160h' },
        }),
      });
      if (!applied.ok) throw new Error(`apply: ${applied.status} ${await applied.text()}`);
      const deadline = Date.now() + 30_000;
      while (
        !(
          await server.services.store.get({
            tenant: 'default',
            kind: 'CertificateAuthority',
            name: 'storm-ca',
          })
        )?.status.certificate
      ) {
        if (Date.now() > deadline) throw new Error('storm-ca did not become Ready');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const key = await generateKeyPair('ECDSA-P256');
      const body = JSON.stringify({
        publicKey: toPem('PUBLIC KEY', key.spki),
        subject: { commonName: 'storm-device', organization: 'Bench' },
        profile: 'device',
      });
      const url = `${server.url}/api/v1/certificateauthorities/storm-ca/certificates`;
      const request = { connections: CLIENTS, method: 'POST', body };
      const issuance = server.services.pki.issuance;
      await autocannon(url, headers, 2, request); // warm-up
      issuance.ungroupedForBenchmark = true;
      const ungrouped = await autocannon(url, headers, SECONDS, request);
      issuance.ungroupedForBenchmark = false;
      const grouped = await autocannon(url, headers, SECONDS, request);
      console.log(line(`issue over HTTP, ${CLIENTS} clients, ${label}, one transaction per call`, ungrouped));
      console.log(line(`issue over HTTP, ${CLIENTS} clients, ${label}, group commit`, grouped));
      console.log(
        `issue over HTTP, ${label}: group commit / one per call: ${(grouped.requests.average / ungrouped.requests.average).toFixed(1)}x (target >= 3000 certificates/s on SQLite)`,
      );
      console.log(
        `issue over HTTP, ${label}: openssl verify of recorded leaves: ${await verifyRecorded(server, url, headers)}/20 OK`,
      );
    } finally {
      await server.close();
      await database.drop();
    }
  }
}

/** Issues 20 certificates concurrently (so through group commit) and verifies them with openssl against the chain. */
async function verifyRecorded(
  server: Awaited<ReturnType<typeof startServer>>,
  url: string,
  headers: Record<string, string>,
): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'steward-bench-storm-'));
  try {
    const chain = await (
      await fetch(`${server.url}/api/v1/certificateauthorities/storm-ca/chain`, { headers })
    ).text();
    await writeFile(join(directory, 'ca.pem'), chain);
    const key = await generateKeyPair('ECDSA-P256');
    const body = JSON.stringify({
      publicKey: toPem('PUBLIC KEY', key.spki),
      subject: { commonName: 'sample' },
    });
    // Issued concurrently, so they go through group commit together.
    const issued = await Promise.all(
      Array.from(
        { length: 20 },
        async () =>
          (await (await fetch(url, { method: 'POST', headers, body })).json()) as { certificate: string },
      ),
    );
    const files = await Promise.all(
      issued.map(async (certificate, index) => {
        const file = join(directory, `leaf-${index}.pem`);
        await writeFile(file, certificate.certificate);
        return file;
      }),
    );
    const { stdout } = await run('openssl', ['verify', '-CAfile', join(directory, 'ca.pem'), ...files]).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    return stdout.split('\n').filter((text) => text.endsWith(': OK')).length;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
