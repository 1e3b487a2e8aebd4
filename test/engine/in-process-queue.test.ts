/** The in-process queue's order: FIFO of distinct keys, urgent kinds first, a key busy is run again after. */
import { describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/engine/queue/in-process-queue.js';

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
  it('handles distinct keys first in, first out', async () => {
    expect(await order(['t/Device/a', 't/Rollout/r', 't/Device/b', 't/Device/a'])).toEqual([
      't/Device/first',
      't/Device/a',
      't/Rollout/r',
      't/Device/b',
    ]);
  });

  it('takes keys of urgent kinds before the others waiting, in their own order', async () => {
    const rollouts = (key: string) => key.split('/')[1] === 'Rollout';
    expect(
      await order(['t/Device/a', 't/Device/b', 't/Rollout/r1', 't/Device/c', 't/Rollout/r2'], rollouts),
    ).toEqual(['t/Device/first', 't/Rollout/r1', 't/Rollout/r2', 't/Device/a', 't/Device/b', 't/Device/c']);
  });
});
