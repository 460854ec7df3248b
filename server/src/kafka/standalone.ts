// A processor with its own scoring service (edge MemoryStorage, the given bundle): what the child processes of the
// tests and the benchmark run. The feature history is in memory, or shared on Redis with `redis` (REDIS_URL), as
// several processors of one group need. The server wires the pipeline to its own service instead.
import {
  createInProcessEventBus,
  createMemoryStorage,
  createScoringService,
  memoryHistory,
  Registry,
  type ScoringService,
} from '@fraudscore/edge';
import { compileSpec, createScorer, directorySource, MemoryHistoryStore, type Scorer } from '@fraudscore/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BUNDLE } from '../config.js';
import { SharedState } from '../redis/index.js';

export interface StandaloneScoring {
  service: ScoringService;
  scorer: Scorer;
  registry: Registry;
  /** With `redis`: the shared state (closed by close()). */
  shared: SharedState | undefined;
  close(): Promise<void>;
}

export interface StandaloneOptions {
  /** Shared feature history on Redis (REDIS_URL, REDIS_PREFIX); default in memory. */
  redis?: { url: string; prefix: string } | undefined;
  /** Scored records kept in memory for idempotency (default DEFAULT_STORED_RECORDS): a message consumed again
   * within them (a rolled-back batch, a duplicate send) is answered from its record; older ones are scored as new. */
  storedRecords?: number | undefined;
}

/** 100,000 records: several minutes of a saturated processor, far more than a rolled-back batch re-consumes (at most
 * 5,000 per batch and 20,000 fetched ahead); about 120 MB of heap (1.2 kB per record). */
export const DEFAULT_STORED_RECORDS = 100_000;

export async function createStandaloneScoring(
  bundle: string = DEFAULT_BUNDLE,
  clock: () => number = Date.now,
  options: StandaloneOptions = {},
): Promise<StandaloneScoring> {
  const source = directorySource(bundle);
  const scorer = await createScorer({
    bundle: source,
    backend: 'js',
    history: options.redis ? false : (spec) => new MemoryHistoryStore(spec, { clock }),
    cache: false,
    onWarning: () => {},
  });
  const shared =
    options.redis &&
    (await SharedState.open({
      ...options.redis,
      spec: compileSpec(JSON.parse(readFileSync(join(bundle, 'features.json'), 'utf8'))),
      clock,
    }));
  const service = createScoringService({
    model: scorer,
    history: shared ? shared.history : memoryHistory(scorer.history as MemoryHistoryStore),
    // Bounded: unbounded, a processor running for days grows with every transaction it scores.
    storage: createMemoryStorage({ maxRecords: options.storedRecords ?? DEFAULT_STORED_RECORDS }),
    bus: createInProcessEventBus(),
    clock,
  });
  return {
    service,
    scorer,
    registry: new Registry(),
    shared: shared || undefined,
    close: async () => {
      await shared?.close();
      await scorer.dispose();
    },
  };
}
