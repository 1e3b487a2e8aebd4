import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.js';

describe('GroupCommit', () => {
  it('commits the first item at once and the items arriving meanwhile together, each settled after its commit', async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(async (items) => {
      commits.push(items);
      if (commits.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const settled: number[] = [];
    const first = group.submit(0).then(() => settled.push(0));
    const rest = [1, 2, 3].map((item) => group.submit(item).then(() => settled.push(item)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(commits).toEqual([[0]]);
    expect(settled).toEqual([]); // nobody is answered before the commit
    release();
    await Promise.all([first, ...rest]);
    expect(commits).toEqual([[0], [1, 2, 3]]);
    expect(settled).toEqual([0, 1, 2, 3]);
  });

  it('bounds a batch', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number>(async (items) => {
      sizes.push(items.length);
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => group.submit(item)));
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('a failing item fails alone: its batch is retried one by one', async () => {
    let block: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (block = resolve));
    const group = new GroupCommit<string>(async (items) => {
      if (items[0] === 'first') await blocked;
      if (items.includes('bad')) throw new Error('bad item');
    });
    const outcomes = ['first', 'a', 'bad', 'b'].map((item) =>
      group.submit(item).then(
        () => 'ok',
        (error: Error) => error.message,
      ),
    );
    block();
    expect(await Promise.all(outcomes)).toEqual(['ok', 'ok', 'bad item', 'ok']);
  });
});
