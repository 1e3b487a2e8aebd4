/**
 * The device API judged by clients that share no code with the server: @grpc/grpc-js with
 * @grpc/proto-loader reading proto/ (gRPC over HTTP/2), and curl speaking Connect's JSON over
 * HTTP/1.1. Each presents a valid, a revoked, an expired and a foreign certificate.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { agent, DEVICE_CA, deviceCa, enrollToken } from './device-fleet.js';

const handle = usePkiServer();
const dir = mkdtempSync(join(tmpdir(), 'steward-clients-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Credential {
  label: string;
  cert: string;
  key: string;
}
const credentials: Record<'valid' | 'revoked' | 'expired' | 'foreign', Credential> = {} as never;
let trustPem = '';
let url = '';
let enrollTokenText = '';

function fileOf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function credentialOf(label: string, device: DeviceAgent): Credential {
  return { label, cert: device.certificatePem! + device.chainPem, key: device.privateKeyPem };
}

beforeAll(async () => {
  await deviceCa(handle);
  trustPem = handle.server.deviceApi!.server.trustPem;
  url = handle.server.deviceApi!.server.url;
  enrollTokenText = (await enrollToken(handle, { maxUses: 10 })).token;

  const valid = await agent(handle, 'client-valid');
  await valid.enroll(enrollTokenText);
  credentials.valid = credentialOf('valid', valid);

  const revoked = await agent(handle, 'client-revoked');
  await revoked.enroll(enrollTokenText);
  const device = await waitFor(
    handle,
    revoked.deviceName!,
    (resource) => Boolean(resource?.status.certificate),
    {
      kind: 'Device',
    },
  );
  const serial = (device!.status.certificate as { serial: string }).serial;
  const reply = await call(handle.server, 'POST', `/api/v1/certificateauthorities/${DEVICE_CA}/revoke`, {
    body: { serial, reason: 'keyCompromise' },
  });
  expect(reply.status).toBe(200);
  credentials.revoked = credentialOf('revoked', revoked);

  // An operator's Device whose identity lives 2 s: bound at enrollment by its identifier.
  await apply(handle, [
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'client-expired' },
      spec: {
        platform: 'linux',
        permanentIdentifier: 'client-expired',
        identity: { caRef: { name: DEVICE_CA }, validity: '2s' },
      },
    },
  ]);
  const expired = await agent(handle, 'client-expired');
  await expired.enroll(enrollTokenText);
  credentials.expired = credentialOf('expired', expired);

  const key = fileOf('foreign.key', '');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  const cert = execFileSync(
    'openssl',
    ['req', '-new', '-x509', '-key', key, '-subj', '/CN=client-valid', '-days', '1'],
    {
      encoding: 'utf8',
    },
  );
  credentials.foreign = {
    label: 'foreign',
    cert,
    key: execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', key], { encoding: 'utf8' }),
  };
  for (const one of [valid, revoked, expired]) one.close();
  // Let the 2 s certificate lapse.
  await new Promise((resolve) => setTimeout(resolve, 2_100));
});

describe('@grpc/grpc-js with @grpc/proto-loader', () => {
  const definition = protoLoader.loadSync(resolve('proto/steward/device/v1/device.proto'), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    steward: { device: { v1: { DeviceService: grpc.ServiceClientConstructor } } };
  };

  function checkIn(
    credential?: Credential,
  ): Promise<{ error: grpc.ServiceError | null; answer?: Record<string, unknown> }> {
    const target = url.replace('https://', '');
    const client = new proto.steward.device.v1.DeviceService(
      target,
      grpc.credentials.createSsl(
        Buffer.from(trustPem),
        credential ? Buffer.from(credential.key) : null,
        credential ? Buffer.from(credential.cert) : null,
      ),
    );
    return new Promise((done) => {
      client.checkIn(
        {},
        { deadline: Date.now() + 5_000 },
        (error: grpc.ServiceError | null, answer?: Record<string, unknown>) => {
          client.close();
          done({ error, answer });
        },
      );
    });
  }

  it('a valid certificate checks in', async () => {
    const { error, answer } = await checkIn(credentials.valid);
    expect(error).toBeNull();
    expect(answer?.deviceName).toBe('client-valid');
    expect(answer?.nextCheckInSeconds).toBeGreaterThan(0);
  });

  it('a device in a rollout is told its signed assignment; openssl verifies the signature', async () => {
    const { token } = await enrollToken(handle, { labels: { ring: 'independent' } });
    const device = await agent(handle, 'client-rollout');
    await device.enroll(token);
    const credential = credentialOf('rollout', device);
    device.close();
    await apply(handle, [
      {
        apiVersion: 'steward.dev/v1',
        kind: 'Artifact',
        metadata: { name: 'independent-agent' },
        spec: { version: '7.0.0', digest: `sha256:${'7a'.repeat(32)}`, size: 7, platforms: ['linux'] },
      },
      {
        apiVersion: 'steward.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'independent' },
        spec: {
          artifactRef: { name: 'independent-agent' },
          target: { selector: { matchLabels: { ring: 'independent' } } },
          strategy: { waves: [{ percent: 100 }] },
        },
      },
    ]);
    await waitFor(
      handle,
      'independent',
      (resource) => ((resource?.status ?? {}) as { totals?: { assigned?: number } }).totals?.assigned === 1,
      { kind: 'Rollout' },
    );
    const { error, answer } = await checkIn(credential);
    expect(error).toBeNull();
    const assignment = answer?.assignment as Record<string, unknown>;
    expect(assignment).toMatchObject({
      rollout: 'independent',
      artifact: 'independent-agent',
      version: '7.0.0',
      attempt: 1,
    });
    // The signed payload rebuilt by hand (canonical JSON: keys sorted), not by Steward's code.
    const payload = `{"digest":"${assignment.digest}","name":"independent-agent","platforms":["linux"],"size":7,"version":"7.0.0"}`;
    const keys = await call<{ items: Array<{ keyId: string; publicKeyPem: string }> }>(
      handle.server,
      'GET',
      '/api/v1/signing-keys',
    );
    const key = keys.body.items.find((item) => item.keyId === assignment.keyId);
    const files = {
      key: fileOf('signing.pem', key?.publicKeyPem ?? ''),
      payload: fileOf('payload.json', payload),
      signature: join(dir, 'signature.bin'),
    };
    writeFileSync(files.signature, Buffer.from(String(assignment.signature), 'base64'));
    const verified = execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        files.key,
        '-rawin',
        '-in',
        files.payload,
        '-sigfile',
        files.signature,
      ],
      { encoding: 'utf8' },
    );
    expect(verified).toContain('Signature Verified Successfully');
  });

  it.each([
    ['revoked', /revoked at .*keyCompromise/],
    ['expired', /expired at/],
    ['foreign', /not issued by this Steward/],
  ] as const)('a %s certificate is refused UNAUTHENTICATED with the reason', async (label, reason) => {
    const { error } = await checkIn(credentials[label]);
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error?.details).toMatch(reason);
  });

  it('no certificate: refused, only Enroll is open', async () => {
    const { error } = await checkIn();
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error?.details).toMatch(/client certificate/);
  });
});

describe("curl with Connect's JSON", () => {
  // curl runs asynchronously: the server answering it lives in this process.
  async function curl(
    method: string,
    body: unknown,
    credential?: Credential,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const args = [
      '-sS',
      '--cacert',
      fileOf('trust.pem', trustPem),
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(body),
      '-w',
      '\n%{http_code}',
    ];
    if (credential)
      args.push(
        '--cert',
        fileOf(`${credential.label}.pem`, credential.cert),
        '--key',
        fileOf(`${credential.label}.key`, credential.key),
      );
    args.push(`${url}/steward.device.v1.DeviceService/${method}`);
    const run = await promisify(execFile)('curl', args, { encoding: 'utf8' });
    const lines = run.stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    return { status, json: JSON.parse(lines.join('\n') || '{}') };
  }

  it('a valid certificate checks in and reports what it runs', async () => {
    const { status, json } = await curl(
      'CheckIn',
      { installed: { artifact: 'os', version: '2.0.0' } },
      credentials.valid,
    );
    expect(status).toBe(200);
    expect(json.deviceName).toBe('client-valid');
  });

  it.each([
    ['revoked', /revoked/],
    ['expired', /expired/],
    ['foreign', /not issued by this Steward/],
  ] as const)('a %s certificate is refused 401 unauthenticated with the reason', async (label, reason) => {
    const { status, json } = await curl('CheckIn', {}, credentials[label]);
    expect(status).toBe(401);
    expect(json.code).toBe('unauthenticated');
    expect(String(json.message)).toMatch(reason);
  });

  it('Enroll needs no certificate: a refused token says why', async () => {
    const { status, json } = await curl('Enroll', {
      token: 'stw_enroll_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      csrPem: 'x',
      platform: 'linux',
      permanentIdentifier: 'curl-host',
    });
    expect(status).toBe(401);
    expect(String(json.message)).toMatch(/enrollment token/);
  });
});
