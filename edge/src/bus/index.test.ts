import { describe, expect, it } from 'vitest';
import type { ScoredTransaction } from '../storage/index.js';
import { createInProcessEventBus, type EdgeEvent } from './index.js';

const transaction = { id: 'a' } as ScoredTransaction;

describe('in-process event bus', () => {
  it('delivers to subscribers by type, survives failing listeners, unsubscribes', async () => {
    const errors: unknown[] = [];
    const bus = createInProcessEventBus({ onListenerError: (e) => void errors.push(e) });
    const all: EdgeEvent[] = [];
    const alerts: EdgeEvent[] = [];
    const off = bus.subscribe((e) => void all.push(e));
    bus.subscribe((e) => void alerts.push(e), ['alert']);
    bus.subscribe(() => {
      throw new Error('boom');
    });
    await bus.publish({ type: 'scored', transaction });
    await bus.publish({ type: 'alert', transaction });
    expect(all.map((e) => e.type)).toEqual(['scored', 'alert']);
    expect(alerts.map((e) => e.type)).toEqual(['alert']);
    expect(errors).toHaveLength(2);
    off();
    await bus.publish({ type: 'labelled', transaction });
    expect(all).toHaveLength(2);
  });
});
