import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/store/single-flight.js';

describe('SingleFlight', () => {
  it('gives callers arriving while a read is in flight that read, and starts anew after it', async () => {
    const flight = new SingleFlight<number>();
    let reads = 0;
    let release: (value: number) => void = () => undefined;
    const read = () => {
      reads += 1;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    };
    const first = flight.run('ca/a', read);
    const second = flight.run('ca/a', read);
    const other = flight.run('ca/b', async () => 7);
    expect(reads).toBe(1);
    release(1);
    expect(await Promise.all([first, second, other])).toEqual([1, 1, 7]);
    const third = flight.run('ca/a', read);
    expect(reads).toBe(2);
    release(2);
    expect(await third).toBe(2);
  });

  it('shares a failure with the callers in flight, and does not remember it', async () => {
    const flight = new SingleFlight<string>();
    let fail = true;
    const read = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new Error('not found');
      return 'found';
    };
    const results = await Promise.allSettled([flight.run('k', read), flight.run('k', read)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await flight.run('k', read)).toBe('found');
  });
});
