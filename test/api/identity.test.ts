import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/engine/queue/work-queue.js';
import { type StewardServer, startServer } from '../../src/server.js';
import { DIALECTS, freshSqlite } from '../support/databases.js';
import {
  call,
  device,
  loginToken,
  startTestServer,
  TEST_ADMIN_PASSWORD,
  useServer,
} from '../support/server.js';

const PASSWORD = 'identity-password-1';
const DAY_MS = 86_400_000;

interface KeyBody {
  id: string;
  key: string;
  name: string;
  type: string;
  slot: string | null;
  permissions: string[];
  expiresAt: string | null;
  lastRotatedAt: string;
  lastUsedAt: string | null;
  message: string;
  details?: unknown;
}

/** A clock the test moves by hand (the engine is off, so its timers are plain ones). */
function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Captures everything written to stdout and stderr while it is installed. */
function captureOutput() {
  let text = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return {
    text: () => text,
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

describe('bootstrap', () => {
  afterEach(() => vi.restoreAllMocks());

  it('creates tenant default and user admin once, printing a generated password once', async () => {
    const database = freshSqlite();
    const env = {
      STEWARD_DATABASE_URL: database.url,
      STEWARD_DATA_DIR: database.dataDir,
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_LOG_LEVEL: 'silent',
    };
    const output = captureOutput();
    let server: StewardServer | undefined;
    try {
      server = await startServer(loadConfig(env), { engine: { enabled: false } });
    } finally {
      output.restore();
    }
    const printed = /user "admin" with the generated password:\n\n {4}(\S+)\n/.exec(output.text());
    expect(printed).not.toBeNull();
    const password = printed?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await loginToken(server, 'admin', password)).startsWith('sts_')).toBe(true);
    const stored = await server.services.db.knex('users').select('*');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(password);
    expect(stored[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    await server.close();

    // A second start finds the tenant: nothing printed, the same password still works.
    const again = captureOutput();
    try {
      server = await startServer(loadConfig(env), { engine: { enabled: false } });
    } finally {
      again.restore();
    }
    expect(again.text()).not.toContain('generated password');
    expect((await loginToken(server, 'admin', password)).startsWith('sts_')).toBe(true);
    await server.close();
    await database.drop();
  });

  it('refuses a configured admin password that is too short, naming the variable', () => {
    expect(() => loadConfig({ STEWARD_ADMIN_PASSWORD: 'short' })).toThrow(
      'STEWARD_ADMIN_PASSWORD must be at least 12 characters long',
    );
  });
});

describe.each(DIALECTS)('identity on $dialect', ({ create }) => {
  const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
  const suite = useServer({ database: create, options: { clock } });
  let operator: string;

  beforeAll(async () => {
    const admin = await loginToken(suite.server, 'admin', TEST_ADMIN_PASSWORD);
    for (const [username, role] of [
      ['olivia', 'operator'],
      ['victor', 'viewer'],
    ])
      expect(
        (
          await call(suite.server, 'POST', '/api/v1/users', {
            token: admin,
            body: { username, password: PASSWORD, role },
          })
        ).status,
      ).toBe(201);
    operator = await loginToken(suite.server, 'olivia', PASSWORD);
  });

  const admin = () => loginToken(suite.server, 'admin', TEST_ADMIN_PASSWORD);

  it('opens a session with an httpOnly SameSite=Strict cookie and guards cookie writes against CSRF', async () => {
    const login = await call<{
      sessionToken: string;
      csrfToken: string;
      user: string;
      role: string;
      expiresAt: string;
    }>(suite.server, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'olivia', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: 'olivia', role: 'operator', tenant: 'default' });
    expect(Date.parse(login.body.expiresAt) - clock.now()).toBe(12 * 3600 * 1000);
    const cookies = login.headers['set-cookie'] as string[];
    const session = cookies.find((cookie) => cookie.startsWith('steward_session='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).not.toMatch(/Secure/);
    expect(session).toMatch(/; Path=\/(;|$)/);
    expect(session).toMatch(/; Max-Age=43200(;|$)/);
    const csrfCookie = cookies.find((cookie) => cookie.startsWith('steward_csrf='));
    expect(csrfCookie).toBe(`steward_csrf=${login.body.csrfToken}; Max-Age=43200; Path=/; SameSite=Strict`);
    // Found among other cookies of the site, however the browser spaces them.
    const me0 = await call(suite.server, 'GET', '/api/v1/auth/me', {
      token: null,
      headers: { cookie: `theme=dark;steward_session=${login.body.sessionToken} ; lang=en` },
    });
    expect(me0.status).toBe(200);
    const cookie = `steward_session=${login.body.sessionToken}`;

    const me = await call(suite.server, 'GET', '/api/v1/auth/me', { token: null, headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: 'olivia',
      tenant: 'default',
      role: 'operator',
      credential: { type: 'session', expiresAt: login.body.expiresAt },
    });
    expect(me.body.permissions).toContain('devices:write');
    expect(me.body.permissions).not.toContain('users:admin');

    const write = (headers: Record<string, string>) =>
      call(suite.server, 'POST', '/api/v1/apply', {
        token: null,
        headers: { cookie, ...headers },
        body: [device('csrf-dev')],
      });
    const refused = await write({});
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/cross-site request refused.*X-CSRF-Token/);
    expect((await write({ 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    expect(
      (await call(suite.server, 'GET', '/api/v1/devices/csrf-dev', { token: null, headers: { cookie } }))
        .status,
    ).toBe(404);
    expect((await write({ 'x-csrf-token': login.body.csrfToken })).status).toBe(200);

    const logout = await call(suite.server, 'POST', '/api/v1/auth/logout', {
      token: null,
      headers: { cookie, 'x-csrf-token': login.body.csrfToken },
      body: {},
    });
    expect(logout.status).toBe(204);
    expect(logout.headers['set-cookie']).toEqual([
      'steward_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
      'steward_csrf=; Max-Age=0; Path=/; SameSite=Strict',
    ]);
    const after = await call(suite.server, 'GET', '/api/v1/auth/me', { token: login.body.sessionToken });
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('the session has ended');
    expect(after.headers['www-authenticate']).toBe('Bearer realm="steward"');
  });

  it('marks cookies Secure when served over TLS (STEWARD_PUBLIC_URL https)', async () => {
    const db = freshSqlite();
    const secure = await startTestServer(db, { STEWARD_PUBLIC_URL: 'https://steward.example.com' });
    const login = await call(secure, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    });
    const body = login.body as { sessionToken: string };
    expect(login.headers['set-cookie']).toHaveLength(2);
    for (const cookie of login.headers['set-cookie'] as string[]) expect(cookie).toMatch(/; Secure/);
    const logout = await call(secure, 'POST', '/api/v1/auth/logout', { token: body.sessionToken });
    expect(logout.headers['set-cookie']).toEqual([
      'steward_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict',
      'steward_csrf=; Max-Age=0; Path=/; Secure; SameSite=Strict',
    ]);
    await secure.close();
    await db.drop();
  });

  it('answers unknown tenants, unknown users and wrong passwords alike, and journals failures', async () => {
    for (const body of [
      { username: 'olivia', password: 'wrong-password-x' },
      { username: 'nobody', password: PASSWORD },
      { username: 'olivia', password: PASSWORD, tenant: 'no-such-tenant' },
    ]) {
      const reply = await call(suite.server, 'POST', '/api/v1/auth/login', { token: null, body });
      expect(reply.status).toBe(401);
      expect(reply.body.message).toBe('invalid username or password');
    }
    const failures = await call<{ items: Array<{ actor: { name: string }; reason: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?operation=auth.login&result=failure',
      { token: await admin() },
    );
    expect(failures.body.items.map((entry) => [entry.actor.name, entry.reason])).toEqual(
      expect.arrayContaining([
        ['olivia', 'wrong password'],
        [suite.server.services.identity.sessions.unknownUser('nobody'), 'no such user'],
      ]),
    );
    // An unknown username is journaled as a pseudonym, never as the text that was typed.
    expect(suite.server.services.identity.sessions.unknownUser('nobody')).toMatch(
      /^unknown-user:[0-9a-f]{12}$/,
    );
    expect(JSON.stringify(failures.body)).not.toContain('nobody');
    expect(JSON.stringify(failures.body)).not.toContain('wrong-password-x');
  });

  it('limits failed logins per user, with the limit and the wait in the answer', async () => {
    const body = { username: 'victor', password: 'not-his-password' };
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await call(suite.server, 'POST', '/api/v1/auth/login', { token: null, body })).status).toBe(
        401,
      );
    const limited = await call(suite.server, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'victor', password: PASSWORD },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(
      /^too many failed attempts for user "victor": try again in \d+ s \(at most 5 failures in 15 min\)$/,
    );
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Other users are not locked out by victor's attacker.
    expect((await loginToken(suite.server, 'olivia', PASSWORD)).startsWith('sts_')).toBe(true);
    const { limits } = suite.server.services.identity.sessions;
    await limits.forget(limits.userKey('default', 'victor'));
    expect((await loginToken(suite.server, 'victor', PASSWORD)).startsWith('sts_')).toBe(true);
  });

  it('limits failed logins per address across usernames', async () => {
    const { limits } = suite.server.services.identity.sessions;
    let status = 0;
    for (let attempt = 0; attempt <= limits.address.limit && status !== 429; attempt++)
      status = (
        await call(suite.server, 'POST', '/api/v1/auth/login', {
          token: null,
          body: { username: `spray-${attempt}`, password: 'guess-guess-guess' },
        })
      ).status;
    expect(status).toBe(429);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      await limits.forget(limits.addressKey(address));
  });

  it('creates admin and read-only keys in slots, shows the plaintext once, rotates and revokes them', async () => {
    const token = await admin();
    const created = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token,
      body: { type: 'readonly' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'readonly',
      slot: 'primary',
      name: 'readonly-primary',
      expiresAt: null,
    });
    const plaintext = created.body.key;
    expect(plaintext).toMatch(/^stw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const secret = plaintext.split('_').slice(2).join('_');

    // Only the SHA-256 of the secret is stored; lists and the journal never carry it.
    const row = await suite.server.services.db.knex('credentials').where({ id: created.body.id }).first();
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(await suite.server.services.db.knex('credentials').select('*'))).not.toContain(
      secret,
    );
    const listed = await call<{ items: KeyBody[] }>(suite.server, 'GET', '/api/v1/keys', { token });
    expect(listed.body.items.find((key) => key.id === created.body.id)).not.toHaveProperty('key');
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: plaintext })).status).toBe(200);
    const write = await call(suite.server, 'POST', '/api/v1/apply', {
      token: plaintext,
      body: [device('ro-dev')],
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toBe(
      `API key readonly-primary (${created.body.id}) lacks the permission "devices:write"`,
    );
    await suite.server.services.authenticator.flushLastUsed();
    const used = await call<{ items: KeyBody[] }>(suite.server, 'GET', '/api/v1/keys', { token });
    expect(used.body.items.find((key) => key.id === created.body.id)?.lastUsedAt).toBeTruthy();

    const again = await call(suite.server, 'POST', '/api/v1/keys', {
      token,
      body: { type: 'readonly', slot: 'primary' },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(`rotate it with POST /api/v1/keys/${created.body.id}/rotate`);
    const secondary = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token,
      body: { type: 'readonly', slot: 'secondary' },
    });
    expect(secondary.status).toBe(201);

    clock.advance(60_000);
    const rotated = await call<KeyBody>(suite.server, 'POST', `/api/v1/keys/${created.body.id}/rotate`, {
      token,
      body: {},
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(created.body.id);
    expect(rotated.body.key).not.toBe(plaintext);
    expect(Date.parse(rotated.body.lastRotatedAt)).toBeGreaterThan(Date.parse(created.body.lastRotatedAt));
    const old = await call(suite.server, 'GET', '/api/v1/devices', { token: plaintext });
    expect(old.status).toBe(401);
    expect(old.body.message).toBe('authentication failed: invalid credential');
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: rotated.body.key })).status).toBe(
      200,
    );
    // The secondary slot is untouched by rotating the primary.
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: secondary.body.key })).status).toBe(
      200,
    );

    expect((await call(suite.server, 'DELETE', `/api/v1/keys/${created.body.id}`, { token })).status).toBe(
      200,
    );
    const revoked = await call(suite.server, 'GET', '/api/v1/devices', { token: rotated.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toMatch(
      /^authentication failed: API key "readonly-primary" was revoked at /,
    );

    const journal = await call<{ items: Array<{ operation: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal/export?format=ndjson',
      { token },
    );
    for (const text of [plaintext, rotated.body.key, secondary.body.key, secret])
      expect(String(journal.body)).not.toContain(text);
    expect(String(journal.body)).toContain('"key.rotate"');
    expect(String(journal.body)).toContain('"key.revoke"');
  });

  it('gives fine-grained keys chosen permissions and an expiry of 1 to 365 days', async () => {
    for (const [days, ok] of [
      [7, true],
      [30, true],
      [90, true],
      [365, true],
      [45, true],
      [0, false],
      [366, false],
      [1.5, false],
    ] as const) {
      const reply = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
        token: operator,
        body: {
          type: 'fine-grained',
          name: `days-${String(days).replace('.', '-')}`,
          permissions: ['devices:read'],
          expiresInDays: days,
        },
      });
      expect(reply.status, String(days)).toBe(ok ? 201 : 422);
      if (ok) expect(Date.parse(reply.body.expiresAt as string) - clock.now()).toBe(days * DAY_MS);
      else
        expect(reply.body.details).toEqual({
          causes: [
            {
              pointer: '/expiresInDays',
              message: 'must be a whole number of days from 1 to 365 (7, 30, 90, 365 or custom)',
            },
          ],
        });
    }
    const defaulted = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token: operator,
      body: { type: 'fine-grained', name: 'ci', permissions: ['devices:write', 'devices:read'] },
    });
    expect(Date.parse(defaulted.body.expiresAt as string) - clock.now()).toBe(30 * DAY_MS);
    expect(defaulted.body.permissions).toEqual(['devices:read', 'devices:write']);
    const duplicate = await call(suite.server, 'POST', '/api/v1/keys', {
      token: operator,
      body: { type: 'fine-grained', name: 'ci', permissions: ['devices:read'] },
    });
    expect(duplicate.status).toBe(409);

    const ci = defaulted.body.key;
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { token: ci, body: [device('ci-dev')] })).status,
    ).toBe(200);
    const denied = await call(suite.server, 'GET', '/api/v1/journal', { token: ci });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('"journal:read"');

    const week = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token: operator,
      body: { type: 'fine-grained', name: 'week', permissions: ['devices:read'], expiresInDays: 7 },
    });
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: week.body.key })).status).toBe(200);
    clock.advance(7 * DAY_MS + 1000);
    const expired = await call(suite.server, 'GET', '/api/v1/devices', { token: week.body.key });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe(
      `authentication failed: API key "week" expired at ${week.body.expiresAt}`,
    );
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: ci })).status).toBe(200);
  });

  it('refuses escalation: more than the creator, session-only permissions, keys administering keys', async () => {
    // The clock moved past the session's lifetime in the expiry test: log in anew.
    operator = await loginToken(suite.server, 'olivia', PASSWORD);
    for (const [permission, why] of [
      ['keys:admin', 'cannot be given to an API key (session only)'],
      ['users:admin', 'cannot be given to an API key (session only)'],
      ['journal:admin', 'cannot be given to an API key (session only)'],
      ['nonsense:read', 'is not a Steward permission'],
    ]) {
      const reply = await call(suite.server, 'POST', '/api/v1/keys', {
        token: operator,
        body: { type: 'fine-grained', name: 'greedy', permissions: ['devices:read', permission] },
      });
      expect(reply.status, permission).toBe(403);
      expect(reply.body.message).toBe(
        `permission "${permission}" ${why}: a key can never hold more than its creator`,
      );
    }
    // An operator may not mint the tenant's admin or read-only slot keys.
    const slot = await call(suite.server, 'POST', '/api/v1/keys', {
      token: operator,
      body: { type: 'admin' },
    });
    expect(slot.status).toBe(403);
    expect(slot.body.message).toContain('"keys:admin"');
    // A viewer may not make keys at all.
    const viewer = await loginToken(suite.server, 'victor', PASSWORD);
    const none = await call(suite.server, 'POST', '/api/v1/keys', {
      token: viewer,
      body: { type: 'fine-grained', name: 'v', permissions: ['devices:read'] },
    });
    expect(none.status).toBe(403);
    expect(none.body.message).toBe('user victor lacks the permission "keys:write"');

    // The most powerful key there is still cannot administer keys or users.
    const adminKey = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token: await admin(),
      body: { type: 'admin', slot: 'secondary' },
    });
    for (const [method, url, body, permission] of [
      [
        'POST',
        '/api/v1/keys',
        { type: 'fine-grained', name: 'minted', permissions: ['devices:read'] },
        'keys:write',
      ],
      ['GET', '/api/v1/keys', undefined, 'keys:write'],
      ['POST', '/api/v1/users', { username: 'mallory', password: PASSWORD, role: 'admin' }, 'users:admin'],
      [
        'POST',
        '/api/v1/tenants',
        { name: 'evil', admin: { username: 'm', password: PASSWORD } },
        'tenants:admin',
      ],
      ['POST', `/api/v1/keys/${adminKey.body.id}/rotate`, {}, 'keys:write'],
    ] as const) {
      const reply = await call(suite.server, method, url, { token: adminKey.body.key, body });
      expect(reply.status, url).toBe(403);
      expect(reply.body.message).toContain(`"${permission}"`);
    }
    const denials = await call<{ items: Array<{ actor: { type: string }; reason: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?operation=auth.deny',
      { token: await admin() },
    );
    expect(
      denials.body.items.some(
        (entry) => entry.actor.type === 'apikey' && entry.reason.includes('"users:admin"'),
      ),
    ).toBe(true);
  });

  it('revokes the keys and ends the sessions of a deleted user on the next request', async () => {
    const token = await admin();
    expect(
      (
        await call(suite.server, 'POST', '/api/v1/users', {
          token,
          body: { username: 'temp', password: PASSWORD, role: 'operator' },
        })
      ).status,
    ).toBe(201);
    const session = await loginToken(suite.server, 'temp', PASSWORD);
    const key = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token: session,
      body: { type: 'fine-grained', name: 'temp-key', permissions: ['devices:read'] },
    });
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: key.body.key })).status).toBe(200);
    expect((await call(suite.server, 'DELETE', '/api/v1/users/temp', { token })).status).toBe(204);
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: key.body.key })).status).toBe(401);
    expect((await call(suite.server, 'GET', '/api/v1/auth/me', { token: session })).status).toBe(401);
    expect((await call(suite.server, 'DELETE', '/api/v1/users/admin', { token })).status).toBe(409);
  });

  it('changes a password, ending the other sessions', async () => {
    const first = await loginToken(suite.server, 'victor', PASSWORD);
    const second = await loginToken(suite.server, 'victor', PASSWORD);
    const wrong = await call(suite.server, 'POST', '/api/v1/auth/password', {
      token: first,
      body: { currentPassword: 'not-it-at-all', newPassword: 'a-new-password-2' },
    });
    expect(wrong.status).toBe(401);
    const short = await call(suite.server, 'POST', '/api/v1/auth/password', {
      token: first,
      body: { currentPassword: PASSWORD, newPassword: 'short' },
    });
    expect(short.status).toBe(422);
    const changed = await call(suite.server, 'POST', '/api/v1/auth/password', {
      token: first,
      body: { currentPassword: PASSWORD, newPassword: 'a-new-password-2' },
    });
    expect(changed.status).toBe(204);
    expect((await call(suite.server, 'GET', '/api/v1/auth/me', { token: first })).status).toBe(200);
    expect((await call(suite.server, 'GET', '/api/v1/auth/me', { token: second })).status).toBe(401);
    expect((await loginToken(suite.server, 'victor', 'a-new-password-2')).startsWith('sts_')).toBe(true);

    // Not with an API key, even one of the user's own that knows nothing else.
    const key = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', {
      token: operator,
      body: { type: 'fine-grained', name: 'pw-key', permissions: ['devices:read'] },
    });
    const byKey = await call(suite.server, 'POST', '/api/v1/auth/password', {
      token: key.body.key,
      body: { currentPassword: PASSWORD, newPassword: 'stolen-password-1' },
    });
    expect(byKey.status).toBe(403);
    expect(byKey.body.message).toBe(
      'POST /api/v1/auth/password needs a login session: an API key can never administer credentials',
    );
  });

  it('keeps API keys out of the logs at debug level', async () => {
    const db = freshSqlite();
    const output = captureOutput();
    // The log goes to its destination (stdout's file descriptor, not process.stdout): captured here.
    let log = '';
    try {
      const loud = await startTestServer(
        db,
        { STEWARD_LOG_LEVEL: 'debug' },
        {
          logDestination: {
            write(line: string) {
              log += line;
            },
          },
        },
      );
      const key = await call<KeyBody>(loud, 'POST', '/api/v1/keys', {
        body: { type: 'fine-grained', name: 'quiet', permissions: ['devices:read'] },
      });
      await call(loud, 'GET', '/api/v1/devices', { token: key.body.key });
      await call(loud, 'GET', '/api/v1/devices', { token: `${key.body.key.slice(0, -3)}AAA` });
      await call(loud, 'POST', '/api/v1/auth/login', {
        token: null,
        body: { username: 'admin', password: 'wrong-password-log' },
      });
      await loud.close();
      expect(log).toContain('"msg":"request"');
      for (const text of [output.text(), log]) {
        expect(text).not.toContain(key.body.key.slice('stw_0123456789abcdef_'.length));
        expect(text).not.toContain('wrong-password-log');
        expect(text).not.toContain(TEST_ADMIN_PASSWORD);
      }
    } finally {
      output.restore();
      await db.drop();
    }
  });
});

describe('tenant isolation over every kind', () => {
  const suite = useServer();
  let tenantB: string;

  const fleet = readdirSync('manifests')
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => readFileSync(join('manifests', file), 'utf8'))
    .join('\n---\n');

  beforeAll(async () => {
    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'tenant-b', admin: { username: 'bea', password: PASSWORD } },
    });
    expect(created.status).toBe(201);
    tenantB = await loginToken(suite.server, 'bea', PASSWORD, 'tenant-b');
  });

  it("never shows or lets tenant B touch tenant A's resources, journal, keys or users", async () => {
    const applied = await call<{ items: Array<{ kind: string; name: string }> }>(
      suite.server,
      'POST',
      '/api/v1/apply',
      { yaml: fleet },
    );
    expect(applied.status).toBe(200);
    const kinds = new Set(applied.body.items.map((item) => item.kind));
    expect(kinds.size).toBe(suite.server.services.kinds.all.length);
    const plural = (kind: string) => suite.server.services.kinds.resolve(kind).plural;

    for (const { kind, name } of applied.body.items) {
      const path = `/api/v1/${plural(kind)}/${name}`;
      const before = await call<{ metadata: { resourceVersion: string } }>(suite.server, 'GET', path);
      expect((await call(suite.server, 'GET', path, { token: tenantB })).status, path).toBe(404);
      expect((await call(suite.server, 'GET', `${path}/history`, { token: tenantB })).status, path).toBe(404);
      expect((await call(suite.server, 'DELETE', path, { token: tenantB })).status, path).toBe(404);
      const after = await call<{ metadata: { resourceVersion: string } }>(suite.server, 'GET', path);
      expect(after.body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);
    }
    for (const kind of kinds) {
      const list = await call<{ items: unknown[] }>(suite.server, 'GET', `/api/v1/${plural(kind)}`, {
        token: tenantB,
      });
      expect(list.body.items, kind).toEqual([]);
    }

    // B may use the same names: its own objects, created, not configured.
    const own = await call<{ items: Array<{ result: string }> }>(suite.server, 'POST', '/api/v1/apply', {
      yaml: fleet,
      token: tenantB,
    });
    expect(own.status).toBe(200);
    expect(new Set(own.body.items.map((item) => item.result))).toEqual(new Set(['created']));

    const journalB = await call<{ items: Array<{ tenant: string; actor: { name: string } }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?limit=5000',
      {
        token: tenantB,
      },
    );
    expect(journalB.body.items.every((entry) => entry.tenant === 'tenant-b')).toBe(true);
    expect(journalB.body.items.some((entry) => entry.actor.name === 'admin')).toBe(true); // its creation
    expect(journalB.body.items.filter((entry) => entry.actor.name === 'admin')).toHaveLength(1);

    const keyA = await call<KeyBody>(suite.server, 'POST', '/api/v1/keys', { body: { type: 'readonly' } });
    expect((await call(suite.server, 'GET', '/api/v1/keys', { token: tenantB })).body.items).toEqual([]);
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/keys/${keyA.body.id}`, { token: tenantB })).status,
    ).toBe(404);
    expect(
      (await call(suite.server, 'POST', `/api/v1/keys/${keyA.body.id}/rotate`, { token: tenantB, body: {} }))
        .status,
    ).toBe(404);
    const usersB = await call<{ items: Array<{ username: string }> }>(suite.server, 'GET', '/api/v1/users', {
      token: tenantB,
    });
    expect(usersB.body.items.map((user) => user.username)).toEqual(['bea']);
    expect((await call(suite.server, 'DELETE', '/api/v1/users/admin', { token: tenantB })).status).toBe(404);

    // Tenants and metrics span every tenant: B's admin holds neither permission.
    const tenants = await call(suite.server, 'GET', '/api/v1/tenants', { token: tenantB });
    expect(tenants.status).toBe(403);
    expect(tenants.body.message).toContain('"tenants:admin"');
    expect((await call(suite.server, 'GET', '/metrics', { token: tenantB })).status).toBe(403);
    const greedy = await call(suite.server, 'POST', '/api/v1/keys', {
      token: tenantB,
      body: { type: 'fine-grained', name: 'scraper', permissions: ['metrics:read'] },
    });
    expect(greedy.status).toBe(403);
    expect(greedy.body.message).toBe(
      'permission "metrics:read" is not held by the key creator: a key can never hold more than its creator',
    );
    // A's read-only key works in A only.
    const meA = await call(suite.server, 'GET', '/api/v1/auth/me', { token: keyA.body.key });
    expect(meA.body).toMatchObject({ tenant: 'default' });
  });
});

describe('failure limiter', () => {
  it('keeps at most maxKeys keys, forgetting expired ones first, then the least recently failed', async () => {
    const { FailureLimiter } = await import('../../src/auth/rate-limit.js');
    let now = 0;
    const limiter = new FailureLimiter(2, 1000, () => now, 3);
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('b');
    now = 500;
    limiter.fail('c');
    limiter.fail('d'); // full: nothing expired yet, so 'a' (least recently failed) goes
    expect(limiter.size).toBe(3);
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.retryAfter('b')).toBeGreaterThan(0);
    now = 1200; // a's, b's failures left the window; c and d are still inside
    limiter.fail('e');
    expect(limiter.size).toBe(3);
    expect(limiter.retryAfter('b')).toBe(0);
  });
});

describe('identity operations in the journal', () => {
  it('journals every identity operation with its actor, and no secret', async () => {
    const database = freshSqlite();
    const server = await startTestServer(database);
    try {
      const password = 'journal-password-1';
      await call(server, 'POST', '/api/v1/users', { body: { username: 'jo', password, role: 'operator' } });
      const session = await loginToken(server, 'jo', password);
      await call(server, 'POST', '/api/v1/auth/login', {
        token: null,
        body: { username: 'jo', password: 'not-right-at-all' },
      });
      const key = await call<KeyBody>(server, 'POST', '/api/v1/keys', {
        token: session,
        body: { type: 'fine-grained', name: 'jk', permissions: ['devices:read'] },
      });
      const rotated = await call<KeyBody>(server, 'POST', `/api/v1/keys/${key.body.id}/rotate`, {
        token: session,
        body: {},
      });
      await call(server, 'GET', '/api/v1/devices', { token: key.body.key }); // the old secret: auth.failure
      await call(server, 'GET', '/api/v1/journal', { token: rotated.body.key }); // lacks journal:read: auth.deny
      await call(server, 'DELETE', `/api/v1/keys/${key.body.id}`, { token: session });
      await call(server, 'POST', '/api/v1/auth/logout', { token: session, body: {} });
      await call(server, 'DELETE', '/api/v1/users/jo');
      await call(server, 'POST', '/api/v1/tenants', {
        body: { name: 'jt', admin: { username: 'root', password } },
      });

      const exported = String(
        (await call<string>(server, 'GET', '/api/v1/journal/export?format=ndjson')).body,
      );
      const entries = exported
        .trimEnd()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as { operation: string; result: string; actor: { type: string; name: string } },
        )
        .filter((entry) => entry.operation !== undefined);
      const seen = entries.map((entry) => [
        entry.operation,
        entry.result,
        entry.actor.type,
        entry.actor.name,
      ]);
      expect(seen).toEqual(
        expect.arrayContaining([
          ['user.create', 'created', 'system', 'system:bootstrap'],
          ['auth.login', 'success', 'user', 'admin'],
          ['user.create', 'created', 'user', 'admin'],
          ['auth.login', 'success', 'user', 'jo'],
          ['auth.login', 'failure', 'user', 'jo'],
          ['key.create', 'created', 'user', 'jo'],
          ['key.rotate', 'configured', 'user', 'jo'],
          ['auth.failure', 'refused', 'apikey', 'jk'],
          ['auth.deny', 'denied', 'apikey', 'jk'],
          ['key.revoke', 'revoked', 'user', 'jo'],
          ['auth.logout', 'success', 'user', 'jo'],
          ['user.delete', 'deleted', 'user', 'admin'],
          ['tenant.create', 'created', 'user', 'admin'],
        ]),
      );
      for (const secret of [password, 'not-right-at-all', key.body.key, rotated.body.key, session])
        expect(exported).not.toContain(secret);
      expect((await call(server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
    } finally {
      await server.close();
      await database.drop();
    }
  });
});

describe('user administration', () => {
  it('changes roles and resets passwords, effective on the next request, keeping an admin', async () => {
    const database = freshSqlite();
    const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
    const server = await startTestServer(database, {}, { clock });
    try {
      const password = 'role-password-12';
      await call(server, 'POST', '/api/v1/users', { body: { username: 'rita', password, role: 'viewer' } });
      const rita = await loginToken(server, 'rita', password);
      const write = () => call(server, 'POST', '/api/v1/apply', { token: rita, body: [device('role-dev')] });
      expect((await write()).status).toBe(403);

      const promoted = await call(server, 'PUT', '/api/v1/users/rita', { body: { role: 'operator' } });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toEqual({ username: 'rita', role: 'operator' });
      expect((await write()).status).toBe(200);

      const lastAdmin = await call(server, 'PUT', '/api/v1/users/admin', { body: { role: 'viewer' } });
      expect(lastAdmin.status).toBe(409);
      expect(lastAdmin.body.message).toContain("the tenant's last admin");
      expect((await call(server, 'PUT', '/api/v1/users/nobody', { body: { role: 'viewer' } })).status).toBe(
        404,
      );
      expect((await call(server, 'PUT', '/api/v1/users/rita', { body: { role: 'root' } })).status).toBe(422);

      const reset = await call(server, 'PUT', '/api/v1/users/rita', {
        body: { password: 'another-password-3' },
      });
      expect(reset.status).toBe(200);
      expect((await call(server, 'GET', '/api/v1/auth/me', { token: rita })).status).toBe(401);
      const again = await loginToken(server, 'rita', 'another-password-3');

      // Sessions past their expiry are swept from the table.
      clock.advance(13 * 3600 * 1000);
      expect(await server.services.authenticator.sweepExpiredSessions()).toBeGreaterThanOrEqual(2);
      expect((await call(server, 'GET', '/api/v1/auth/me', { token: again })).status).toBe(401);
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
