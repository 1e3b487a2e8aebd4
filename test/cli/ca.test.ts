/** `steward get ca`, `describe ca`, and the `ca` commands against a real server with the engine on. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/pki/key-algorithms.js';
import { toPem } from '../../src/pki/pem.js';
import { openssl, type ScratchDirectory, scratchDirectory } from '../pki/openssl.js';
import { isReadyNow, usePkiServer, waitFor } from '../pki/pki-server.js';
import { runCli } from './harness.js';

const CAS = `apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: cli-root
spec:
  type: root
  subject:
    commonName: CLI Root CA
  keyAlgorithm: ECDSA-P384
  maxPathLen: 1
---
apiVersion: steward.dev/v1
kind: CertificateAuthority
metadata:
  name: cli-issuing
spec:
  type: intermediate
  parentRef:
    name: cli-root
  subject:
    commonName: CLI Issuing CA
    organization: Steward Tests
  leafValidity: 720h
`;

describe('steward and certificate authorities', () => {
  const pki = usePkiServer();
  let scratch: ScratchDirectory;
  let env: Record<string, string>;
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env, stdin });

  beforeAll(async () => {
    scratch = await scratchDirectory();
    env = {
      STEWARD_URL: pki.server.url,
      STEWARD_TOKEN: pki.token,
      STEWARD_CONFIG: join(pki.database.dataDir, 'cli-config'),
    };
    const applied = await cli(['apply', '-f', '-'], CAS);
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor(pki, 'cli-issuing', isReadyNow);
  });
  afterAll(async () => {
    await scratch?.remove();
  });

  it('get ca lists both CAs as Ready with type, algorithm and expiry', async () => {
    const result = await cli(['get', 'ca']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+REASON\s+TYPE\s+ALGORITHM\s+NOT AFTER\s+AGE$/);
    expect(lines[1]).toMatch(/^cli-issuing\s+True\s+UpToDate\s+intermediate\s+ECDSA-P256\s+20\d\d-/);
    expect(lines[2]).toMatch(/^cli-root\s+True\s+UpToDate\s+root\s+ECDSA-P384\s+20\d\d-/);
  });

  it('describe ca shows the fingerprint, the validity and the chain', async () => {
    const stored = await pki.server.services.store.get({
      tenant: 'default',
      kind: 'CertificateAuthority',
      name: 'cli-issuing',
    });
    const result = await cli(['describe', 'ca', 'cli-issuing']);
    expect(result.code, result.stderr).toBe(0);
    const fingerprint = String(stored?.status.fingerprint).toUpperCase().match(/../g)?.join(':');
    expect(result.stdout).toMatch(new RegExp(`SHA-256 Fingerprint:\\s+${fingerprint}\\n`));
    expect(result.stdout).toMatch(/Not After:\s+\S+ \(expires in \d+y\)/);
    expect(result.stdout).toMatch(
      /Chain:\n\s+#\s+SUBJECT\s+ISSUER\s+NOT AFTER\n\s+0\s+O=Steward Tests, CN=CLI Issuing CA\s+CN=CLI Root CA\s+\S+\n\s+1\s+CN=CLI Root CA\s+CN=CLI Root CA/,
    );
  });

  it('ca chain prints a chain openssl verifies, and ca issue a certificate that verifies through it', async () => {
    const chain = await cli(['ca', 'chain', 'cli-issuing']);
    expect(chain.code, chain.stderr).toBe(0);
    const [intermediate, root] = chain.stdout.split(/(?<=-----END CERTIFICATE-----\n)/);
    const rootFile = await scratch.write('root.pem', root);
    const intermediateFile = await scratch.write('intermediate.pem', intermediate);
    const key = await generateKeyPair('Ed25519');
    const keyFile = await scratch.write('key.pem', toPem('PUBLIC KEY', key.spki));
    const issued = await cli([
      'ca',
      'issue',
      'cli-issuing',
      '--public-key',
      keyFile,
      '--cn',
      'cli-1',
      '--dns',
      'cli-1.example',
      '--ip',
      '192.0.2.7',
      '--ip',
      '2001:db8::7',
      '--profile',
      'server',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stderr).toMatch(/certificate [0-9a-f]{32} issued, valid until/);
    const leafFile = await scratch.write('leaf.pem', issued.stdout);
    const text = (await openssl(['x509', '-in', leafFile, '-noout', '-ext', 'subjectAltName'])).stdout;
    expect(text).toContain('DNS:cli-1.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7');
    const verified = await openssl(['verify', '-CAfile', rootFile, '-untrusted', intermediateFile, leafFile]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const serial = (await openssl(['x509', '-in', leafFile, '-noout', '-serial'])).stdout
      .trim()
      .split('=')[1]
      .toLowerCase();
    const listed = await cli(['ca', 'certificates', 'cli-issuing']);
    expect(listed.stdout).toMatch(new RegExp(`${serial}\\s+CN=cli-1\\s+server\\s+<none>\\s+valid`));
    const revoked = await cli(['ca', 'revoke', 'cli-issuing', serial, '--reason', 'superseded']);
    expect(revoked.stdout).toBe(`certificate ${serial} revoked (superseded)\n`);
    expect((await cli(['ca', 'revoke', 'cli-issuing', serial])).stdout).toMatch(
      /already revoked \(superseded/,
    );
    expect((await cli(['ca', 'certificates', 'cli-issuing'])).stdout).toMatch(/revoked \(superseded\)/);
    const crl = await cli(['ca', 'crl', 'cli-issuing']);
    const crlFile = await scratch.write('crl.pem', crl.stdout);
    const crlText = await openssl(['crl', '-in', crlFile, '-noout', '-text']);
    expect(crlText.stdout).toContain(`Serial Number: ${serial.toUpperCase()}`);
    expect(crlText.stdout).toContain('Superseded');
  });

  it('reports a missing CA as the server says', async () => {
    const result = await cli(['ca', 'chain', 'no-such-ca']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Error from server (NotFound): CertificateAuthority "no-such-ca" not found',
    );
  });
});
