/**
 * Test support for the device API: a Steward with the engine on, a device CA (root + intermediate)
 * Ready, enrollment tokens made through the REST API, and reference agents talking real mTLS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectError } from '@connectrpc/connect';
import { DeviceAgent } from '../../src/device-agent/agent.js';
import {
  apply,
  caManifest,
  intermediateSpec,
  isReadyNow,
  type PkiServer,
  rootSpec,
  waitFor,
} from '../pki/pki-server.js';
import { call } from '../support/server.js';

export const DEVICE_CA = 'devices';
export const DEVICE_ROOT = 'device-root';

/** Applies the device root and intermediate and waits until the intermediate can issue. */
export async function deviceCa(handle: PkiServer, token = handle.token, tenant = 'default'): Promise<void> {
  await apply(
    handle,
    [
      caManifest(DEVICE_ROOT, rootSpec('Device Root')),
      caManifest(DEVICE_CA, intermediateSpec(DEVICE_ROOT, 'Device Identities', { leafValidity: '720h' })),
    ],
    token,
  );
  await waitFor(handle, DEVICE_CA, isReadyNow, { tenant });
}

/** Creates an enrollment token through the API; answers its plaintext. */
export async function enrollToken(
  handle: PkiServer,
  body: Record<string, unknown> = {},
  token = handle.token,
): Promise<{ id: string; token: string }> {
  const reply = await call<{ id: string; token: string }>(handle.server, 'POST', '/api/v1/enroll-tokens', {
    body: { caRef: DEVICE_CA, ...body },
    token,
  });
  if (reply.status !== 201 && reply.status !== 200)
    throw new Error(`enroll token: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** A reference agent pointed at the test server's device API. */
export function agent(
  handle: PkiServer,
  identifier: string,
  platform = 'linux',
  name?: string,
): Promise<DeviceAgent> {
  const api = handle.server.deviceApi;
  if (!api) throw new Error('the test server runs no device API');
  return DeviceAgent.create({
    url: api.server.url,
    trustPem: api.server.trustPem,
    platform,
    identifier,
    name,
  });
}

/** `openssl verify` of a leaf against the CA bundle (and the CRLs, when given); answers its output. */
export function opensslVerify(
  bundlePem: string,
  leafPem: string,
  crlsPem?: string,
  atTime?: number,
): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-verify-'));
  try {
    writeFileSync(join(dir, 'bundle.pem'), bundlePem);
    writeFileSync(join(dir, 'leaf.pem'), leafPem);
    const args = ['verify', '-CAfile', join(dir, 'bundle.pem'), '-purpose', 'sslclient'];
    if (atTime !== undefined) args.push('-attime', String(Math.floor(atTime / 1000)));
    if (crlsPem) {
      writeFileSync(join(dir, 'crls.pem'), crlsPem);
      args.push('-crl_check', '-CRLfile', join(dir, 'crls.pem'));
    }
    args.push(join(dir, 'leaf.pem'));
    try {
      return { ok: true, output: execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -text` of a PEM certificate. */
export function certificateText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
}

/** The CA's current CRL, as PEM (the API serves DER). */
export async function crlPem(handle: PkiServer, ca = DEVICE_CA): Promise<string> {
  const response = await handle.server.app.inject({
    method: 'GET',
    url: `/api/v1/certificateauthorities/${ca}/crl`,
    headers: { authorization: `Bearer ${handle.token}` },
  });
  if (response.statusCode !== 200) throw new Error(`crl: ${response.statusCode} ${response.body}`);
  return execFileSync('openssl', ['crl', '-inform', 'DER', '-outform', 'PEM'], {
    input: response.rawPayload,
    encoding: 'utf8',
  });
}

/** The CA bundle (the CA and every CA above it), PEM. */
export async function bundlePem(handle: PkiServer, ca = DEVICE_CA): Promise<string> {
  const reply = await call<string>(handle.server, 'GET', `/api/v1/certificateauthorities/${ca}/bundle`, {
    token: handle.token,
  });
  return String(reply.body);
}

/** The ConnectError a device API call was refused with (fails the test when it was not refused). */
export async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected a refusal');
}
