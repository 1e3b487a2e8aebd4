/** Test support: a real Steward server with the engine on, and helpers to drive CAs through its API. */
import type { Clock } from '../../src/engine/queue/work-queue.js';
import type { StoredResource } from '../../src/resources/model.js';
import type { StewardServer } from '../../src/server.js';
import type { TestDatabase } from '../support/databases.js';
import { adminToken, call, loginToken, TEST_ADMIN_PASSWORD, useServer } from '../support/server.js';

export const PUBLIC_URL = 'https://steward.test';

export interface PkiServer {
  server: StewardServer;
  /** The admin's session token of tenant default. */
  token: string;
}

/**
 * useServer() with the engine on, for the suite that calls it. With a clock (ManualClock), login
 * sessions age with it: call `relogin` after moving it far.
 */
export function usePkiServer(
  options: {
    database?: () => TestDatabase | Promise<TestDatabase>;
    clock?: Clock;
    env?: Record<string, string>;
  } = {},
): PkiServer & { readonly database: TestDatabase; relogin(): Promise<void> } {
  const suite = useServer({
    database: options.database,
    env: { STEWARD_PUBLIC_URL: PUBLIC_URL, STEWARD_ENGINE: 'on', ...options.env },
    options: { clock: options.clock, engine: { resyncSeconds: 0 } },
  });
  let token: string | undefined;
  return {
    get server() {
      return suite.server;
    },
    get database() {
      return suite.database;
    },
    get token() {
      return token ?? adminToken(suite.server);
    },
    async relogin() {
      token = await loginToken(suite.server, 'admin', TEST_ADMIN_PASSWORD);
    },
  };
}

/** A CertificateAuthority manifest. */
export function caManifest(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'steward.dev/v1', kind: 'CertificateAuthority', metadata: { name }, spec };
}

export function rootSpec(commonName: string, extra: Record<string, unknown> = {}) {
  return { type: 'root', subject: { commonName, organization: 'Steward Tests' }, ...extra };
}

export function intermediateSpec(parent: string, commonName: string, extra: Record<string, unknown> = {}) {
  return { type: 'intermediate', parentRef: { name: parent }, subject: { commonName }, ...extra };
}

export async function apply(handle: PkiServer, manifests: unknown[], token = handle.token): Promise<void> {
  const reply = await call(handle.server, 'POST', '/api/v1/apply', { body: manifests, token });
  if (reply.status !== 200) throw new Error(`apply failed: ${JSON.stringify(reply.body)}`);
}

export function readyOf(resource: StoredResource | null) {
  return resource?.status.conditions?.find((condition) => condition.type === 'Ready');
}

/** Polls the store until `predicate` holds (real time: the engine runs on its own). */
export async function waitFor(
  handle: PkiServer,
  name: string,
  predicate: (resource: StoredResource | null) => boolean,
  options: { tenant?: string; kind?: string; timeoutMs?: number } = {},
): Promise<StoredResource | null> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const key = { tenant: options.tenant ?? 'default', kind: options.kind ?? 'CertificateAuthority', name };
  for (;;) {
    const resource = await handle.server.services.store.get(key);
    if (predicate(resource)) return resource;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${key.kind}/${name}: ${JSON.stringify(resource?.status.conditions)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ready=True at the current generation. */
export function isReadyNow(resource: StoredResource | null): boolean {
  return readyOf(resource)?.status === 'True' && resource?.status.observedGeneration === resource?.generation;
}

/** A GET whose body is bytes (DER), with or without the admin's credential. */
export async function getBytes(
  handle: PkiServer,
  url: string,
  token: string | null = handle.token,
): Promise<{ status: number; contentType: string; body: Buffer }> {
  const response = await handle.server.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body: response.rawPayload,
  };
}

/** Lets the engine's queue drain: everything the last clock move made due has been reconciled. */
export async function settle(handle: PkiServer): Promise<void> {
  let idleRounds = 0;
  while (idleRounds < 3) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const depth = await handle.server.services.engine.queue.depth();
    idleRounds = depth.waiting + depth.active === 0 ? idleRounds + 1 : 0;
  }
}

/** Moves a fake clock in 12-hour steps, so each reconcile's requeueAfter is armed before the next step. */
export async function advance(
  handle: PkiServer,
  clock: { advance(ms: number): void },
  hours: number,
): Promise<void> {
  for (let done = 0; done < hours; done += 12) {
    clock.advance(Math.min(12, hours - done) * 3_600_000);
    await settle(handle);
  }
}
