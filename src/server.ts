import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { chainWorker } from './journal/chain-worker.js';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { registerApiReference } from './api/api-reference.js';
import { registerEarlyAuthentication } from './api/authenticate-early.js';
import { answerClientError } from './api/client-errors.js';
import { registerConsole } from './api/console.js';
import { HttpModule, ROUTES } from './api/http.module.js';
import { registerJsonBodyParser } from './api/json-body.js';
import { statusFor } from './api/kube/kube-status.js';
import { OPENAPI_DOCUMENT, type PublishedDocument } from './api/openapi/openapi-document.js';
import { registerQueryGuard } from './api/query-guard.js';
import { toStatus } from './api/status.js';
import { type ComposeOptions, composeServices, type Services } from './app/compose.js';
import { SBOM_CONTENT_TYPES } from './artifacts/sbom.js';
import type { StewardConfig } from './config.js';
import { type DeviceApi, startDeviceApi } from './device-api/device-api.js';
import { AccessLog } from './observability/access-log.js';
import { createLogger, type DestinationStream, setProcessLogger } from './observability/log.js';
import { PinoNestLogger } from './observability/nest-logger.js';
import { looseDataFiles } from './store/file-modes.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface StewardServer {
  app: NestFastifyApplication;
  services: Services;
  /** Base URL once listening, e.g. http://127.0.0.1:8080 */
  url: string;
  /** The device API's mTLS listener (unless STEWARD_DEVICE_PORT is -1). */
  deviceApi?: DeviceApi;
  close(): Promise<void>;
}

export interface ServerOptions extends ComposeOptions {
  /** Where log lines go instead of stdout (tests read them; benchmarks write a file). */
  logDestination?: DestinationStream;
}

/**
 * Warns of data files or directories that group or others may read: new ones are made private
 * (src/store/file-modes.ts), but files from an earlier release or a copy keep their modes, and
 * changing an operator's modes behind their back would be a surprise of its own.
 */
function warnOfLooseFiles(config: StewardConfig, logger: ReturnType<typeof createLogger>): void {
  const sqliteFile = config.databaseUrl.startsWith('sqlite:')
    ? config.databaseUrl.slice('sqlite:'.length)
    : undefined;
  for (const { path, mode, wanted } of looseDataFiles(
    config.dataDir,
    sqliteFile === ':memory:' ? undefined : sqliteFile,
  ))
    logger.warn(
      { path, mode: mode.toString(8), wanted: wanted.toString(8) },
      `${path} has mode ${mode.toString(8)}: others than its owner may read Steward's data; chmod ${wanted.toString(8)} ${path}`,
    );
}

/**
 * Node's server options: the timeouts, and with STEWARD_TLS_* the certificate (HTTPS). The files
 * are read once at start; a missing one fails the start naming it.
 */
function serverOptions(config: StewardConfig) {
  const timeouts = {
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
  };
  if (!config.tls) return { http: timeouts };
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(
        `${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  };
  return {
    https: {
      ...timeouts,
      cert: read(config.tls.certFile, 'STEWARD_TLS_CERT_FILE'),
      key: read(config.tls.keyFile, 'STEWARD_TLS_KEY_FILE'),
    },
  };
}

/** Builds and starts Steward: services, HTTP surface, and the reconcile engine. */
export async function startServer(
  config: StewardConfig,
  options: ServerOptions = {},
): Promise<StewardServer> {
  // First: a certificate that cannot be read fails the start before anything is opened.
  const listener = serverOptions(config);
  const logger = createLogger(config, options.logDestination);
  // Before anything logs: Nest's `Logger`, used across Steward, writes through pino from here on.
  setProcessLogger(logger);
  const nestLogger = new PinoNestLogger();
  NestLogger.overrideLogger(nestLogger);
  const services = await composeServices(config, options);
  warnOfLooseFiles(config, logger);
  const boot = await services.identity.tenants.bootstrap(config.adminPassword);
  if (boot.generatedPassword)
    // Printed whatever the log level: it is shown this once and stored only as a scrypt hash.
    process.stderr.write(
      `\nSteward created tenant "default" and user "admin" with the generated password:\n\n    ${boot.generatedPassword}\n\nLog in with: steward login -u admin   (then change it: steward passwd). It is not shown again.\n\n`,
    );
  services.authenticator.start();
  services.denials.start();
  // Loads in the background, so that the first big apply finds it ready (see chain-worker.ts).
  chainWorker.start();
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new AccessLog(logger, services.metrics),
    bodyLimit: config.bodyLimit,
    clientErrorHandler: answerClientError,
    // Slow and idle clients are cut (docs/operations.md): the headers, the whole request, silence
    // on the connection, and the wait between keep-alive requests each have a limit. The check
    // interval bounds how late a headers/request timeout is noticed (Node's default is 30 s).
    ...listener,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // The client's address is X-Forwarded-For's only through the listed proxies (proxy-addr).
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // A client's X-Request-Id is kept when it is safe to log; otherwise one is made.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Fastify's JSON parser refuses __proto__ and constructor.prototype keys.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The router refuses a malformed percent-encoding or an over-long parameter before any route
    // or filter runs: answered in the one Status shape too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const body = toStatus(error, config.bodyLimit, String(request.id), request.log);
      void reply
        .code(body.code)
        .header('content-type', 'application/json; charset=utf-8')
        .send(statusFor(request.url, body));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(HttpModule.register(services), adapter, {
    logger: nestLogger,
  });
  // Before Nest registers its routes (at listen): each route that needs a credential authenticates
  // before its body is read; public ones get a small body limit.
  const assertEarlyAuthentication = registerEarlyAuthentication(
    app.getHttpAdapter().getInstance(),
    services.authenticator,
    ROUTES,
    config.bodyLimit,
  );
  // Cookies are parsed on demand (the session cookie, by the guard, when there is no Authorization
  // header), so bearer-authenticated requests (the hot path) never pay for parsing them.
  await app.register(fastifyCookie, { hook: false });
  await registerApiReference(app, app.get<symbol, PublishedDocument>(OPENAPI_DOCUMENT).document);
  await registerConsole(app);
  const fastify = app.getHttpAdapter().getInstance();
  // Beyond the cap Node closes a new connection at once: a flood of idle sockets cannot take
  // every file descriptor (the timeouts above then free the ones it holds).
  fastify.server.maxConnections = config.http.maxConnections;
  registerJsonBodyParser(app, config.bodyLimit);
  fastify.addContentTypeParser(
    YAML_TYPES,
    { parseAs: 'string', bodyLimit: config.bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) =>
      done(null, String(body)),
  );
  // The Kubernetes facade's patches (src/api/kube/): JSON ones parsed as JSON; a server-side apply
  // is YAML (or JSON, a subset), read by the facade.
  fastify.addContentTypeParser(
    ['application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json'],
    { parseAs: 'string', bodyLimit: config.bodyLimit },
    fastify.getDefaultJsonParser('error', 'error'),
  );
  fastify.addContentTypeParser(
    ['application/apply-patch+yaml', 'application/apply-patch+json'],
    { parseAs: 'string', bodyLimit: config.bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) =>
      done(null, String(body)),
  );
  // SBOMs (PUT /artifacts/{name}/sbom) arrive as text in their own media types; the route checks them.
  fastify.addContentTypeParser(
    Object.values(SBOM_CONTENT_TYPES),
    { parseAs: 'string', bodyLimit: config.bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) =>
      done(null, String(body)),
  );
  // A synchronous hook: an async one costs a promise per request on the hottest path.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  registerQueryGuard(fastify);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  assertEarlyAuthentication();
  const deviceApi = config.device.port >= 0 ? await startDeviceApi(services, config) : undefined;
  if (deviceApi) logger.info(`device API (gRPC and Connect JSON, mTLS) listening on ${deviceApi.server.url}`);
  await services.engine.start();
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    services,
    url: `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    deviceApi,
    async close() {
      await deviceApi?.close();
      await services.engine.stop();
      await app.close();
      await services.close();
    },
  };
}
