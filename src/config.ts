import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** Configuration from the environment; every variable is documented in the README. */
export interface StewardConfig {
  host: string;
  port: number;
  /** `sqlite:` path or `postgres://` URL. */
  databaseUrl: string;
  /** Unset: the in-process queue. */
  redisUrl?: string;
  /** Directory for the SQLite file and the generated master key. */
  dataDir: string;
  /** Base URL that relying parties reach (CRL distribution points). */
  publicUrl: string;
  /** Largest request body accepted, bytes. */
  bodyLimit: number;
  /** Most documents accepted in one apply or delete. */
  maxDocuments: number;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** `json` (one object a line, for collectors) or `pretty` (for people at a terminal). */
  logFormat: 'json' | 'pretty';
  /** Password of the bootstrap `admin` user on first start; generated and printed once when unset. */
  adminPassword?: string;
  /** Lifetime of a login session, seconds. */
  sessionTtlSeconds: number;
  /**
   * STEWARD_TRUST_PROXY: the proxies (addresses, CIDRs, or `loopback`/`linklocal`/`uniquelocal`)
   * whose X-Forwarded-For is believed; empty (the default): the peer's address is the client's.
   */
  trustProxy: string[];
  /**
   * PEM files of the HTTP listener's certificate and key (STEWARD_TLS_CERT_FILE and
   * STEWARD_TLS_KEY_FILE): serves HTTPS. kubectl and client-go send a bearer token only over TLS,
   * so the Kubernetes facade needs it (or a TLS-terminating proxy in front).
   */
  tls?: { certFile: string; keyFile: string };
  /** The HTTP server's limits on slow and idle clients (docs/operations.md). */
  http: HttpLimits;
  /** Concurrent journal follow streams one credential may hold, per process. */
  maxFollowsPerCredential: number;
  /** Refused requests (403) one credential may make a minute, per process, before 429 (docs/journal.md). */
  denialsPerMinute: number;
  /**
   * STEWARD_MASTER_KEY (secret: never log it): the key sealing CA private keys. Unset: the key file
   * `<dataDir>/master.key`, generated on first start.
   */
  masterKey?: string;
  /** The device API (docs/devices.md): its own mTLS listener. */
  device: DeviceApiConfig;
  /**
   * STEWARD_OIDC_HTTP_LOOPBACK=true: TrustPolicy issuers on loopback addresses may be plain http
   * (local issuers, tests). Off by default: a tenant could otherwise make Steward probe its own
   * host's ports.
   */
  oidcHttpLoopback?: boolean;
  /** Token exchanges and minted tokens (docs/federation.md). */
  federation: FederationConfig;
}

export interface FederationConfig {
  /**
   * STEWARD_PUBLIC_HOST: the host in every tenant's token audience `<tenant>.<host>`. Default: the
   * host of STEWARD_PUBLIC_URL.
   */
  publicHost: string;
  /** STEWARD_EXCHANGED_TOKEN_TTL_SECONDS: an exchanged token's lifetime when its policy says 0 (60–3600, default 3600). */
  exchangedTokenTtlSeconds: number;
}

export interface DeviceApiConfig {
  /** STEWARD_DEVICE_PORT (default 8443; 0: any free port; -1: no device API). */
  port: number;
  /** STEWARD_DEVICE_HOST (default: STEWARD_HOST). */
  host: string;
  /**
   * STEWARD_DEVICE_SERVER_CA: `<tenant>/<CertificateAuthority>` that issues the listener's server
   * certificate. Unset: a self-managed CA in `<dataDir>/device-api/`.
   */
  serverCa?: { tenant: string; name: string };
  /** STEWARD_DEVICE_HOSTNAMES: extra DNS names and addresses in the server certificate. */
  hostnames: string[];
  /** STEWARD_DEVICE_CHECKIN_SECONDS: the check-in interval devices are told (default 60). */
  checkInSeconds: number;
}

export interface HttpLimits {
  /** Until a request's headers have all arrived (slowloris). */
  headersTimeoutMs: number;
  /** Until the whole request, body included, has arrived; a response may then take its time. */
  requestTimeoutMs: number;
  /** A connection with nothing sent either way for this long is closed (streams send heartbeats). */
  idleTimeoutMs: number;
  /** How long a keep-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; the server closes more at once. */
  maxConnections: number;
}

type Env = Record<string, string | undefined>;

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** True for an IPv4/IPv6 address or CIDR, or one of proxy-addr's names. Pure. */
export function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

function trustProxy(env: Env): string[] {
  const raw = env.STEWARD_TRUST_PROXY?.trim();
  if (!raw) return [];
  const entries = raw.split(',').map((entry) => entry.trim());
  const wrong = entries.filter((entry) => !isProxyAddress(entry));
  if (wrong.length > 0)
    throw new ConfigError(
      `STEWARD_TRUST_PROXY must be a comma-separated list of addresses, CIDRs or ${PROXY_NAMES.join('/')}; not ${wrong.map((entry) => `"${entry}"`).join(', ')}`,
    );
  return entries;
}

function httpLimits(env: Env): HttpLimits {
  const limits = {
    headersTimeoutMs: integer(env, 'STEWARD_HEADERS_TIMEOUT_MS', 20_000, 100, 3_600_000),
    requestTimeoutMs: integer(env, 'STEWARD_REQUEST_TIMEOUT_MS', 120_000, 100, 3_600_000),
    idleTimeoutMs: integer(env, 'STEWARD_IDLE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    keepAliveTimeoutMs: integer(env, 'STEWARD_KEEPALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000),
    maxConnections: integer(env, 'STEWARD_MAX_CONNECTIONS', 1024, 1, 1_000_000),
  };
  // Node refuses a headers timeout longer than the request timeout that contains it.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new ConfigError(
      `STEWARD_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed STEWARD_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  return limits;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function adminPassword(env: Env): string | undefined {
  const raw = env.STEWARD_ADMIN_PASSWORD;
  if (raw === undefined || raw === '') return undefined;
  // The message names the rule, never the value: configuration errors are logged.
  if (raw.length < 12) throw new ConfigError('STEWARD_ADMIN_PASSWORD must be at least 12 characters long');
  return raw;
}

/**
 * Reads and checks the configuration; throws ConfigError naming the variable at fault.
 * `stdoutIsTTY` chooses the default log format: people read a terminal, collectors read a pipe.
 */
export function loadConfig(
  env: Env = process.env,
  stdoutIsTTY: boolean = process.stdout.isTTY === true,
): StewardConfig {
  const dataDir = resolve(env.STEWARD_DATA_DIR || './data');
  const host = env.STEWARD_HOST || '127.0.0.1';
  const port = integer(env, 'STEWARD_PORT', 8080, 0, 65535);
  const databaseUrl =
    url(env, 'STEWARD_DATABASE_URL', ['sqlite:', 'postgres:', 'postgresql:']) ??
    `sqlite:${resolve(dataDir, 'steward.db')}`;
  const logLevel = env.STEWARD_LOG_LEVEL || 'info';
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new ConfigError(
      `STEWARD_LOG_LEVEL must be one of silent, error, warn, info, debug; got "${logLevel}"`,
    );
  }
  const logFormat = env.STEWARD_LOG_FORMAT || (stdoutIsTTY ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`STEWARD_LOG_FORMAT must be json or pretty; got "${logFormat}"`);
  }
  const certFile = env.STEWARD_TLS_CERT_FILE || undefined;
  const keyFile = env.STEWARD_TLS_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError(
      'STEWARD_TLS_CERT_FILE and STEWARD_TLS_KEY_FILE go together: set both to serve HTTPS, or neither',
    );
  const tls = certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : undefined;
  const publicUrl = (
    url(env, 'STEWARD_PUBLIC_URL', ['http:', 'https:']) ?? `${tls ? 'https' : 'http'}://${host}:${port}`
  ).replace(/\/$/, '');
  return {
    host,
    port,
    databaseUrl,
    redisUrl: url(env, 'STEWARD_REDIS_URL', ['redis:', 'rediss:']),
    dataDir,
    publicUrl,
    bodyLimit: integer(env, 'STEWARD_BODY_LIMIT', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxDocuments: integer(env, 'STEWARD_MAX_DOCUMENTS', 20_000, 1, 1_000_000),
    logLevel: logLevel as StewardConfig['logLevel'],
    logFormat,
    adminPassword: adminPassword(env),
    sessionTtlSeconds: integer(env, 'STEWARD_SESSION_TTL_SECONDS', 12 * 3600, 60, 30 * 24 * 3600),
    trustProxy: trustProxy(env),
    ...(tls ? { tls } : {}),
    http: httpLimits(env),
    maxFollowsPerCredential: integer(env, 'STEWARD_MAX_FOLLOWS_PER_CREDENTIAL', 8, 1, 10_000),
    denialsPerMinute: integer(env, 'STEWARD_DENIALS_PER_MINUTE', 30, 1, 100_000),
    // Its format is checked when the PKI opens (src/pki/master-key.ts), with a message that never echoes it.
    masterKey: env.STEWARD_MASTER_KEY || undefined,
    device: deviceApi(env, host),
    oidcHttpLoopback: flag(env, 'STEWARD_OIDC_HTTP_LOOPBACK'),
    federation: {
      publicHost: publicHost(env, publicUrl),
      exchangedTokenTtlSeconds: integer(env, 'STEWARD_EXCHANGED_TOKEN_TTL_SECONDS', 3600, 60, 3600),
    },
  };
}

/** The audience's host: a DNS name or address, lower-case, without port. */
function publicHost(env: Env, publicUrl: string): string {
  const raw = env.STEWARD_PUBLIC_HOST?.trim().toLowerCase();
  if (!raw) return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(raw))
    throw new ConfigError(`STEWARD_PUBLIC_HOST must be a host name like steward.example.com, got "${raw}"`);
  return raw;
}

function flag(env: Env, name: string): boolean {
  const value = (env[name] ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function deviceApi(env: Env, host: string): DeviceApiConfig {
  const serverCa = env.STEWARD_DEVICE_SERVER_CA?.trim();
  const parts = serverCa ? serverCa.split('/') : [];
  if (
    serverCa &&
    (parts.length !== 2 || parts.some((part) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(part)))
  )
    throw new ConfigError(
      `STEWARD_DEVICE_SERVER_CA must be <tenant>/<CertificateAuthority name>, got "${serverCa}"`,
    );
  return {
    port: integer(env, 'STEWARD_DEVICE_PORT', 8443, -1, 65535),
    host: env.STEWARD_DEVICE_HOST || host,
    serverCa: serverCa ? { tenant: parts[0], name: parts[1] } : undefined,
    hostnames: (env.STEWARD_DEVICE_HOSTNAMES ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
    checkInSeconds: integer(env, 'STEWARD_DEVICE_CHECKIN_SECONDS', 60, 1, 86_400),
  };
}
