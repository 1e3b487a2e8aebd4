import { describe, expect, it } from 'vitest';
import { InMemoryReplayGuard, ReplayGuardFullError } from '../../src/federation/replay-guard.js';

describe('InMemoryReplayGuard', () => {
  it('answers true the first time and false while the id is remembered', async () => {
    let now = 1_000;
    const guard = new InMemoryReplayGuard({ now: () => now });
    expect(await guard.remember('a', 2_000)).toBe(true);
    expect(await guard.remember('a', 2_000)).toBe(false);
    now = 1_999;
    expect(await guard.remember('a', 2_000)).toBe(false);
    now = 2_000;
    expect(await guard.remember('a', 3_000)).toBe(true);
  });

  it('sweeps expired ids when full and refuses, rather than forgets, when all are live', async () => {
    let now = 0;
    const guard = new InMemoryReplayGuard({ capacity: 2, now: () => now });
    await guard.remember('a', 100);
    await guard.remember('b', 500);
    await expect(guard.remember('c', 500)).rejects.toBeInstanceOf(ReplayGuardFullError);
    expect(await guard.remember('a', 100)).toBe(false);
    now = 100;
    expect(await guard.remember('c', 500)).toBe(true);
    expect(guard.size).toBe(2);
    expect(await guard.remember('b', 500)).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new InMemoryReplayGuard({ capacity: 0 })).toThrow(RangeError);
  });
});
