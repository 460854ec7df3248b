import { describe, expect, it } from 'vitest';
import { groupCalls } from './group.js';

/** A call that resolves when the test says so, recording what it was given. */
function controlled() {
  const calls: { items: readonly number[]; release: () => void; fail: (e: unknown) => void }[] = [];
  const fn = (items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items, release: () => resolve(items.map((x) => x * 10)), fail: reject });
    });
  return { calls, fn };
}

describe('groupCalls', () => {
  it('runs an idle call at once and merges the calls that arrive while it is in flight', async () => {
    const { calls, fn } = controlled();
    const grouped = groupCalls(fn);
    const first = grouped([1]);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const second = grouped([2, 3]);
    const third = grouped([4]);
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    expect(await first).toEqual([10]);
    await Promise.resolve();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.release();
    expect(await second).toEqual([20, 30]);
    expect(await third).toEqual([40]);
    expect(await grouped([])).toEqual([]);
  });

  it('bounds a merged call by maxItems and gives a failure to every caller of that call only', async () => {
    const { calls, fn } = controlled();
    const grouped = groupCalls(fn, 3);
    const a = grouped([1]);
    const b = grouped([2, 3]);
    const c = grouped([4, 5]);
    calls[0]!.release();
    await a;
    await Promise.resolve();
    expect(calls[1]!.items).toEqual([2, 3]);
    calls[1]!.fail(new Error('database down'));
    await expect(b).rejects.toThrow('database down');
    await Promise.resolve();
    expect(calls[2]!.items).toEqual([4, 5]);
    calls[2]!.release();
    expect(await c).toEqual([40, 50]);
  });

  it("runs each caller on its own when a merged call fails: one caller's bad item fails that caller only", async () => {
    let merged = 0;
    const grouped = groupCalls(async (items: readonly number[]) => {
      if (items.length > 1) merged++;
      await Promise.resolve();
      if (items.includes(13)) throw new Error('refused 13');
      return items.map((i) => i * 10);
    });
    const [a, b, c] = await Promise.allSettled([grouped([1]), grouped([2, 13]), grouped([4])]);
    expect(a).toEqual({ status: 'fulfilled', value: [10] });
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('refused 13') });
    expect(c).toEqual({ status: 'fulfilled', value: [40] });
    expect(merged).toBeGreaterThan(0);
  });

  it('refuses a result of the wrong length instead of handing out misaligned results', async () => {
    const grouped = groupCalls(async (items: readonly number[]) => items.slice(1));
    await expect(grouped([1, 2])).rejects.toThrow(/1 results for 2 items/);
  });
});
