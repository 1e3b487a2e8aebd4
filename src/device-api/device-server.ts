/**
 * The device API's listener: HTTP/2 over TLS (gRPC), HTTP/1.1 allowed on the same port (Connect's
 * JSON form for curl), both served by one ConnectRPC handler set. TLS asks every client for a
 * certificate but lets the handshake finish without one, because Enroll is called before the
 * device has one; each other method then proves the caller from the certificate (peer-identity.ts).
 * TLS itself has verified that the client holds the certificate's key.
 */
import { X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { ConnectionFacts, DeviceHandlerDeps } from './device-handlers.js';
import { CONNECTION, deviceHandlers } from './device-handlers.js';
import { DeviceService } from './gen/steward/device/v1/device_pb.js';
import { PeerIdentities } from './peer-identity.js';
import type { ServerTls } from './server-tls.js';

/** A log bundle is at most 10 MiB; the message around it a little more. */
const READ_MAX_BYTES = 10 * 1024 * 1024 + 64 * 1024;

export interface DeviceServer {
  port: number;
  /** https://host:port */
  url: string;
  /** What agents trust to reach it. */
  trustPem: string;
  /** Replaces the server certificate for new connections (renewal). */
  useTls(tls: ServerTls): void;
  close(): Promise<void>;
}

/** Facts of one TLS connection, computed once however many calls it carries. */
const factsOfSocket = new WeakMap<TLSSocket, ConnectionFacts>();

function connectionFacts(socket: TLSSocket): ConnectionFacts {
  const known = factsOfSocket.get(socket);
  if (known) return known;
  const raw = socket.getPeerCertificate?.(false)?.raw;
  const facts: ConnectionFacts & { spki?: Uint8Array } = { source: socket.remoteAddress };
  if (raw && raw.length > 0) {
    facts.fingerprint = PeerIdentities.fingerprintOf(raw);
    try {
      facts.spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
    } catch {
      // A certificate Node cannot read is refused by the fingerprint lookup anyway.
    }
  }
  factsOfSocket.set(socket, facts);
  return facts;
}

export async function startDeviceServer(options: {
  host: string;
  port: number;
  tls: ServerTls;
  handlers: DeviceHandlerDeps;
}): Promise<DeviceServer> {
  const handler = connectNodeAdapter({
    routes: (router) => router.service(DeviceService, deviceHandlers(options.handlers)),
    readMaxBytes: READ_MAX_BYTES,
    contextValues: (request) => {
      // HTTP/2 requests expose the session's socket through a proxy; HTTP/1.1 the socket itself.
      const socket = (
        'stream' in request ? (request.stream.session?.socket ?? request.socket) : request.socket
      ) as TLSSocket;
      return createContextValues().set(CONNECTION, connectionFacts(socket));
    },
  });
  const server = http2.createSecureServer(
    {
      key: options.tls.keyPem,
      cert: options.tls.certificatePem,
      allowHTTP1: true,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      // Node's default (10 MB per session) resets a stream carrying a full log bundle before
      // Connect can answer its own, clearer limit (readMaxBytes: resource_exhausted).
      maxSessionMemory: 32,
    },
    handler,
  );
  // A device keeps its connection open between check-ins; a silent one is closed after 5 minutes.
  server.setTimeout(300_000);
  // Kept-alive device connections would hold close() open until they time out: it ends them.
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let trustPem = options.tls.trustPem;
  return {
    port,
    url: `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    get trustPem() {
      return trustPem;
    },
    useTls(tls) {
      server.setSecureContext({ key: tls.keyPem, cert: tls.certificatePem });
      trustPem = tls.trustPem;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
