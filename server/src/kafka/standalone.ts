// A processor with its own scoring service (edge MemoryStorage, in-memory history, the given bundle): what the
// child processes of the tests and the benchmark run. The server wires the pipeline to its own service instead.
import {
  createInProcessEventBus,
  createMemoryStorage,
  createScoringService,
  Registry,
  type ScoringService,
} from '@fraudscore/edge';
import { createScorer, directorySource, MemoryHistoryStore, type Scorer } from '@fraudscore/sdk';
import { DEFAULT_BUNDLE } from '../config.js';

export interface StandaloneScoring {
  service: ScoringService;
  scorer: Scorer;
  registry: Registry;
}

export async function createStandaloneScoring(
  bundle: string = DEFAULT_BUNDLE,
  clock: () => number = Date.now,
): Promise<StandaloneScoring> {
  const source = directorySource(bundle);
  const scorer = await createScorer({
    bundle: source,
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec, { clock }),
    cache: false,
    onWarning: () => {},
  });
  const service = createScoringService({
    model: scorer,
    history: scorer.history as MemoryHistoryStore,
    storage: createMemoryStorage(),
    bus: createInProcessEventBus(),
    clock,
  });
  return { service, scorer, registry: new Registry() };
}
