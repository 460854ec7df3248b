// The built-in demo stream: simulated card transactions (seeded, @fraudscore/simulator) sent to the stream (the server
// passes `submit`: transactions_raw, scored by the processor) or scored through the edge's
// scoring service at a steady rate, and labelled later by a fake analyst, so scores, alerts, labels, terminal risk
// and drift all move on a fresh server.
//
// Time: the simulator's customers spend a few times a day; the stream plays them back much faster (each transaction
// is stamped with the moment it is scored), so a customer's windows fill faster than in the training data. That is
// a demo, not a benchmark: expect the drift page to show it.
//
// Backpressure: one timer chain, the next tick is scheduled only when the current one is done, so at most one batch
// is ever in flight; a slow tick does not pile up work (the budget is capped at one second's worth).
import { Random, simulate, type Transaction as SimulatedTransaction } from '@fraudscore/simulator';
import { isAlert, type EventBus, type ScoredTransaction, type ScoringService } from '@fraudscore/edge';
import { errorFields, silentLogger, type Logger } from './log.js';

/** A transaction as the demo sends it. */
export interface DemoTransaction {
  id: string;
  customerId: string;
  terminalId: string;
  amount: number;
  timestamp: number;
}

export interface DemoOptions {
  /** Labels go to the service; so do the transactions unless `submit` is given. */
  service: ScoringService;
  /**
   * Sends transactions to be scored elsewhere (the stream's transactions_raw); the demo then learns their scores from
   * `bus` (the edge's event bus carries every scored transaction). Without it the demo calls the service directly.
   */
  submit?: (txs: readonly DemoTransaction[]) => Promise<void>;
  bus?: EventBus;
  /** Transactions per second. */
  rate: number;
  /** Simulator seed (default 42); the stream is deterministic apart from timestamps. */
  seed?: number;
  /** Simulated population (default 1,000 customers, 2,000 terminals). */
  customers?: number;
  terminals?: number;
  /** Epoch ms (default Date.now). */
  clock?: () => number;
  /** Tick period in ms (default 200). */
  tickMs?: number;
  /** How long after scoring the analyst labels a transaction (default 30 s). */
  labelDelayMs?: number;
  /** Share of legitimate transactions outside alerts that the analyst also labels (default 0.05). */
  legitimateLabelShare?: number;
  /** Prefix of the transaction ids (default `demo-<start time in base 36>`, unique per run). */
  idPrefix?: string;
  logger?: Logger;
}

export interface DemoStats {
  scored: number;
  frauds: number;
  alerts: number;
  labelled: number;
  pendingLabels: number;
  errors: number;
}

export interface Demo {
  readonly stats: Readonly<DemoStats>;
  start(): void;
  /** Stops the timer and waits for the batch in flight, if any; pending labels are dropped. */
  stop(): Promise<void>;
}

interface PendingLabel {
  id: string;
  label: 'fraud' | 'legitimate';
  dueAt: number;
}

export const DEMO_ANALYST = 'demo-analyst';

export function createDemo(options: DemoOptions): Demo {
  const { service, rate } = options;
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`demo rate must be > 0, got ${rate}`);
  const clock = options.clock ?? Date.now;
  const tickMs = options.tickMs ?? 200;
  const labelDelayMs = options.labelDelayMs ?? 30_000;
  const legitimateShare = options.legitimateLabelShare ?? 0.05;
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? 42;
  const idPrefix = options.idPrefix ?? `demo-${clock().toString(36)}`;
  const maxBatch = Math.max(1, Math.min(1000, Math.ceil(rate)));
  const analystRandom = new Random(seed, 101);

  let generation = 0;
  let source = newSource();
  const pending: PendingLabel[] = [];
  const stats: DemoStats = { scored: 0, frauds: 0, alerts: 0, labelled: 0, pendingLabels: 0, errors: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let running = false;
  let startedAt = 0;
  let sent = 0;

  function newSource(): Generator<SimulatedTransaction, void, undefined> {
    return simulate({
      seed: seed + generation,
      customers: options.customers ?? 1000,
      terminals: options.terminals ?? 2000,
      days: 3650,
    });
  }

  function nextSimulated(): SimulatedTransaction {
    for (;;) {
      const step = source.next();
      if (!step.done) return step.value;
      generation += 1;
      source = newSource();
    }
  }

  /** Counts a scored transaction and decides whether (and how) the analyst will label it. */
  function observe(record: ScoredTransaction, fraud: boolean): void {
    stats.scored += 1;
    const alert = isAlert(record.riskLevel);
    if (fraud) stats.frauds += 1;
    if (alert) stats.alerts += 1;
    // Frauds get reported (chargebacks), alerts get reviewed, a few others are checked at random.
    if (fraud || alert || analystRandom.nextFloat() < legitimateShare) {
      pending.push({ id: record.id, label: fraud ? 'fraud' : 'legitimate', dueAt: clock() + labelDelayMs });
    }
  }

  // Submitted transactions awaiting their score on the bus: id → fraud flag and when it was sent.
  const awaiting = new Map<string, { fraud: boolean; sentAt: number }>();
  const AWAIT_MS = 5 * 60_000;
  let unsubscribe: (() => void) | undefined;

  async function scoreSome(count: number): Promise<void> {
    const now = clock();
    const simulated = Array.from({ length: count }, nextSimulated);
    const txs: DemoTransaction[] = simulated.map((s) => ({
      id: `${idPrefix}-${generation}-${s.TRANSACTION_ID}`,
      customerId: `C${s.CUSTOMER_ID}`,
      terminalId: `T${s.TERMINAL_ID}`,
      amount: s.TX_AMOUNT,
      timestamp: now,
    }));
    if (options.submit && options.bus) {
      txs.forEach((tx, i) => awaiting.set(tx.id, { fraud: simulated[i]?.TX_FRAUD === 1, sentAt: now }));
      for (const [id, entry] of awaiting) {
        if (now - entry.sentAt <= AWAIT_MS) break; // insertion order = send order
        awaiting.delete(id);
      }
      await options.submit(txs);
      return;
    }
    const results = await service.scoreBatch(txs, { explain: true });
    results.forEach((r, i) => observe(r, simulated[i]?.TX_FRAUD === 1));
  }

  async function labelDue(): Promise<void> {
    const now = clock();
    while (pending.length > 0 && pending[0]!.dueAt <= now && running) {
      const item = pending.shift()!;
      try {
        await service.label(item.id, { label: item.label, analyst: DEMO_ANALYST });
        stats.labelled += 1;
      } catch (error) {
        stats.errors += 1;
        logger.warn('demo.label_failed', errorFields(error));
      }
    }
  }

  async function tick(): Promise<void> {
    const now = clock();
    let due = Math.floor(((now - startedAt) / 1000) * rate) - sent;
    if (due > maxBatch) {
      // Behind (slow scoring or a paused process): drop the backlog instead of bursting to catch up.
      sent += due - maxBatch;
      due = maxBatch;
    }
    if (due > 0) {
      sent += due;
      try {
        await scoreSome(due);
      } catch (error) {
        stats.errors += 1;
        logger.warn('demo.score_failed', errorFields(error));
      }
    }
    await labelDue();
    stats.pendingLabels = pending.length;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      current = tick().finally(() => {
        current = undefined;
        schedule();
      });
    }, tickMs);
  }

  return {
    stats,
    start() {
      if (running) return;
      running = true;
      startedAt = clock();
      sent = 0;
      unsubscribe = options.bus?.subscribe(
        (event) => {
          const entry = awaiting.get(event.transaction.id);
          if (!entry) return;
          awaiting.delete(event.transaction.id);
          observe(event.transaction, entry.fraud);
        },
        ['scored'],
      );
      logger.info('demo.started', { rate, seed });
      schedule();
    },
    async stop() {
      if (!running) return;
      running = false;
      unsubscribe?.();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await current;
      stats.pendingLabels = pending.length;
      logger.info('demo.stopped', {
        scored: stats.scored,
        labelled: stats.labelled,
        dropped_labels: pending.length,
        errors: stats.errors,
      });
    },
  };
}
