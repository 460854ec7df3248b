// Scores the same transactions with both backends in a Web Worker and publishes the results for the test.
import { createScorerWorker, type ScoreResult, type Transaction } from '@fraudscore/sdk';
import { DEFAULT_MAX_BYTES, parseTrees, TreeExplainer, type ExplainerUsage } from '@fraudscore/sdk/trees';

declare global {
  interface Window {
    __results?: { backend: string; coldStartMs: number; results: ScoreResult[] }[];
    __explainer?: { budget: number; usage: Record<string, ExplainerUsage> };
    __error?: string;
  }
}

async function run(): Promise<void> {
  const transactions = (await (await fetch('./transactions.json')).json()) as Transaction[];
  const runs: NonNullable<Window['__results']> = [];
  for (const backend of ['wasm', 'js'] as const) {
    const started = performance.now();
    const scorer = await createScorerWorker({
      bundle: './bundle/',
      backend,
      history: 'indexeddb',
      wasmPaths: new URL('./ort/', location.href).href,
    });
    const results: ScoreResult[] = [];
    for (const tx of transactions) results.push(await scorer.score(tx, { record: true }));
    runs.push({ backend, coldStartMs: performance.now() - started, results });
    await scorer.dispose();
  }
  const table = document.querySelector('#results')!;
  table.innerHTML =
    '<tr><th>backend</th><th>id</th><th>amount</th><th>probability</th><th>risk</th><th>top factor</th></tr>' +
    runs
      .flatMap((r) =>
        r.results.slice(-6).map((res, i) => {
          const tx = transactions[transactions.length - 6 + i]!;
          return `<tr><td>${r.backend}</td><td>${res.transactionId}</td><td>${tx.amount.toFixed(2)}</td><td>${res.probability.toFixed(4)}</td><td class="${res.riskLevel}">${res.riskLevel}</td><td>${res.topFactors[0]?.feature ?? ''}</td></tr>`;
        }),
      )
      .join('');
  document.querySelector('#status')!.textContent =
    `scored ${transactions.length} transactions with each backend in a Web Worker`;
  // what TreeSHAP precomputes here with the browser's default budget (the scorer in the worker uses the same)
  const explainer = new TreeExplainer(parseTrees(await (await fetch('./bundle/trees.json')).json()));
  window.__explainer = {
    budget: DEFAULT_MAX_BYTES,
    usage: { lightgbm: explainer.usage('lightgbm'), xgboost: explainer.usage('xgboost') },
  };
  window.__results = runs;
}

run().catch((error: unknown) => {
  window.__error = String((error as Error)?.stack ?? error);
  document.querySelector('#status')!.textContent = `failed: ${String(error)}`;
});
