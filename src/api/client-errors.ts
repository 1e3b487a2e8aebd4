import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Status } from './status.js';

/** The Status Node's HTTP parser errors are answered with. Pure. */
export function clientErrorStatus(code: string | undefined): Status {
  const [status, reason, message]: [number, string, string] =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Timeout', 'the request was not received in time']
      : code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'RequestHeaderFieldsTooLarge', 'the request line and headers exceed the limit of the server']
        : [400, 'BadRequest', 'the request is not valid HTTP'];
  return { apiVersion: 'steward.dev/v1', kind: 'Status', code: status, reason, message };
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refuses before any route (a URL or
 * headers past the header size limit, a timeout, malformed HTTP) is answered in the one Status
 * shape too, where Fastify's default answers `{error, message, statusCode}`. As the default does,
 * nothing is written to a reset or destroyed socket, and the connection is closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = clientErrorStatus(error.code);
  const body = JSON.stringify(status);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
