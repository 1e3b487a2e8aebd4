/** The in-process queue's order: FIFO of distinct keys, urgent kinds first, a key busy is run again after. */
import { describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/engine/queue/in-process-queue.js';
import { ORDER_CASES } from './queue-order-cases.js';

/** Runs the queue with one worker, recording the order in which keys are handled. */
async function order(keys: string[], isUrgent?: (key: string) => boolean): Promise<string[]> {
  const handled: string[] = [];
  const queue = new InProcessQueue(1, undefined, isUrgent);
  let release: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = false;
  await queue.start(async (key) => {
    if (!started) {
      started = true;
      await first;
    }
    handled.push(key);
    return {};
  });
  // The first key holds the only worker while the rest are queued behind it.
  await queue.add(['t/Device/first']);
  await queue.add(keys);
  release();
  while (handled.length < new Set(keys).size + 1) await new Promise((resolve) => setTimeout(resolve, 5));
  await queue.close();
  return handled;
}

describe('the in-process queue', () => {
  it.each(ORDER_CASES)('$name', async ({ keys, isUrgent, expected }) => {
    expect(await order(keys, isUrgent)).toEqual(expected);
  });
});
