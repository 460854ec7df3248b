// The feature history of one process, kept by the data's time: its clock is the newest transaction time it was given,
// so retention (the spec's longest look-back plus a margin) is counted back from the data, not from the wall clock.
// Live, the two agree; a restart on a store back-filled with 2018 history, or a back-fill itself, keeps the 2018
// windows instead of pruning them as weeks-old.
import {
  MemoryHistoryStore,
  type CompiledSpec,
  type MemoryHistoryStoreOptions,
  type NormalizedTransaction,
} from '@fraudscore/sdk';

export class DataTimeHistoryStore extends MemoryHistoryStore {
  private readonly time: { newest: number };

  constructor(spec: CompiledSpec, options: Omit<MemoryHistoryStoreOptions, 'clock'> = {}) {
    const time = { newest: -Infinity };
    super(spec, { ...options, clock: () => time.newest });
    this.time = time;
  }

  /** The newest transaction time given so far (epoch ms; -Infinity before the first). */
  get newest(): number {
    return this.time.newest;
  }

  override add(tx: NormalizedTransaction): boolean {
    if (tx.timestamp > this.time.newest) this.time.newest = tx.timestamp;
    return super.add(tx);
  }
}
