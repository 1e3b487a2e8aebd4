import { describe, expect, it } from 'vitest';
import {
  type AppendRefusals,
  DenialBudget,
  type DenialWindow,
  decideDenial,
  summaryRecords,
  windowClosed,
} from '../../src/auth/denial-budget.js';
import type { JournalRecord } from '../../src/journal/link.js';

const limits = { budget: 3, windowMs: 60_000 };

function window(answered: number, kinds: string[] = [], startMs = 0): DenialWindow {
  return { startMs, answered, kinds: new Map(kinds.map((kind) => [kind, 0])), refused: 0 };
}

describe('decideDenial', () => {
  it.each([
    ['the first denial of a window is journaled', window(0), 'A', 10, { action: 'journal' }],
    ['a new kind within the budget is journaled', window(1, ['A']), 'B', 10, { action: 'journal' }],
    ['a repeated kind is counted, not journaled', window(1, ['A']), 'A', 10, { action: 'count' }],
    ['the last denial of the budget is still answered', window(2, ['A']), 'A', 10, { action: 'count' }],
    [
      'past the budget: refused until the window closes',
      window(3, ['A']),
      'B',
      15_000,
      { action: 'refuse', retryAfterMs: 45_000 },
    ],
    [
      'past the budget in the window’s last millisecond: retry after 1 ms',
      window(3, ['A']),
      'A',
      59_999,
      { action: 'refuse', retryAfterMs: 1 },
    ],
  ])('%s', (_name, state, kind, now, expected) => {
    expect(decideDenial(state, kind, now, limits)).toEqual(expected);
  });

  it.each([
    [0, false],
    [59_999, false],
    [60_000, true],
    [-1, true], // a clock that went back: a fresh window rather than a stuck one
  ])('a window from 0 is closed at %i ms: %s', (now, closed) => {
    expect(windowClosed(window(0), now, limits)).toBe(closed);
  });
});

describe('summaryRecords', () => {
  it('answers one entry per kind repeated and one for the refusals, none for kinds not repeated', () => {
    const state: DenialWindow = {
      startMs: Date.parse('2026-06-01T00:00:00Z'),
      answered: 3,
      kinds: new Map([
        ['GET /a: no', 2],
        ['GET /b: no', 0],
      ]),
      refused: 7,
    };
    expect(summaryRecords(state, limits)).toEqual([
      {
        operation: 'auth.deny',
        result: 'denied',
        reason: 'GET /a: no (repeated 2 more times in the 60 s from 2026-06-01T00:00:00.000Z)',
      },
      {
        operation: 'auth.deny',
        result: 'throttled',
        reason:
          '7 further denials answered 429 in the 60 s from 2026-06-01T00:00:00.000Z: more than 3 denials per credential',
      },
    ]);
    expect(summaryRecords(window(1, ['GET /b: no']), limits)).toEqual([]);
  });
});

describe('DenialBudget', () => {
  const who = { tenant: 't', actor: { type: 'apikey' as const, id: 'k', name: 'k' }, requestId: 'r' };

  function budget(maxKeys = 100) {
    let now = 0;
    const written: JournalRecord[][] = [];
    const append: AppendRefusals = async (_who, records) => {
      written.push(records);
    };
    const denials = new DenialBudget(limits, append, () => now, maxKeys);
    return { denials, written, advance: (ms: number) => (now += ms) };
  }

  it('journals at most budget + 1 entries per credential per window, whatever it sends', async () => {
    const { denials, written, advance } = budget();
    const outcomes = Array.from({ length: 1_000 }, (_, i) => denials.deny('k', who, `kind ${i % 2}`));
    expect(outcomes.filter((outcome) => !outcome.refused)).toHaveLength(3);
    expect(outcomes[3]).toEqual({ refused: true, retryAfterSeconds: 60, budget: 3 });
    advance(60_000);
    denials.flushClosed();
    await denials.settled();
    const entries = written.flat();
    expect(entries.length).toBeLessThanOrEqual(limits.budget + 1);
    expect(entries.map((entry) => entry.reason)).toEqual([
      'kind 0',
      'kind 1',
      expect.stringMatching(/^kind 0 \(repeated 1 more time in the 60 s/),
      expect.stringMatching(/^997 further denials answered 429/),
    ]);
    // The next window has its budget again.
    expect(denials.deny('k', who, 'kind 0').refused).toBe(false);
  });

  it('keeps credentials apart and bounds how many it tracks, flushing the ones it drops', async () => {
    const { denials, written } = budget(2);
    for (const key of ['a', 'a', 'b', 'c']) denials.deny(key, who, 'same');
    expect(denials.size).toBe(2);
    await denials.settled();
    // a's repeat was summarized when a was dropped to make room for c.
    expect(written.flat().map((entry) => entry.reason)).toEqual([
      'same',
      'same',
      expect.stringMatching(/^same \(repeated 1 more time/),
      'same',
    ]);
  });

  it('journals open windows’ summaries when it stops', async () => {
    const { denials, written } = budget();
    denials.deny('k', who, 'x');
    denials.deny('k', who, 'x');
    await denials.stop();
    expect(written.flat()).toHaveLength(2);
    expect(denials.size).toBe(0);
  });
});
