/** The BullMQ queue's order on a real Redis: urgent kinds first (as the in-process queue), then FIFO. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BullQueue } from '../../src/engine/queue/bullmq-queue.js';
import { REDIS_URL } from './harness.js';
import { ORDER_CASES } from './queue-order-cases.js';

/** Runs a one-worker queue, recording the order in which keys are handled. */
async function order(keys: string[], isUrgent?: (key: string) => boolean): Promise<string[]> {
  const queue = new BullQueue({
    redisUrl: REDIS_URL,
    prefix: `steward-test-order-${randomUUID()}`,
    concurrency: 1,
    lockDurationMs: 30_000,
    isUrgent,
  });
  const handled: string[] = [];
  let release: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    await queue.start(async (key) => {
      if (key === 't/Device/first') await first;
      handled.push(key);
      return {};
    });
    // The first key holds the only worker while the rest are queued behind it.
    await queue.add(['t/Device/first']);
    while ((await queue.depth()).active === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.add(keys);
    expect((await queue.depth()).waiting).toBe(new Set(keys).size);
    release();
    const deadline = Date.now() + 10_000;
    while (handled.length < new Set(keys).size + 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return handled;
  } finally {
    await queue.obliterate();
    await queue.close();
  }
}

describe('the BullMQ queue', () => {
  it.each(ORDER_CASES)('$name', async ({ keys, isUrgent, expected }) => {
    expect(await order(keys, isUrgent)).toEqual(expected);
  });
});
