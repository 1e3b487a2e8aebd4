/** The order cases both work queues are held to (in-process and BullMQ): the same keys, the same order. */
export const rollouts = (key: string) => key.split('/')[1] === 'Rollout';

export const ORDER_CASES: Array<{
  name: string;
  keys: string[];
  isUrgent?: (key: string) => boolean;
  expected: string[];
}> = [
  {
    name: 'handles distinct keys first in, first out',
    keys: ['t/Device/a', 't/Rollout/r', 't/Device/b', 't/Device/a'],
    expected: ['t/Device/first', 't/Device/a', 't/Rollout/r', 't/Device/b'],
  },
  {
    name: 'takes keys of urgent kinds before the others waiting, in their own order',
    keys: ['t/Device/a', 't/Device/b', 't/Rollout/r1', 't/Device/c', 't/Rollout/r2'],
    isUrgent: rollouts,
    expected: ['t/Device/first', 't/Rollout/r1', 't/Rollout/r2', 't/Device/a', 't/Device/b', 't/Device/c'],
  },
];
