import { loadConfig } from '../../src/config.js';
import { type StewardServer, startServer } from '../../src/server.js';
import type { TestDatabase } from './databases.js';

/**
 * Starts Steward on a test database and an ephemeral port, quietly. The engine is off unless
 * `STEWARD_ENGINE: 'on'` is passed: suites that assert exact resourceVersions and journal
 * contents must not race controllers' status writes (the engine suites start it themselves).
 */
export async function startTestServer(
  database: TestDatabase,
  env: Record<string, string> = {},
): Promise<StewardServer> {
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_PORT: '0',
    STEWARD_LOG_LEVEL: 'silent',
    ...env,
  });
  return startServer(config, { engine: { enabled: env.STEWARD_ENGINE === 'on' } });
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** An HTTP call through Fastify's injector (no socket), answering parsed JSON. */
export async function call<T = Record<string, unknown>>(
  server: StewardServer,
  method: string,
  url: string,
  options: { body?: unknown; yaml?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.yaml !== undefined) {
    headers['content-type'] = 'application/yaml';
    payload = options.yaml;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.body);
  }
  const response = await server.app.inject({ method: method as 'GET', url, headers, payload });
  let body: unknown = response.body;
  try {
    body = JSON.parse(response.body);
  } catch {
    // not JSON (PEM, CSV...): keep the text
  }
  return { status: response.statusCode, headers: response.headers as Reply['headers'], body: body as T };
}

/** A Device manifest with sensible defaults, for tests that need many. */
export function device(
  name: string,
  labels: Record<string, string> = {},
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name, labels },
    spec: { platform: 'linux', permanentIdentifier: `machine-id-${name}`, ...spec },
  };
}

/**
 * Headers that authenticate a raw `fetch` against a test server as its bootstrap admin (`call()`
 * adds them itself). Until identity lands this is empty.
 */
export function authHeaders(_server: StewardServer): Record<string, string> {
  return {};
}
