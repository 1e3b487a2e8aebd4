import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { authHeaders, useServer } from '../support/server.js';
import { openFollow, type ServerSentEvent } from './follow-stream.js';
import { apply, device } from './support.js';

describe.each(DIALECTS)('following the journal on $dialect', ({ create }) => {
  // The engine off: these suites assert the exact entries of the operations they make. A stream
  // is left open on purpose: closing the server must end it, not wait for it.
  const suite = useServer({ database: create, env: { STEWARD_ENGINE: 'off' } });

  const headSeq = async () =>
    Number(
      (await suite.server.services.db.knex('journal_heads').where({ tenant: 'default' }).first())?.seq ?? 0,
    );
  const contiguous = (seqs: number[], from: number) => seqs.every((seq, index) => seq === from + index);
  const applied = (events: ServerSentEvent[], name: string) =>
    events.some(
      (event) =>
        event.data && JSON.parse(event.data).name === name && JSON.parse(event.data).operation === 'apply',
    );

  it('delivers every entry once, in order, while 20 applies run concurrently', async () => {
    const stream = await openFollow(suite.server, '?after=0');
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    const applies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        apply(suite.server, [device(`f-${i}-a`), device(`f-${i}-b`), device(`f-${i}-c`)]),
      ),
    );
    for (const result of applies) expect(result.status).toBe(200);
    // Other writers (reconcilers' status entries) may append too: every entry up to the head counts.
    const head = await headSeq();
    expect(head).toBeGreaterThanOrEqual(60);
    await stream.until(() => stream.seqs().length >= head);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const seqs = stream.seqs();
    expect(seqs.slice(0, head)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(contiguous(seqs, 1)).toBe(true);
    const entries = stream.events
      .filter((event) => event.data)
      .map((event) => JSON.parse(event.data as string));
    expect(entries.filter((entry) => entry.operation === 'apply')).toHaveLength(60);
    const ids = stream.events.filter((event) => event.data).map((event) => Number(event.id));
    expect(ids).toEqual(seqs);
    await stream.close();
  });

  it('resumes after Last-Event-ID (EventSource reconnects) and after=SEQ', async () => {
    const byHeader = await openFollow(suite.server, '?after=0', { 'last-event-id': '55' });
    await byHeader.until(() => byHeader.seqs().length >= 5);
    expect(byHeader.seqs().slice(0, 5)).toEqual([56, 57, 58, 59, 60]);
    await byHeader.close();

    const byQuery = await openFollow(suite.server, '?after=58');
    await byQuery.until(() => byQuery.seqs().length >= 2);
    expect(byQuery.seqs().slice(0, 2)).toEqual([59, 60]);
    await apply(suite.server, [device('f-late')]);
    await byQuery.until((events) => applied(events, 'f-late'));
    expect(contiguous(byQuery.seqs(), 59)).toBe(true);
    await byQuery.close();
  });

  it('starts at the head without `after`, and refuses a bad one with a Status', async () => {
    const fromNow = await openFollow(suite.server, '');
    await fromNow.until((events) => events.length >= 1);
    const head = await headSeq();
    await apply(suite.server, [device('f-now')]);
    await fromNow.until((events) => applied(events, 'f-now'));
    expect(fromNow.seqs()[0]).toBeGreaterThan(0);
    expect(fromNow.seqs()[0]).toBeLessThanOrEqual(head + 1);
    expect(contiguous(fromNow.seqs(), fromNow.seqs()[0])).toBe(true);
    await fromNow.close();

    const bad = await fetch(`${suite.server.url}/api/v1/journal/follow?after=-1`, {
      headers: authHeaders(suite.server),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('reports a gap that never fills (a deleted entry) once, and goes on', async () => {
    const head = await headSeq();
    await suite.server.services.db.knex.raw(
      "DELETE FROM journal_entries WHERE tenant = 'default' AND seq = ?",
      [head - 1],
    );
    const stream = await openFollow(suite.server, `?after=${head - 3}`);
    await stream.until(() => stream.seqs().length >= 2, 10_000);
    expect(stream.seqs().slice(0, 2)).toEqual([head - 2, head]);
    expect(stream.events.map((event) => event.comment).filter(Boolean)).toContainEqual(
      `entries ${head - 1} to ${head - 1} are missing (run verify)`,
    );
    // Left open: afterAll's close must end it.
  });
});
