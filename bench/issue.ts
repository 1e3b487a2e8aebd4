/**
 * `npm run bench -- issue [COUNT]`: leaf certificates per second for ECDSA-P256 with the public key
 * given (the fast template path of src/pki/issuer.ts), against raw ECDSA P-256 signatures per second
 * in the same process, plus the naive @peculiar/x509 path for reference; then the same through the
 * IssuanceService, which also records every certificate and journals it (SQLite, batches of 1,000,
 * and one certificate per call); then samples of both are checked with the real openssl binary.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes, sign, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import { composeServices } from '../src/app/compose.js';
import { loadConfig } from '../src/config.js';
import { systemContext } from '../src/context.js';
import { createRootCertificate } from '../src/pki/ca-certificate.js';
import { loadCaCredentials } from '../src/pki/ca-credentials.js';
import type { IssuedCertificate } from '../src/pki/certificate-assembly.js';
import { LeafIssuer } from '../src/pki/issuer.js';
import { generateKeyPair } from '../src/pki/key-algorithms.js';
import { freshSqlite } from '../test/support/databases.js';
import { concurrentSingleIssuance } from './_issue-http.js';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

export default async function runIssueBenchmark(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 20_000);
  const now = new Date();
  const caKeys = await generateKeyPair('ECDSA-P256');
  const root = await createRootCertificate({
    subject: { commonName: 'Bench Root CA' },
    privateKey: caKeys.privateKey,
    validityMs: 3650 * DAY_MS,
    now,
  });
  const issuer = new LeafIssuer(loadCaCredentials(root.der, caKeys.privateKey), {
    crlUrl: 'https://steward.example/pki/bench/root/crl',
  });
  // Key generation is not part of the measure: a small pool of subject keys is reused.
  const spkis = await Promise.all(
    Array.from({ length: 64 }, async () => (await generateKeyPair('ECDSA-P256')).spki),
  );
  const issueOne = (index: number) =>
    issuer.issueForPublicKey(spkis[index % spkis.length], {
      subject: { commonName: `device-${index}`, organization: 'Bench' },
      subjectAltNames: { uris: [`urn:steward:device:${index}`] },
      profile: 'device',
      validityMs: 90 * DAY_MS,
      now,
    });

  for (let index = 0; index < 500; index++) issueOne(index); // warm-up (JIT, template caches)
  const issued: IssuedCertificate[] = [];
  let started = performance.now();
  for (let index = 0; index < count; index++) issued.push(issueOne(index));
  const leavesPerSecond = count / ((performance.now() - started) / 1000);

  const payloadLength = issued[0].der.length - 80; // about the size of a TBSCertificate
  const payloads = Array.from({ length: 64 }, () => randomBytes(payloadLength));
  for (let index = 0; index < 500; index++)
    sign('sha256', payloads[index % 64], { key: caKeys.privateKey, dsaEncoding: 'der' });
  started = performance.now();
  for (let index = 0; index < count; index++)
    sign('sha256', payloads[index % 64], { key: caKeys.privateKey, dsaEncoding: 'der' });
  const rawPerSecond = count / ((performance.now() - started) / 1000);

  console.log(
    `issue: ecdsa-p256 leaves/s: ${Math.round(leavesPerSecond)} (${count} leaves, ${issued[0].der.length} bytes each)`,
  );
  console.log(
    `issue: raw ecdsa-p256 signatures/s (node crypto.sign, ${payloadLength}-byte payloads): ${Math.round(rawPerSecond)}`,
  );
  console.log(`issue: ratio leaves/raw: ${(leavesPerSecond / rawPerSecond).toFixed(2)}`);
  console.log(
    `issue: raw ecdsa-p256 signatures/s (WebCrypto subtle.sign, as in STACK.md): ${Math.round(await webCryptoSignaturesPerSecond(5000, payloads))}`,
  );
  console.log(
    `issue: naive @peculiar/x509 leaves/s: ${Math.round(await naiveLeavesPerSecond(Math.min(1000, count), now))}`,
  );

  console.log(`issue: openssl verify: ${await verifySample(root.pem, issued)}/20 sampled certificates OK`);

  const recorded = await recordedLeavesPerSecond(count, spkis);
  console.log(
    `issue: recorded + journaled leaves/s (IssuanceService, SQLite, batches of 1,000): ${Math.round(recorded.batched)} (ratio to raw signing ${(recorded.batched / rawPerSecond).toFixed(2)})`,
  );
  console.log(
    `issue: recorded + journaled leaves/s (one certificate per call): ${Math.round(recorded.single)}`,
  );
  console.log(`issue: openssl verify of recorded leaves: ${recorded.verified}/20 sampled certificates OK`);

  await concurrentSingleIssuance();
}

/** Writes 20 random certificates of `issued` and verifies them with openssl against the chain `caPem`. */
async function verifySample(caPem: string, issued: IssuedCertificate[]): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'steward-bench-issue-'));
  try {
    await writeFile(join(directory, 'ca.pem'), caPem);
    const sample = Array.from({ length: 20 }, () => issued[Math.floor(Math.random() * issued.length)]);
    const files = await Promise.all(
      sample.map(async (certificate, index) => {
        const file = join(directory, `leaf-${index}.pem`);
        await writeFile(file, certificate.pem);
        return file;
      }),
    );
    const { stdout } = await run('openssl', ['verify', '-CAfile', join(directory, 'ca.pem'), ...files]).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    return stdout.split('\n').filter((line) => line.endsWith(': OK')).length;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * The whole path a caller gets: a CA made by the reconciler, IssuanceService signing, recording
 * every certificate (bulk INSERT) and journaling it, one transaction per call.
 */
async function recordedLeavesPerSecond(
  count: number,
  spkis: Buffer[],
): Promise<{ batched: number; single: number; verified: number }> {
  Logger.overrideLogger(false);
  const database = freshSqlite();
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_LOG_LEVEL: 'silent',
  });
  const services = await composeServices(config, { engine: { resyncSeconds: 0 } });
  await services.engine.start();
  try {
    const context = systemContext('bench', { type: 'user', id: 'bench', name: 'bench' }, 'bench');
    await services.applyService.apply(context, [
      {
        index: 0,
        value: {
          apiVersion: 'steward.dev/v1',
          kind: 'CertificateAuthority',
          metadata: { name: 'bench-ca' },
          spec: { type: 'root', subject: { commonName: 'Bench CA' }, leafValidity: '2160h' },
        },
      },
    ]);
    const deadline = Date.now() + 30_000;
    while (
      !(await services.store.get({ tenant: 'bench', kind: 'CertificateAuthority', name: 'bench-ca' }))?.status
        .certificate
    ) {
      if (Date.now() > deadline) throw new Error('bench-ca did not become Ready');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const request = (index: number) => ({
      publicKey: spkis[index % spkis.length],
      subject: { commonName: `device-${index}`, organization: 'Bench' },
      subjectAltNames: { uris: [`urn:steward:device:${index}`] },
      profile: 'device' as const,
      owner: { kind: 'Device', name: `device-${index}` },
    });
    const batch = 1000;
    await services.pki.issuance.issue(
      context,
      'bench-ca',
      Array.from({ length: batch }, (_, index) => request(index)),
    );
    const issued: IssuedCertificate[] = [];
    let started = performance.now();
    for (let offset = 0; offset < count; offset += batch) {
      const size = Math.min(batch, count - offset);
      issued.push(
        ...(await services.pki.issuance.issue(
          context,
          'bench-ca',
          Array.from({ length: size }, (_, index) => request(offset + index)),
        )),
      );
    }
    const batched = count / ((performance.now() - started) / 1000);
    const singles = Math.min(2000, count);
    started = performance.now();
    for (let index = 0; index < singles; index++)
      await services.pki.issuance.issue(context, 'bench-ca', [request(count + index)]);
    const single = singles / ((performance.now() - started) / 1000);
    const ca = await services.store.get({ tenant: 'bench', kind: 'CertificateAuthority', name: 'bench-ca' });
    return { batched, single, verified: await verifySample(String(ca?.status.certificate), issued) };
  } finally {
    await services.close();
    await database.drop();
  }
}

async function webCryptoSignaturesPerSecond(count: number, payloads: Buffer[]): Promise<number> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
  const started = performance.now();
  for (let index = 0; index < count; index++)
    await webcrypto.subtle.sign(algorithm, keys.privateKey, payloads[index % payloads.length]);
  return count / ((performance.now() - started) / 1000);
}

/** The path this benchmark replaces: X509CertificateGenerator.create per leaf (WebCrypto signing). */
async function naiveLeavesPerSecond(count: number, now: Date): Promise<number> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const leafKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16).toString('hex').replace(/^./, '4'),
      issuer: 'CN=Bench Root CA',
      subject: `CN=device-${index}, O=Bench`,
      notBefore: now,
      notAfter: new Date(now.getTime() + 90 * DAY_MS),
      signingAlgorithm: algorithm,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
  }
  return count / ((performance.now() - started) / 1000);
}
