import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type ServerOptions, type StewardServer, startServer } from '../../src/server.js';
import { freshSqlite, type TestDatabase } from './databases.js';

/**
 * Starts Steward on a test database and an ephemeral port, quietly. The engine is off unless
 * `STEWARD_ENGINE: 'on'` is passed: suites that assert exact resourceVersions and journal
 * contents must not race controllers' status writes (the engine suites start it themselves).
 */
export async function startTestServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<StewardServer> {
  const config = loadConfig({
    STEWARD_DATABASE_URL: database.url,
    STEWARD_DATA_DIR: database.dataDir,
    STEWARD_PORT: '0',
    STEWARD_DEVICE_PORT: '0',
    STEWARD_LOG_LEVEL: 'silent',
    STEWARD_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ...env,
  });
  const server = await startServer(config, {
    ...options,
    engine: { enabled: env.STEWARD_ENGINE === 'on', ...options.engine },
  });
  tokens.set(server, await loginToken(server, 'admin', config.adminPassword ?? TEST_ADMIN_PASSWORD));
  return server;
}

/** What useServer starts: the database to create, and startTestServer's env and options. */
export interface ServerSetup {
  /** Creates the suite's database; default a fresh SQLite file. */
  database?: () => TestDatabase | Promise<TestDatabase>;
  env?: Record<string, string>;
  /** Or a function answering them, called at the start: for values the suite's earlier beforeAll hooks make. */
  options?: ServerOptions | (() => ServerOptions);
}

/** A suite's running server and its database, readable once the suite's first hook has run. */
export interface RunningServer {
  readonly server: StewardServer;
  readonly database: TestDatabase;
}

/**
 * A server for the tests of the enclosing `describe`: a fresh database and startTestServer before
 * them, and after them the server closed (which ends open streams) and the database dropped, even
 * when the start failed half-way. Hooks the suite registers after this call run after the start
 * and before the close, so they can prepare data and clean up with the server up.
 */
export function useServer(setup: ServerSetup = {}): RunningServer {
  let database: TestDatabase | undefined;
  let server: StewardServer | undefined;
  beforeAll(async () => {
    database = await (setup.database ?? freshSqlite)();
    const options = typeof setup.options === 'function' ? setup.options() : setup.options;
    server = await startTestServer(database, setup.env, options);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useServer: the server is read before its beforeAll has run');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get database() {
      return started(database);
    },
  };
}

/** The bootstrap admin's password on test servers (unless a test sets STEWARD_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';
const tokens = new WeakMap<StewardServer, string>();

/** Logs in through the API and answers the session token (for `Authorization: Bearer`). */
export async function loginToken(
  server: StewardServer,
  username: string,
  password: string,
  tenant?: string,
): Promise<string> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password, tenant },
  });
  if (response.statusCode !== 200) throw new Error(`login of ${username} failed: ${response.body}`);
  return (JSON.parse(response.body) as { sessionToken: string }).sessionToken;
}

/** The bootstrap admin's session token of a test server. */
export function adminToken(server: StewardServer): string {
  const token = tokens.get(server);
  if (!token) throw new Error('not a server started by startTestServer');
  return token;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * An HTTP call through Fastify's injector (no socket), answering parsed JSON. It authenticates as
 * the bootstrap admin unless `token` names another credential, or is null for none.
 */
export async function call<T = Record<string, unknown>>(
  server: StewardServer,
  method: string,
  url: string,
  options: { body?: unknown; yaml?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<Reply<T>> {
  const token = options.token === undefined ? tokens.get(server) : options.token;
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...options.headers,
  };
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

/** Headers that authenticate a raw `fetch` against a test server as its bootstrap admin (`call()` adds them itself). */
export function authHeaders(server: StewardServer): Record<string, string> {
  return { authorization: `Bearer ${adminToken(server)}` };
}
