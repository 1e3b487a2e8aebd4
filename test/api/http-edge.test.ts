import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isProxyAddress, loadConfig } from '../../src/config.js';
import type { StewardServer } from '../../src/server.js';
import { authHeaders, call, device, useServer } from '../support/server.js';

/** A raw connection to the server, recording what it answers and when it is closed. */
async function rawConnection(server: StewardServer): Promise<{
  socket: Socket;
  received: () => string;
  closed: Promise<number>;
}> {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Date.now() - opened));
  });
  return { socket, received: () => text, closed };
}

/** Writes `parts` one every `everyMs` while the socket is open (a slowloris client). */
function trickle(socket: Socket, parts: string[], everyMs: number): NodeJS.Timeout {
  let next = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || next >= parts.length) return clearInterval(timer);
    socket.write(parts[next++]);
  }, everyMs);
  return timer;
}

describe('slow and idle clients are cut', () => {
  const suite = useServer({
    env: {
      STEWARD_HEADERS_TIMEOUT_MS: '600',
      STEWARD_REQUEST_TIMEOUT_MS: '1200',
      STEWARD_IDLE_TIMEOUT_MS: '800',
      STEWARD_KEEPALIVE_TIMEOUT_MS: '500',
    },
  });

  it('a client trickling its headers is cut after the headers timeout', async () => {
    const { socket, received, closed } = await rawConnection(suite.server);
    socket.write('GET /healthz HTTP/1.1\r\nHost: steward\r\n');
    const timer = trickle(
      socket,
      Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: x\r\n`),
      150,
    );
    const after = await closed;
    clearInterval(timer);
    // Within the headers timeout plus the server's check interval (1 s), well before the 15 s of trickle.
    expect(after).toBeLessThan(3_000);
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a client trickling its body is cut after the request timeout', async () => {
    const { socket, received, closed } = await rawConnection(suite.server);
    socket.write(
      'POST /api/v1/apply HTTP/1.1\r\nHost: steward\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[',
    );
    const timer = trickle(
      socket,
      Array.from({ length: 100 }, () => ' '),
      150,
    );
    const after = await closed;
    clearInterval(timer);
    expect(after).toBeLessThan(3_500);
    expect(received()).not.toMatch(/^HTTP\/1\.1 2/);
  });

  it('a connection that sends nothing is closed after the idle timeout', async () => {
    const { closed } = await rawConnection(suite.server);
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(500);
    expect(after).toBeLessThan(3_000);
  });

  it('a follow stream outlives the request and idle timeouts, and still delivers', async () => {
    const controller = new AbortController();
    const response = await fetch(`${suite.server.url}/api/v1/journal/follow`, {
      headers: { accept: 'text/event-stream', ...authHeaders(suite.server) },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // Longer than the idle (0.8 s) and request (1.2 s) timeouts, with nothing on the wire.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [device('late')] })).status).toBe(200);
    let text = '';
    while (!text.includes('"late"')) {
      const { value, done } = await reader.read();
      expect(done, `the stream ended early after: ${text}`).toBe(false);
      text += new TextDecoder().decode(value);
    }
    controller.abort();
  }, 15_000);
});

describe('the connection cap', () => {
  const suite = useServer({ env: { STEWARD_MAX_CONNECTIONS: '3' } });

  it('closes connections beyond STEWARD_MAX_CONNECTIONS at once, and serves again once they go', async () => {
    const held = await Promise.all([1, 2, 3].map(() => rawConnection(suite.server)));
    // The server counts a connection when it accepts it: give it a moment to have accepted all three.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = await rawConnection(suite.server);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: steward\r\n\r\n');
    expect(await extra.closed).toBeLessThan(1_000);
    expect(extra.received()).toBe('');
    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${suite.server.url}/healthz`)).status).toBe(200);
  });
});

describe('follow streams per credential', () => {
  const suite = useServer({ env: { STEWARD_MAX_FOLLOWS_PER_CREDENTIAL: '2' } });

  async function follow(token?: string): Promise<{ response: Response; controller: AbortController }> {
    const controller = new AbortController();
    const headers = token ? { authorization: `Bearer ${token}` } : authHeaders(suite.server);
    const response = await fetch(`${suite.server.url}/api/v1/journal/follow`, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return { response, controller };
  }

  it('refuses a credential its third concurrent stream with a 429 naming the limit, and not another credential', async () => {
    const first = await follow();
    const second = await follow();
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await follow();
    expect(third.response.status).toBe(429);
    const status = (await third.response.json()) as { message: string; details: { limit: number } };
    expect(status.message).toContain('STEWARD_MAX_FOLLOWS_PER_CREDENTIAL');
    expect(status.details.limit).toBe(2);

    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'primary' },
    });
    expect(key.status).toBe(201);
    const other = await follow(key.body.key);
    expect(other.response.status).toBe(200);

    // A stream that ends gives its place back.
    first.controller.abort();
    let again = await follow();
    for (let i = 0; again.response.status === 429 && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await follow();
    }
    expect(again.response.status).toBe(200);
    for (const stream of [second, other, again]) stream.controller.abort();
  });
});

describe('STEWARD_TRUST_PROXY', () => {
  async function failedLoginSources(server: StewardServer): Promise<Array<string | null>> {
    const entries = await call<{ items: Array<{ source: string | null }> }>(
      server,
      'GET',
      '/api/v1/journal?operation=auth.login&result=failure',
    );
    return entries.body.items.map((entry) => entry.source);
  }

  async function failLogin(server: StewardServer, forwardedFor: string, username = 'admin') {
    return call(server, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username, password: 'not the password' },
      headers: { 'x-forwarded-for': forwardedFor },
    });
  }

  describe('unset (the default)', () => {
    const suite = useServer();
    it('ignores X-Forwarded-For: the peer is the client', async () => {
      expect((await failLogin(suite.server, '203.0.113.7')).status).toBe(401);
      expect(await failedLoginSources(suite.server)).toEqual(['127.0.0.1']);
    });
  });

  describe('trusting the local proxy', () => {
    const suite = useServer({ env: { STEWARD_TRUST_PROXY: '127.0.0.1/32, ::1' } });

    it('journals the forwarded client, and believes no hop beyond the first untrusted one', async () => {
      expect((await failLogin(suite.server, '203.0.113.7')).status).toBe(401);
      // The client wrote the first address itself; 198.51.100.9 reached the trusted proxy.
      expect((await failLogin(suite.server, '203.0.113.66, 198.51.100.9')).status).toBe(401);
      expect((await failedLoginSources(suite.server)).sort()).toEqual(['198.51.100.9', '203.0.113.7']);
    });

    it('gives each forwarded client its own failure budget', async () => {
      // Different usernames: only the per-address limit (20 per 15 minutes) is reached.
      for (let i = 0; i < 20; i++) await failLogin(suite.server, '192.0.2.1', `nobody-${i}`);
      const refused = await failLogin(suite.server, '192.0.2.1', 'nobody-x');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect((await failLogin(suite.server, '192.0.2.2', 'nobody-y')).status).toBe(401);
    }, 60_000);
  });
});

describe('the edge settings', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/8', true],
    ['loopback', true],
    ['uniquelocal', true],
    ['10.0.0.0/33', false],
    ['fd00::/129', false],
    ['10.0.0.1/8/1', false],
    ['proxy.example', false],
    ['*', false],
    ['', false],
  ])('STEWARD_TRUST_PROXY entry %j valid: %s', (entry, valid) => {
    expect(isProxyAddress(entry)).toBe(valid);
  });

  it('are refused with the variable and the fault named', () => {
    expect(() => loadConfig({ STEWARD_TRUST_PROXY: '10.0.0.1, proxy.example' })).toThrow(
      'STEWARD_TRUST_PROXY must be a comma-separated list of addresses, CIDRs or loopback/linklocal/uniquelocal; not "proxy.example"',
    );
    expect(() =>
      loadConfig({ STEWARD_HEADERS_TIMEOUT_MS: '90000', STEWARD_REQUEST_TIMEOUT_MS: '60000' }),
    ).toThrow('STEWARD_HEADERS_TIMEOUT_MS (90000) must not exceed STEWARD_REQUEST_TIMEOUT_MS (60000)');
    expect(() => loadConfig({ STEWARD_MAX_CONNECTIONS: '0' })).toThrow(
      'STEWARD_MAX_CONNECTIONS must be an integer',
    );
  });

  it('default to limits on, proxies off', () => {
    const config = loadConfig({});
    expect(config.trustProxy).toEqual([]);
    expect(config.http).toEqual({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 120_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1024,
    });
    expect(config.maxFollowsPerCredential).toBe(8);
  });
});
