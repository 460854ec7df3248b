// The scorer alone, one core: the ceiling the HTTP server is compared with (HTTP efficiency = server req/s ÷ this).
// `node bench/score-alone.mjs [seconds]` scores the bench's request mix (fresh ids, 5,000 customers, 10,000 terminals,
// random amounts, timestamped now) with the SDK's scorer on the default bundle (js backend, history in memory,
// every transaction recorded as the server does): one transaction at a time with SHAP, without SHAP, and batches of
// 1,000 without SHAP. No HTTP, JSON, validation beyond the scorer's, storage or event bus. Each mode warms up for a
// second, then runs for `seconds` (default 5). Prints {"shap": tx/s, "plain": tx/s, "batch": tx/s}.
import { createScorer, directorySource, MemoryHistoryStore } from '@fraudscore/sdk';
import { DEFAULT_BUNDLE } from '../dist/config.js';
import { transactionMix } from './mix.mjs';

const seconds = Number(process.argv[2] ?? 5);
const scorer = await createScorer({
  bundle: directorySource(DEFAULT_BUNDLE),
  backend: 'js',
  history: (spec) => new MemoryHistoryStore(spec),
  cache: false,
  onWarning: () => {},
});

const transaction = transactionMix('alone');

/** Transactions per second of `step` (which scores `size` transactions) over `seconds` after a 1 s warm-up. */
async function rate(step, size) {
  for (const until = performance.now() + 1000; performance.now() < until;) await step();
  let done = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    await step();
    done += size;
  }
  return Math.round(done / ((performance.now() - t0) / 1000));
}

const shap = await rate(() => scorer.score(transaction(), { explain: true, record: true }), 1);
const plain = await rate(() => scorer.score(transaction(), { explain: false, record: true }), 1);
const batch = await rate(
  () => scorer.scoreBatch(Array.from({ length: 1000 }, transaction), { explain: false, record: true }),
  1000,
);
process.stdout.write(`${JSON.stringify({ shap, plain, batch })}\n`);
