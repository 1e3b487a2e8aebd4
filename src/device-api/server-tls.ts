/**
 * The device listener's server certificate. Two sources:
 * - a Steward CertificateAuthority (STEWARD_DEVICE_SERVER_CA=<tenant>/<name>): a fresh key each
 *   start, its certificate issued by that CA (journaled like any issuance) and renewed in place at
 *   two thirds of its life; agents trust that CA's chain;
 * - by default, a self-managed CA in `<dataDir>/device-api/` (ca.pem, ca.key 0600) made on first
 *   start, whose server certificate is re-made at each start; agents trust `ca.pem`, which
 *   `GET /api/v1/device-api` also serves.
 */
import 'reflect-metadata';
import { createPrivateKey, type KeyObject, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { PRIVATE_DIRECTORY, PRIVATE_FILE } from '../store/file-modes.js';

export interface ServerTls {
  keyPem: string;
  /** The server certificate, then its issuers. */
  certificatePem: string;
  /** What agents should trust to reach this listener. */
  trustPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** Node's webcrypto objects are the ones the library's DOM types name. */
type Key = x509.X509CertificateCreateWithKeyParams['signingKey'];
type KeyPair = x509.X509CertificateCreateSelfSignedParams['keys'];

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** The names a server certificate for `host` covers: localhost, loopback, the host and extras. */
export function serverNames(host: string, extra: readonly string[]): { dns: string[]; ips: string[] } {
  const all = new Set(['localhost', '127.0.0.1', '::1', ...extra]);
  if (host !== '0.0.0.0' && host !== '::') all.add(host);
  const names = [...all];
  return { dns: names.filter((name) => isIP(name) === 0), ips: names.filter((name) => isIP(name) !== 0) };
}

/** The self-managed CA of `<dataDir>/device-api/` (made once) and a new server certificate under it. */
export async function selfManagedServerTls(
  dataDir: string,
  names: { dns: string[]; ips: string[] },
  now: Date,
): Promise<ServerTls> {
  const dir = join(dataDir, 'device-api');
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY });
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca.key');
  let caPem: string;
  let caKey: webcrypto.CryptoKey;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    caPem = readFileSync(caFile, 'utf8');
    caKey = await importPrivate(createPrivateKey(readFileSync(caKeyFile, 'utf8')));
  } else {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: 'CN=Steward device API CA',
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3650 * DAY),
      keys: keys as unknown as KeyPair,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as Key),
      ],
    });
    caPem = ca.toString('pem') + '\n';
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    writeFileSync(caKeyFile, toPem('PRIVATE KEY', pkcs8), { mode: PRIVATE_FILE });
    writeFileSync(caFile, caPem);
    caKey = keys.privateKey;
  }
  const ca = new x509.X509Certificate(caPem);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 90 * DAY);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=Steward device API',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey as unknown as Key,
    signingKey: caKey as unknown as Key,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    keyPem: toPem('PRIVATE KEY', pkcs8),
    certificatePem: `${server.toString('pem')}\n${caPem}`,
    trustPem: caPem,
    notBefore,
    notAfter,
  };
}

/**
 * A server certificate issued by a Steward CertificateAuthority for a key made here (kept in
 * memory only). Agents trust that CA's chain: `trustPem` is the issuing CA up to its root.
 */
export async function stewardCaServerTls(
  issue: (request: {
    publicKeyPem: string;
    names: { dns: string[]; ips: string[] };
  }) => Promise<{ certificatePem: string; chainPem: string; notBefore: Date; notAfter: Date }>,
  names: { dns: string[]; ips: string[] },
): Promise<ServerTls> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const issued = await issue({ publicKeyPem: toPem('PUBLIC KEY', spki), names });
  return {
    keyPem: toPem('PRIVATE KEY', pkcs8),
    certificatePem: issued.certificatePem + issued.chainPem,
    trustPem: issued.chainPem,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
  };
}

async function importPrivate(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, false, ['sign']);
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return Buffer.from(bytes).toString('hex');
}

function toPem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
