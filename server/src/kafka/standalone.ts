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
}

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
    storage: createMemoryStorage(),
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
