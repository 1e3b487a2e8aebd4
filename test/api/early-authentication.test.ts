import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PUBLIC_BODY_LIMIT } from '../../src/api/authenticate-early.js';
import type { StewardServer } from '../../src/server.js';
import { adminToken, authHeaders, call, device, useServer } from '../support/server.js';

interface RawAnswer {
  /** The status line and headers, and the body, as received. */
  head: string;
  body: string;
  /** Body bytes written before the server answered. */
  sentBeforeAnswer: number;
  /** True when the server closed the connection. */
  closed: boolean;
}

const CHUNK = Buffer.alloc(1024 * 1024, 0x20);

/**
 * Announces a body of `announced` bytes and writes it 1 MiB at a time (waiting for each to drain),
 * stopping as soon as an answer arrives: how much had been sent tells whether the server waited
 * for the body before answering.
 */
function upload(
  server: StewardServer,
  path: string,
  announced: number,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    let sentBeforeAnswer = -1;
    let closed = false;
    const finish = () => {
      const [head, body = ''] = received.split('\r\n\r\n');
      resolve({ head, body, sentBeforeAnswer, closed });
    };
    socket.on('data', (data) => {
      if (sentBeforeAnswer < 0) sentBeforeAnswer = sent;
      received += data.toString('latin1');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      const [, body] = received.split('\r\n\r\n');
      if (length !== undefined && body !== undefined && Buffer.byteLength(body) >= Number(length))
        setTimeout(() => {
          socket.destroy();
          finish();
        }, 50);
    });
    socket.on('error', () => undefined);
    socket.on('end', () => {
      closed = true;
    });
    socket.on('close', () => {
      closed = true;
      if (sentBeforeAnswer >= 0) finish();
      else reject(new Error(`no answer (${sent} bytes sent)`));
    });
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: steward\r\nContent-Type: application/json\r\nContent-Length: ${announced}\r\n${extra}\r\n`,
    );
    const writeMore = () => {
      while (sentBeforeAnswer < 0 && !socket.destroyed && sent < announced) {
        const part = CHUNK.subarray(0, Math.min(CHUNK.length, announced - sent));
        sent += part.length;
        if (!socket.write(part)) return void socket.once('drain', writeMore);
      }
    };
    writeMore();
  });
}

function statusOf(answer: RawAnswer): number {
  return Number(answer.head.split(' ')[1]);
}

describe('requests are authenticated before their body is read (#12 item 4)', () => {
  const suite = useServer();
  const MB30 = 30 * 1024 * 1024;

  it('a 30 MB upload without a credential is answered 401 before the body is sent, and the connection closed', async () => {
    const answer = await upload(suite.server, '/api/v1/apply', MB30);
    expect(statusOf(answer)).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    expect(answer.head.toLowerCase()).toContain('www-authenticate: bearer realm="steward"');
    expect(answer.head.toLowerCase()).toContain('connection: close');
    // Answered with the first MiBs in flight at most (socket buffers), not after 30.
    expect(answer.sentBeforeAnswer).toBeLessThan(8 * 1024 * 1024);
    expect(answer.closed).toBe(true);
  });

  it('an unknown or malformed token is refused before the body too', async () => {
    for (const authorization of [
      'Bearer stw_nothere_0000000000000000000000',
      'Bearer not-a-token',
      'Basic abc',
    ]) {
      const answer = await upload(suite.server, '/api/v1/apply', MB30, { Authorization: authorization });
      expect(statusOf(answer), authorization).toBe(401);
      expect(answer.sentBeforeAnswer, authorization).toBeLessThan(8 * 1024 * 1024);
    }
  });

  it('malformed and oversized bodies without a credential are 401, not parsed into a 400 or a 413', async () => {
    const raw = await suite.server.app.inject({
      method: 'POST',
      url: '/api/v1/apply',
      headers: { 'content-type': 'application/json' },
      payload: '{"kind": ',
    });
    expect(raw.statusCode).toBe(401);
    const yaml = await call(suite.server, 'POST', '/api/v1/apply', { token: null, yaml: 'a: [' });
    expect(yaml.status).toBe(401);
    const oversized = await upload(suite.server, '/api/v1/apply', 64 * 1024 * 1024);
    expect(statusOf(oversized)).toBe(401);
  });

  it('a body sent to a path no route serves is answered 404 without being read', async () => {
    for (const path of ['/nope', '/api/v1/a/b/c/d/e']) {
      const answer = await upload(suite.server, path, MB30);
      expect(statusOf(answer), path).toBe(404);
      expect(JSON.parse(answer.body), path).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
      expect(answer.sentBeforeAnswer, path).toBeLessThan(8 * 1024 * 1024);
    }
    const get = await call(suite.server, 'GET', '/nope', { token: null });
    expect(get.status).toBe(404);
  });

  it('authenticated requests keep the body checks they had: a malformed body is 400, a good one applies', async () => {
    const malformed = await suite.server.app.inject({
      method: 'POST',
      url: '/api/v1/apply',
      headers: { ...authHeaders(suite.server), 'content-type': 'application/json' },
      payload: '{"kind": ',
    });
    expect(malformed.statusCode).toBe(400);
    const applied = await call(suite.server, 'POST', '/api/v1/apply', { body: device('early-1') });
    expect(applied.status).toBe(200);
    const read = await call(suite.server, 'GET', '/api/v1/devices/early-1');
    expect(read.status).toBe(200);
  });

  it('eight parallel 30 MB anonymous uploads neither slow /healthz nor grow the heap', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const uploads = Array.from({ length: 8 }, () => upload(suite.server, '/api/v1/apply', MB30));
    const started = performance.now();
    const health = await fetch(`${suite.server.url}/healthz`);
    const healthMs = performance.now() - started;
    const answers = await Promise.all(uploads);
    expect(answers.map(statusOf)).toEqual(Array(8).fill(401));
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1_000);
    // Parsing them took ~850 MB before; unread, they cost nothing that stays.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it(`public routes read at most ${PUBLIC_BODY_LIMIT} bytes: a bigger login body is a 413 naming that limit`, async () => {
    const big = { username: 'admin', password: 'x'.repeat(PUBLIC_BODY_LIMIT) };
    const refused = await call(suite.server, 'POST', '/api/v1/auth/login', { token: null, body: big });
    expect(refused.status).toBe(413);
    expect(refused.body.message).toContain(`${PUBLIC_BODY_LIMIT} bytes`);
    const login = await call(suite.server, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'admin', password: 'wrong-password' },
    });
    expect(login.status).toBe(401);
  });

  it('a session cookie without the CSRF header is refused 403 before the body is read', async () => {
    const token = adminToken(suite.server);
    const answer = await upload(suite.server, '/api/v1/apply', MB30, { Cookie: `steward_session=${token}` });
    expect(statusOf(answer)).toBe(403);
    expect(answer.body).toContain('X-CSRF-Token');
    expect(answer.sentBeforeAnswer).toBeLessThan(8 * 1024 * 1024);
  });
});
