/** Apply sets on PostgreSQL: inventory, prune, budget refusal, drift and listing (the SQL differs by dialect). */
import { describe, expect, it } from 'vitest';
import { freshPostgres } from '../support/databases.js';
import { call, device, useServer } from '../support/server.js';

const suite = useServer({ database: freshPostgres });
const devices = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => device(`${prefix}-${i}`));
const apply = (query: string, body: unknown[]) =>
  call<{ deletions?: unknown[]; reason?: string }>(suite.server, 'POST', `/api/v1/apply?${query}`, { body });

describe('apply sets on PostgreSQL', () => {
  it('claims, prunes within the budget, refuses over it, reports drift and lists', async () => {
    expect((await apply('applyset=pg', devices('pg', 600))).status).toBe(200);
    const refused = await apply('applyset=pg&prune=true', devices('pg', 500));
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('DeletionBudgetExceeded');
    const pruned = await apply('applyset=pg&prune=true&maxDeletions=100', devices('pg', 500));
    expect(pruned.status, JSON.stringify(pruned.body).slice(0, 300)).toBe(200);
    expect(pruned.body.deletions).toHaveLength(100);
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: [device('pg-1', { by: 'hand' })] })).status,
    ).toBe(200);
    const list = await call<{ items: Array<{ name: string; members: number; drifted: number }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets',
    );
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'pg', members: 500, drifted: 1 })]);
    expect((await apply('applyset=other', [device('pg-2')])).status).toBe(409);
  });
});

describe('two apply sets claiming one new resource at once on PostgreSQL', () => {
  it('give it to exactly one of them; the other is refused and writes nothing', async () => {
    for (let round = 0; round < 5; round++) {
      const contested = device(`contested-${round}`);
      const replies = await Promise.all([
        apply(`applyset=left-${round}`, [contested, device(`left-only-${round}`)]),
        apply(`applyset=right-${round}`, [contested, device(`right-only-${round}`)]),
      ]);
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses[0], JSON.stringify(replies.map((reply) => reply.body))).toBe(200);
      expect(statuses[1]).toBeGreaterThanOrEqual(400);
      expect(statuses[1]).toBeLessThan(500);
      const loser = replies[0].status === 200 ? 'right' : 'left';
      expect((await call(suite.server, 'GET', `/api/v1/devices/${loser}-only-${round}`)).status).toBe(404);
    }
  });
});
