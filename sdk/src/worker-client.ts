// createScorerWorker: the scorer API on the page, running in a Web Worker through comlink.
import { wrap, type Remote } from 'comlink';
import { ValidationError } from './errors.js';
import type { CheckOptions, ModelInfo, ScoreOptions, ScoreResult, ScorerOptions } from './scorer.js';
import type { Transaction } from './transaction.js';
import type { WorkerApi } from './worker.js';
import { installErrorTransfer } from './worker-errors.js';

/** Scorer options that can cross to a worker: a bundle URL, and history as 'indexeddb' | 'memory' | false. */
export type WorkerScorerOptions = Omit<ScorerOptions, 'bundle' | 'history' | 'cache' | 'onWarning' | 'clock'> & {
  bundle: string;
  history?: 'indexeddb' | 'memory' | false;
  /** A worker running this package's worker module; by default one is started from it. */
  worker?: Worker;
};

export interface WorkerScorer {
  readonly model: ModelInfo;
  score(tx: Transaction, options?: ScoreOptions): Promise<ScoreResult>;
  scoreBatch(txs: Transaction[], options?: ScoreOptions): Promise<ScoreResult[]>;
  record(tx: Transaction, options?: CheckOptions): Promise<void>;
  reload(bundle?: string): Promise<ModelInfo>;
  dispose(): Promise<void>;
}

export async function createScorerWorker(options: WorkerScorerOptions): Promise<WorkerScorer> {
  if (typeof Worker !== 'function' && !options.worker)
    throw new ValidationError('worker', 'Web Workers are not available here: use createScorer instead');
  installErrorTransfer();
  const { worker: given, ...scorerOptions } = options;
  const worker = given ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const remote: Remote<WorkerApi> = wrap<WorkerApi>(worker);
  let model: ModelInfo;
  try {
    model = await remote.init({
      ...scorerOptions,
      bundle: new URL(scorerOptions.bundle, globalThis.location?.href).href,
    });
  } catch (error) {
    worker.terminate(); // a failed start leaves no worker behind
    throw error;
  }
  return {
    get model() {
      return model;
    },
    score: (tx, scoreOptions) => remote.score(tx, scoreOptions),
    scoreBatch: (txs, scoreOptions) => remote.scoreBatch(txs, scoreOptions),
    record: (tx, options) => remote.record(tx, options),
    reload: async (bundle) => (model = await remote.reload(bundle)),
    dispose: async () => {
      await remote.dispose();
      worker.terminate();
    },
  };
}
