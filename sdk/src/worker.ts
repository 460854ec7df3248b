// Runs a scorer inside a Web Worker and exposes it with comlink, so scoring never blocks the page.
import { expose } from 'comlink';
import { createScorer, type CheckOptions, type Scorer, type ScorerOptions, type ScoreOptions } from './scorer.js';
import type { Transaction } from './transaction.js';
import { installErrorTransfer } from './worker-errors.js';

/** What the page's proxy can call; options and results are structured-cloneable. */
export interface WorkerApi {
  init(options: ScorerOptions): Promise<Scorer['model']>;
  score(tx: Transaction, options?: ScoreOptions): ReturnType<Scorer['score']>;
  scoreBatch(txs: Transaction[], options?: ScoreOptions): ReturnType<Scorer['scoreBatch']>;
  record(tx: Transaction, options?: CheckOptions): Promise<void>;
  reload(bundle?: string): Promise<Scorer['model']>;
  dispose(): Promise<void>;
}

let scorer: Scorer | undefined;
const ready = (): Scorer => {
  if (!scorer) throw new Error('the worker scorer is not initialised: call init(options) first');
  return scorer;
};

const api: WorkerApi = {
  async init(options) {
    await scorer?.dispose();
    scorer = await createScorer(options);
    return scorer.model;
  },
  score: (tx, options) => ready().score(tx, options),
  scoreBatch: (txs, options) => ready().scoreBatch(txs, options),
  record: (tx, options) => ready().record(tx, options),
  reload: (bundle) => ready().reload(bundle),
  dispose: async () => {
    await scorer?.dispose();
    scorer = undefined;
  },
};

installErrorTransfer();
expose(api);
