// Browser half of the deep-pair benchmark: the bench drives it step by step (window.__deep) and measures the
// page's memory between steps. The explainer gets the browser's default budget (DEFAULT_MAX_BYTES: 2 MiB per model).
import { DEFAULT_MAX_BYTES, parseTrees, TreeExplainer } from '@fraudscore/sdk/trees';

let text;
let ensembles;
let explainer;
let rows;
const models = ['lightgbm', 'xgboost'];

/** Publishes the steps (a function, not top-level code: the SDK's package.json marks its modules side-effect free). */
export function start() {
  window.__deep = steps;
  window.__deepReady = true;
}

const steps = {
  async fetch() {
    text = await (await fetch('./deep/trees.json')).text();
    rows = (await (await fetch('./deep/rows.json')).json()).map((r) => Float64Array.from(r, (v) => v ?? NaN));
    return { bytes: text.length };
  },
  parse() {
    const started = performance.now();
    ensembles = parseTrees(JSON.parse(text));
    text = undefined;
    return { ms: performance.now() - started };
  },
  build() {
    const started = performance.now();
    explainer = new TreeExplainer(ensembles);
    const ms = performance.now() - started;
    return {
      ms,
      budget: DEFAULT_MAX_BYTES,
      usage: Object.fromEntries(models.map((name) => [name, explainer.usage(name)])),
    };
  },
  explain() {
    const out = new Float64Array(ensembles.features.length);
    const msPerRow = {};
    for (const name of models) {
      for (const row of rows.slice(0, 3)) explainer.explain(name, row, out); // warm-up
      const started = performance.now();
      for (const row of rows) explainer.explain(name, row, out);
      msPerRow[name] = (performance.now() - started) / rows.length;
    }
    return msPerRow;
  },
};
