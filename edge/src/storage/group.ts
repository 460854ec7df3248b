// Group commit for storage calls: while one call is in flight, the calls that arrive queue up and then run as ONE
// call with all their items. Under load a database gets one multi-row statement instead of one per request; idle,
// a call runs at once (no timer, no added latency). Web-standard: promises only.

/** A function over many items answering one result per item, in order. */
export type ManyFn<T, R> = (items: readonly T[]) => Promise<R[]>;

interface Waiting<T, R> {
  items: readonly T[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Wraps `fn` so concurrent calls merge. `maxItems` bounds one merged call (a single bigger call still runs whole).
 * When a merged call of several callers fails, each caller's items run again on their own, so one caller's bad item
 * fails only that caller; a caller whose own call fails gets its error (none is dropped silently).
 */
export function groupCalls<T, R>(fn: ManyFn<T, R>, maxItems = 2_000): ManyFn<T, R> {
  let busy = false;
  const queue: Waiting<T, R>[] = [];

  async function runGroup(group: Waiting<T, R>[]): Promise<void> {
    const items = group.length === 1 ? group[0]!.items : group.flatMap((w) => w.items);
    let results: R[];
    try {
      results = await fn(items);
      if (results.length !== items.length)
        throw new Error(`grouped call returned ${results.length} results for ${items.length} items`);
    } catch (error) {
      if (group.length === 1) group[0]!.reject(error);
      else for (const w of group) await runGroup([w]);
      return;
    }
    let offset = 0;
    for (const w of group) {
      w.resolve(results.slice(offset, offset + w.items.length));
      offset += w.items.length;
    }
  }

  /** Takes queued callers up to maxItems (at least one). */
  function nextGroup(): Waiting<T, R>[] {
    const group: Waiting<T, R>[] = [queue.shift()!];
    let count = group[0]!.items.length;
    while (queue.length > 0 && count + queue[0]!.items.length <= maxItems) {
      count += queue[0]!.items.length;
      group.push(queue.shift()!);
    }
    return group;
  }

  async function drain(): Promise<void> {
    busy = true;
    while (queue.length > 0) await runGroup(nextGroup());
    busy = false;
  }

  return (items) => {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!busy) void drain();
    });
  };
}
