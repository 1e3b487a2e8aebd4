import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/engine/queue/work-queue.js';
import { DIALECTS } from '../support/databases.js';
import { call, device, useServer } from '../support/server.js';

/** A clock the test moves by hand. */
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

interface Entry {
  operation: string;
  result: string;
  reason: string | null;
  actor: { type: string; name: string };
}

describe.each(DIALECTS)('refusals within a budget per credential ($dialect)', ({ create }) => {
  const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
  const suite = useServer({
    database: create,
    env: { STEWARD_DENIALS_PER_MINUTE: '30' },
    options: { clock },
  });

  async function readonlyKey(slot: 'primary' | 'secondary'): Promise<string> {
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot },
    });
    expect(key.status).toBe(201);
    return key.body.key;
  }

  async function denials(name: string): Promise<Entry[]> {
    const page = await call<{ items: Entry[] }>(
      suite.server,
      'GET',
      '/api/v1/journal?operation=auth.deny&limit=5000',
    );
    return page.body.items.filter((entry) => entry.actor.name === name);
  }

  const apply = (token: string, name: string) =>
    call(suite.server, 'POST', '/api/v1/apply', { token, body: device(name) });

  it('answers 1,000 forbidden applies with 30 × 403 then 429, journaling at most 31 entries', async () => {
    const key = await readonlyKey('primary');
    const statuses: number[] = [];
    const retries = new Set<string>();
    let message = '';
    // In waves of 50 in parallel: concurrency must not let more than the budget through.
    for (let wave = 0; wave < 20; wave++) {
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => apply(key, `d-${wave}-${i % 3}`)),
      );
      for (const reply of replies) {
        statuses.push(reply.status);
        if (reply.status === 429) {
          retries.add(String(reply.headers['retry-after']));
          message = String(reply.body.message);
        }
      }
    }
    expect(statuses.filter((code) => code === 403)).toHaveLength(30);
    expect(statuses.filter((code) => code === 429)).toHaveLength(970);
    expect([...retries]).toEqual(['60']);
    expect(message).toMatch(
      /^too many refused requests: more than 30 denials a minute from this credential \(STEWARD_DENIALS_PER_MINUTE\); try again in 60 s\. This request was refused: API key readonly-primary \(\w+\) lacks the permission "devices:write"$/,
    );

    // What the key may do, it still does: the budget spends denials only.
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: key })).status).toBe(200);
    // Another credential has its own budget.
    const other = await readonlyKey('secondary');
    expect((await apply(other, 'x')).status).toBe(403);

    // Each distinct refusal was journaled at once, before its 403.
    const now = await denials('readonly-primary');
    expect(now.length).toBeGreaterThan(0);
    expect(now.length).toBeLessThanOrEqual(30);

    // When the window closes, the repeats and the refusals are summarized with their counts.
    clock.advance(60_000);
    suite.server.services.denials.flushClosed();
    await suite.server.services.denials.settled();
    const after = await denials('readonly-primary');
    expect(after.length).toBeLessThanOrEqual(31);
    const throttled = after.filter((entry) => entry.result === 'throttled');
    expect(throttled.map((entry) => entry.reason)).toEqual([
      expect.stringMatching(/^970 further denials answered 429 in the 60 s from 2026-06-01T00:00:00.000Z/),
    ]);
    const counted = after
      .filter((entry) => entry.result === 'denied')
      .map((entry) => Number(/repeated (\d+) more time/.exec(entry.reason ?? '')?.[1] ?? 1));
    // Every 403 is accounted for: journaled itself or counted in a summary.
    expect(counted.reduce((sum, n) => sum + n, 0)).toBe(30);

    // A new window, a new budget.
    expect((await apply(key, 'again')).status).toBe(403);
    expect((await call(suite.server, 'GET', '/api/v1/journal/verify')).body).toMatchObject({ ok: true });
  });
});
