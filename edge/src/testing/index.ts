// Test wiring: a scorer on the given bundle over a fresh all-entity history, a fixed clock, and the app.
// Tests pass the bundle source (the SDK node entry's directorySource) so this file stays web-standard.
import { createScorer, MemoryHistoryStore, type BundleSource, type Scorer } from '@fraudscore/sdk';
import { createEdge, type AppDeps, type EdgeApp } from '../app.js';
import { memoryHistory } from '../service/history.js';

export const FIXED_NOW = Date.parse('2026-03-20T12:00:00Z');

export interface TestEdge extends EdgeApp {
  scorer: Scorer;
  history: MemoryHistoryStore;
  now: { ms: number };
}

export async function createTestEdge(bundle: BundleSource, deps: Partial<AppDeps> = {}): Promise<TestEdge> {
  const now = { ms: FIXED_NOW };
  const clock = (): number => now.ms;
  const scorer = await createScorer({
    bundle,
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec, { clock }),
    cache: false,
    onWarning: () => {},
  });
  const history = scorer.history as MemoryHistoryStore;
  const edge = createEdge({ model: scorer, history: memoryHistory(history), clock, ...deps });
  return { ...edge, scorer, history, now };
}

/** A valid transaction of the default spec. */
export const tx = (id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  customerId: 'c1',
  terminalId: 't1',
  amount: 42.5,
  timestamp: '2026-03-20T10:00:00Z',
  ...overrides,
});
