import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { lastAdminRefusal } from '../../src/auth/identity-writes.js';
import {
  ADDRESS_LOGIN_LIMIT,
  LoginLimiter,
  USER_LOGIN_LIMIT,
  waitBeforeAttempt,
} from '../../src/auth/login-limits.js';
import { TooManyRequestsError } from '../../src/errors.js';
import type { StewardServer } from '../../src/server.js';
import { Database } from '../../src/store/database.js';
import { DIALECTS } from '../support/databases.js';
import { call, loginToken, useServer } from '../support/server.js';

const PASSWORD = 'concurrency-password-1';
const MINUTE = 60_000;

describe('waitBeforeAttempt', () => {
  const limit = { limit: 3, windowMs: 10 * MINUTE };
  const now = 100 * MINUTE;
  it.each([
    { case: 'no attempt', times: [], wait: 0 },
    { case: 'under the limit', times: [now - 1, now - 2], wait: 0 },
    // The third newest leaves the window at (now - 5 min) + 10 min.
    { case: 'at the limit', times: [now - 1, now - 2, now - 5 * MINUTE], wait: 5 * MINUTE },
    {
      case: 'over the limit (skewed clocks)',
      times: [now, now, now - MINUTE, now - 9 * MINUTE],
      wait: 9 * MINUTE,
    },
    { case: 'leaving the window now: still at least 1 ms', times: [now, now, now - 10 * MINUTE], wait: 1 },
  ])('$case → $wait ms', ({ times, wait }) => {
    expect(waitBeforeAttempt(times, limit, now)).toBe(wait);
  });
});

describe('lastAdminRefusal', () => {
  const admin = { username: 'ann', role: 'admin' };
  const viewer = { username: 'vic', role: 'viewer' };
  it.each([
    {
      case: 'delete the only admin',
      user: admin,
      change: { delete: true as const },
      admins: 1,
      refused: true,
    },
    {
      case: 'delete one of two admins',
      user: admin,
      change: { delete: true as const },
      admins: 2,
      refused: false,
    },
    {
      case: 'demote the only admin',
      user: admin,
      change: { role: 'operator' as const },
      admins: 1,
      refused: true,
    },
    {
      case: 'demote one of two admins',
      user: admin,
      change: { role: 'viewer' as const },
      admins: 2,
      refused: false,
    },
    { case: 'admin stays admin', user: admin, change: { role: 'admin' as const }, admins: 1, refused: false },
    { case: 'password only', user: admin, change: {}, admins: 1, refused: false },
    { case: 'delete a viewer', user: viewer, change: { delete: true as const }, admins: 1, refused: false },
    { case: 'promote a viewer', user: viewer, change: { role: 'admin' as const }, admins: 1, refused: false },
  ])('$case → refused: $refused', ({ user, change, admins, refused }) => {
    const refusal = lastAdminRefusal(user, change, admins);
    if (refused)
      expect(refusal).toBe(
        `user "ann" is the tenant's last admin (a tenant keeps at least one admin): make another admin first`,
      );
    else expect(refusal).toBeUndefined();
  });
});

/** A login through the injector from `address`, answering the status and Retry-After. */
async function login(
  server: StewardServer,
  body: Record<string, unknown>,
  address: string,
): Promise<{ status: number; retryAfter?: string; message: string }> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: body,
    remoteAddress: address,
  });
  return {
    status: response.statusCode,
    retryAfter: response.headers['retry-after'] as string | undefined,
    message: (JSON.parse(response.body) as { message: string }).message,
  };
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe.each(DIALECTS)('identity under concurrency on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  const journalSize = async () =>
    Number(
      (
        (await suite.server.services.db.knex('journal_entries').count({ n: '*' }))[0] as {
          n: number | string;
        }
      ).n,
    );

  it('counts parallel wrong passwords before checking them: 40 at once for one user, 5 are checked', async () => {
    const created = await call(suite.server, 'POST', '/api/v1/users', {
      body: { username: 'victim', password: PASSWORD, role: 'operator' },
    });
    expect(created.status).toBe(201);
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        // From 40 addresses: only the per-user limit is in play.
        login(suite.server, { username: 'victim', password: `wrong-guess-${index}` }, `10.1.0.${index + 1}`),
      ),
    );
    expect(tally(replies.map((reply) => reply.status))).toEqual({ 401: USER_LOGIN_LIMIT.limit, 429: 35 });
    for (const reply of replies.filter((reply) => reply.status === 429)) {
      expect(Number(reply.retryAfter)).toBeGreaterThan(0);
      expect(reply.message).toMatch(
        /^too many failed attempts for user "victim": try again in \d+ s \(at most 5 failures in 15 min\)$/,
      );
    }
    // Even the right password waits now: the limit is counted before the password is checked.
    expect((await login(suite.server, { username: 'victim', password: PASSWORD }, '10.1.1.1')).status).toBe(
      429,
    );
  });

  it('counts parallel failures from one address: 60 at once, 20 are checked', async () => {
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        login(suite.server, { username: `spray-${index}`, password: 'guess-guess-guess' }, '10.2.0.1'),
      ),
    );
    expect(tally(replies.map((reply) => reply.status))).toEqual({ 401: ADDRESS_LOGIN_LIMIT.limit, 429: 40 });
    expect(replies.find((reply) => reply.status === 429)?.message).toMatch(
      /^too many failed attempts from 10\.2\.0\.1: try again in \d+ s \(at most 20 failures in 15 min\)$/,
    );
    // Another address is not held back by this one.
    expect((await login(suite.server, { username: 'admin', password: 'x' }, '10.2.0.2')).status).toBe(401);
  });

  it("clears the user's failures on success, keeps the address's, and releases the success's own row", async () => {
    const created = await call(suite.server, 'POST', '/api/v1/users', {
      body: { username: 'typo', password: PASSWORD },
    });
    expect(created.status).toBe(201);
    const address = '10.3.0.1';
    for (let attempt = 0; attempt < 4; attempt++)
      expect(
        (await login(suite.server, { username: 'typo', password: 'mistyped-password' }, address)).status,
      ).toBe(401);
    expect((await login(suite.server, { username: 'typo', password: PASSWORD }, address)).status).toBe(200);
    const { limits } = suite.server.services.identity.sessions;
    const rows = (key: string) =>
      suite.server.services.db.knex('login_attempts').where({ limit_key: key }).pluck('attempt');
    expect(await rows(limits.userKey('default', 'typo'))).toEqual([]);
    expect(await rows(limits.addressKey(address))).toHaveLength(4);
    // Five fresh failures for the user before the limit.
    for (let attempt = 0; attempt < 5; attempt++)
      expect(
        (await login(suite.server, { username: 'typo', password: 'mistyped-password' }, address)).status,
      ).toBe(401);
    expect((await login(suite.server, { username: 'typo', password: PASSWORD }, address)).status).toBe(429);
    // No username is stored: the keys are HMACs.
    const stored = JSON.stringify(await suite.server.services.db.knex('login_attempts').select('*'));
    expect(stored).not.toContain('typo');
    expect(stored).not.toContain(address);
  });

  it('journals an unknown username as a pseudonym, never the text typed', async () => {
    const typed = 'Tr0ub4dor&3-horse-battery';
    const before = await journalSize();
    expect(
      (await login(suite.server, { username: typed, password: 'whatever-it-was' }, '10.4.0.1')).status,
    ).toBe(401);
    expect(await journalSize()).toBe(before + 1);
    const rows = await suite.server.services.db
      .knex('journal_entries')
      .where({ operation: 'auth.login', result: 'failure' })
      .orderBy('seq', 'desc')
      .limit(1);
    expect(rows[0]).toMatchObject({
      actor_name: suite.server.services.identity.sessions.unknownUser(typed),
      reason: 'no such user',
    });
    expect(rows[0].actor_name).toMatch(/^unknown-user:[0-9a-f]{12}$/);
    const journal = JSON.stringify(await suite.server.services.db.knex('journal_entries').select('*'));
    expect(journal).not.toContain('Tr0ub4dor');
  });

  it('refuses a huge username naming the field and the limit, writing nothing', async () => {
    const before = await journalSize();
    const attempts = await suite.server.services.db.knex('login_attempts').count({ n: '*' });
    const reply = await suite.server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      // Under the public routes' body limit (a bigger body is a 413 before any parsing).
      payload: { username: 'u'.repeat(60_000), password: 'whatever-it-was' },
      remoteAddress: '10.5.0.1',
    });
    expect(reply.statusCode).toBe(422);
    const body = JSON.parse(reply.body) as { details: { causes: unknown[] } };
    expect(body.details.causes).toEqual([
      { pointer: '/username', message: 'must be at most 63 characters long' },
    ]);
    expect(reply.body.length).toBeLessThan(2_000);
    expect(await journalSize()).toBe(before);
    expect(await suite.server.services.db.knex('login_attempts').count({ n: '*' })).toEqual(attempts);
  });

  it('refuses malformed parameters of the public PKI routes with a 4xx, writing nothing', async () => {
    const before = await journalSize();
    for (const url of [
      `/pki/default/${'x'.repeat(5_000)}/crl`,
      `/pki/${'T'.repeat(64)}/root/chain.pem`,
      '/pki/default/Not_A_Label/crl',
      '/pki/default/%00/chain.pem',
    ]) {
      const reply = await suite.server.app.inject({ method: 'GET', url, remoteAddress: '10.6.0.1' });
      expect(reply.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(reply.statusCode, url).toBeLessThan(500);
    }
    expect(await journalSize()).toBe(before);
  });

  /** A tenant whose only admins are `a` and `b`, each with a session. */
  async function twoAdmins(tenant: string): Promise<{ a: string; b: string }> {
    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: tenant, admin: { username: 'a', password: PASSWORD } },
    });
    expect(created.status).toBe(201);
    const a = await loginToken(suite.server, 'a', PASSWORD, tenant);
    const b = await call(suite.server, 'POST', '/api/v1/users', {
      token: a,
      body: { username: 'b', password: PASSWORD, role: 'admin' },
    });
    expect(b.status).toBe(201);
    return { a, b: await loginToken(suite.server, 'b', PASSWORD, tenant) };
  }

  const admins = async (tenant: string) =>
    suite.server.services.db.knex('users').where({ tenant, role: 'admin' }).pluck('username');

  /**
   * Two admins remove each other at once, 20 times: exactly one wins each time, and the tenant
   * keeps an admin. The loser is refused by the rule (409), or, when the winner committed before
   * the loser's request was authenticated, by its own credential's loss (401 deleted, 403 demoted).
   */
  async function removeEachOther(
    label: string,
    remove: (token: string, target: string) => Promise<{ status: number; body: { message?: string } }>,
    success: number,
    lostCredential: number,
  ): Promise<void> {
    let ruled = 0;
    for (let round = 0; round < 20; round++) {
      const tenant = `${label}-${round}`;
      const { a, b } = await twoAdmins(tenant);
      const replies = await Promise.all([remove(a, 'b'), remove(b, 'a')]);
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses, `round ${round}`).toContain(success);
      expect(
        statuses.filter((status) => status === success),
        `round ${round}`,
      ).toHaveLength(1);
      const loser = replies.find((reply) => reply.status !== success);
      expect([409, lostCredential]).toContain(loser?.status);
      if (loser?.status === 409) {
        ruled++;
        expect(loser.body.message).toMatch(
          /is the tenant's last admin \(a tenant keeps at least one admin\)/,
        );
      }
      expect(await admins(tenant), `round ${round}`).toHaveLength(1);
    }
    // The race was run, not avoided: most rounds reached the check with both requests admitted.
    expect(ruled).toBeGreaterThan(0);
  }

  it('keeps an admin when two admins delete each other at once', async () => {
    await removeEachOther(
      'del',
      (token, target) => call(suite.server, 'DELETE', `/api/v1/users/${target}`, { token }),
      204,
      401,
    );
  }, 120_000);

  it('keeps an admin when two admins demote each other at once', async () => {
    await removeEachOther(
      'dem',
      (token, target) =>
        call(suite.server, 'PUT', `/api/v1/users/${target}`, { token, body: { role: 'viewer' } }),
      200,
      403,
    );
  }, 120_000);
});

describe.each(DIALECTS)('login limits over separate connections to one $dialect database', ({ create }) => {
  it('reserves 5 of 40 parallel attempts for one user through two handles (as two processes would)', async () => {
    const database = await create();
    // Two Database handles: two SQLite connections to one file, or two PostgreSQL pools.
    const handles = [
      await Database.open(database.url, ENTITIES),
      await Database.open(database.url, ENTITIES),
    ];
    try {
      const key = randomBytes(32);
      const limiters = handles.map((db) => new LoginLimiter(db, key, () => new Date()));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, index) =>
          limiters[index % 2].reserve('default', 'victim', `10.9.0.${index}`),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(5);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(TooManyRequestsError);
    } finally {
      for (const db of handles) await db.close();
      await database.drop();
    }
  });
});
