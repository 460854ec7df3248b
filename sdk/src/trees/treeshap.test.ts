import { beforeAll, describe, expect, it } from 'vitest';
import { InferenceError, ModelLoadError } from '../errors.js';
import { findLeaf, prepareRow } from './evaluate.js';
import { parseTrees, type TreeEnsembles, type TreeModel } from './model.js';
import { indexPaths } from './linear.js';
import { TreeExplainer } from './treeshap.js';
import { readBundleJson, readConformanceJson } from '../../../test/fixtures.js';

const toRow = (features: (number | null)[]): Float64Array => Float64Array.from(features, (v) => v ?? NaN);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((s, v) => s + v, 0);

type Contribs = { baseValue: number; values: number[] };
interface ShapRow {
  features: (number | null)[];
  lightgbm: Contribs;
  xgboost: Contribs;
  ensemble: Contribs;
  margin: number;
}

let ensembles: TreeEnsembles;
/** The bundle's feature count: rows and SHAP outputs are this wide. */
const width = (): number => ensembles.features.length;
const STRATEGY_OPTIONS = {
  default: {}, // per-leaf tables (tables.ts) within 1 MiB per model, smallest first; the others by Linear TreeSHAP
  tables: { maxTableBytes: Infinity }, // tables for every tree whose tables take <= 128 KiB, the deepest linear
  mixed: { maxTableDepth: 6, maxTableBytes: Infinity }, // more of the LightGBM trees by Linear TreeSHAP
  linear: { maxTableDepth: 0 }, // Linear TreeSHAP only (linear.ts)
  walk: { maxBytes: 0 }, // Algorithm 2 only (walk.ts)
} as const;
const STRATEGIES = ['default', 'tables', 'mixed', 'linear', 'walk'] as const;
type Strategy = (typeof STRATEGIES)[number];
let explainers: Record<Strategy, TreeExplainer>;
let shapDoc: { weights: Record<string, number>; rows: ShapRow[] };
/**
 * Brute force costs 2^n conditional expectations for a tree using n features: the bundle's trees sampled (every
 * BRUTE_STRIDE-th, plus each model's tree with the most features) make an ensemble of their own, explained by every
 * strategy and compared exactly with brute force on every BRUTE_ROW_STRIDE-th row of shap.json.
 */
const BRUTE_STRIDE = 10;
const BRUTE_ROW_STRIDE = 10;
let sample: { ensembles: TreeEnsembles; explainers: Record<Strategy, TreeExplainer> };
const explainersOf = (e: TreeEnsembles): Record<Strategy, TreeExplainer> =>
  Object.fromEntries(STRATEGIES.map((s) => [s, new TreeExplainer(e, STRATEGY_OPTIONS[s])])) as Record<
    Strategy,
    TreeExplainer
  >;

beforeAll(async () => {
  const doc = readBundleJson('trees.json');
  ensembles = parseTrees(doc);
  explainers = explainersOf(ensembles);
  const sampled = parseTrees(sampleTrees(doc, ensembles));
  sample = { ensembles: sampled, explainers: explainersOf(sampled) };
  shapDoc = readConformanceJson('shap.json');
});

/** The trees.json document with, per model, every BRUTE_STRIDE-th tree and the tree using the most features. */
function sampleTrees(doc: { models: { name: string; trees: unknown[] }[] }, full: TreeEnsembles): unknown {
  return {
    ...doc,
    models: doc.models.map((m) => {
      const model = full.model(m.name);
      const widest = Array.from({ length: model.treeCount }, (_, t) => t).reduce((best, t) =>
        featuresOf(model, t).length > featuresOf(model, best).length ? t : best,
      );
      return { ...m, trees: m.trees.filter((_, t) => t % BRUTE_STRIDE === 0 || t === widest) };
    }),
  };
}

/** The distinct features tree t splits on. */
const featuresOf = (m: TreeModel, t: number): number[] => [
  ...new Set(Array.from(m.feature.subarray(m.treeStart[t]!, m.treeStart[t + 1]!)).filter((f) => f >= 0)),
];

/** Brute-force results per model and row index, shared by the strategies. */
const bruteCache = new Map<string, { values: Float64Array; baseValue: number }>();

describe.each(STRATEGIES)('TreeSHAP (%s) on the default bundle, every row of shap.json', (strategy) => {
  const tolerance = { lightgbm: 1e-9, xgboost: 1e-5 } as const;

  it.each(['lightgbm', 'xgboost'] as const)('%s: values, base value and additivity', (name) => {
    const explainer = explainers[strategy];
    const out = new Float64Array(width());
    const worst = { values: 0, base: 0, additivity: 0 };
    for (const r of shapDoc.rows) {
      const row = toRow(r.features);
      const base = explainer.explain(name, row, out);
      worst.values = Math.max(worst.values, maxAbsDiff(out, r[name].values));
      worst.base = Math.max(worst.base, Math.abs(base - r[name].baseValue));
      worst.additivity = Math.max(worst.additivity, Math.abs(base + sum(out) - ensembles.doubleMargin(name, row)));
    }
    expect(worst.values).toBeLessThanOrEqual(tolerance[name]);
    expect(worst.base).toBeLessThanOrEqual(tolerance[name]);
    expect(worst.additivity).toBeLessThanOrEqual(1e-9);
  });

  it('ensemble: values, base value and additivity', () => {
    const explainer = explainers[strategy];
    const out = new Float64Array(width());
    const worst = { values: 0, base: 0, additivity: 0, margin: 0 };
    for (const r of shapDoc.rows) {
      const result = explainer.explainEnsemble(shapDoc.weights, toRow(r.features), out);
      worst.values = Math.max(worst.values, maxAbsDiff(out, r.ensemble.values));
      worst.base = Math.max(worst.base, Math.abs(result.baseValue - r.ensemble.baseValue));
      worst.additivity = Math.max(worst.additivity, Math.abs(result.baseValue + sum(out) - result.doubleMargin));
      worst.margin = Math.max(worst.margin, Math.abs(result.margin - r.margin));
    }
    expect(worst.values).toBeLessThanOrEqual(1e-5);
    expect(worst.base).toBeLessThanOrEqual(1e-5);
    expect(worst.additivity).toBeLessThanOrEqual(1e-9);
    expect(worst.margin).toBe(0);
  });

  it('matches brute-force Shapley values of the path-dependent game on sampled trees (double precision, both models)', () => {
    const explainer = sample.explainers[strategy];
    const out = new Float64Array(width());
    for (const [i, r] of shapDoc.rows.entries()) {
      if (i % BRUTE_ROW_STRIDE !== 0) continue;
      const row = toRow(r.features);
      for (const name of ['lightgbm', 'xgboost']) {
        const model = sample.ensembles.model(name);
        const base = explainer.explain(name, row, out);
        const key = `${name} ${i}`;
        const brute = bruteCache.get(key) ?? bruteForceModel(model, row, width());
        bruteCache.set(key, brute);
        expect(maxAbsDiff(out, brute.values)).toBeLessThan(1e-12);
        expect(Math.abs(base - brute.baseValue)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('TreeExplainer', () => {
  it('is compared with brute force on sampled trees that take every code path of every strategy', () => {
    for (const name of ['lightgbm', 'xgboost']) {
      const full = ensembles.model(name);
      const sampled = sample.ensembles.model(name);
      expect(sampled.treeCount).toBe(Math.ceil(full.treeCount / BRUTE_STRIDE) + 1);
      // the widest tree of the bundle is in the sample: brute force's worst case, checked exactly
      const widest = Math.max(...Array.from({ length: full.treeCount }, (_, t) => featuresOf(full, t).length));
      expect(Math.max(...Array.from({ length: sampled.treeCount }, (_, t) => featuresOf(sampled, t).length))).toBe(
        widest,
      );
    }
    const lightgbm = (s: Strategy) => sample.explainers[s].usage('lightgbm').trees;
    expect(lightgbm('default').tables).toBeGreaterThan(0);
    expect(lightgbm('default').linear).toBeGreaterThan(0); // the widest tree's paths exceed the table depth
    expect(lightgbm('mixed').linear).toBeGreaterThan(lightgbm('default').linear);
    expect(lightgbm('linear').linear).toBe(sample.ensembles.model('lightgbm').treeCount);
    expect(lightgbm('walk').walk).toBe(sample.ensembles.model('lightgbm').treeCount);
  });

  it('uses tables for small trees and Linear TreeSHAP for the others, within its memory budget', () => {
    const usage = (strategy: keyof typeof explainers) => ({
      lightgbm: explainers[strategy].usage('lightgbm'),
      xgboost: explainers[strategy].usage('xgboost'),
    });
    const lightgbmTrees = ensembles.model('lightgbm').treeCount;
    const xgboostTrees = ensembles.model('xgboost').treeCount;
    // the default bundle's trees are small: most LightGBM trees could get tables of <= 128 KiB (16 MB in all)
    const all = usage('tables').lightgbm.trees;
    expect(all.walk).toBe(0);
    expect(all.tables + all.linear).toBe(lightgbmTrees);
    expect(all.tables).toBeGreaterThan(lightgbmTrees / 2);
    expect(usage('tables').lightgbm.tableBytes).toBeGreaterThan(4 * 2 ** 20); // 2^d × d doubles per leaf
    // by default a model's tables stay within 1 MiB, given to the smallest first: all of XGBoost's depth-3 trees,
    // those LightGBM trees the MiB covers when taken by size (more than in the trees' order)
    const standard = usage('default').lightgbm.trees;
    expect(standard.walk).toBe(0);
    expect(standard.tables + standard.linear).toBe(lightgbmTrees);
    expect(usage('default').lightgbm.tableBytes).toBeLessThanOrEqual(2 ** 20);
    expect(usage('default').xgboost.trees).toEqual({ tables: xgboostTrees, linear: 0, walk: 0 });
    const tableSizes = Array.from(indexPaths(ensembles.model('lightgbm')).tableEntries, (entries) => 8 * entries);
    /** How many of the sizes, taken in this order, fit 1 MiB together. */
    const fitting = (sizes: number[]): number => {
      let total = 0;
      return sizes.findIndex((size) => (total += size) > 2 ** 20);
    };
    const inOrder = fitting(tableSizes);
    const bySize = fitting([...tableSizes].sort((a, b) => a - b));
    expect(standard.tables).toBeGreaterThan(inOrder);
    expect(standard.tables).toBeLessThanOrEqual(bySize); // (each leaf's conditions and offsets count too)
    expect(standard.tables).toBeGreaterThan(bySize * 0.8);
    // a lower table depth sends more of the LightGBM trees to Linear TreeSHAP, not all of them
    const mixed = usage('mixed').lightgbm.trees;
    expect(mixed.tables > 0 && mixed.linear > all.linear && mixed.tables + mixed.linear === lightgbmTrees).toBe(true);
    expect(usage('linear').lightgbm.trees).toEqual({ tables: 0, linear: lightgbmTrees, walk: 0 });
    // the index: 4 bytes per node, plus one tree's scratch
    expect(usage('linear').lightgbm.bytes).toBeLessThan(ensembles.model('lightgbm').feature.length * 4 + 8192);
    expect(usage('walk').lightgbm).toEqual({
      bytes: 0,
      tableBytes: 0,
      trees: { tables: 0, linear: 0, walk: lightgbmTrees },
    });
    for (const strategy of STRATEGIES) {
      for (const [name, u] of Object.entries(usage(strategy))) {
        expect(u.bytes, `${strategy} ${name}`).toBeLessThanOrEqual(strategy === 'walk' ? 0 : 32 * 2 ** 20);
      }
    }
    // without the per-tree byte cap, every tree whose paths have at most maxTableDepth (10) features gets tables
    const model = ensembles.model('lightgbm');
    const withinDepth = Array.from({ length: lightgbmTrees }, (_, t) => maxPathFeatures(model, t)).filter(
      (d) => d > 0 && d <= 10,
    ).length;
    expect(withinDepth).toBeGreaterThan(all.tables);
    const uncapped = new TreeExplainer(ensembles, { maxTreeTableBytes: Infinity, maxTableBytes: Infinity });
    expect(uncapped.usage('lightgbm').trees.tables).toBe(withinDepth);
    expect(() => new TreeExplainer(ensembles, { maxTableDepth: 21 })).toThrow(/maxTableDepth must be within 0..20/);
  });

  it('keeps within a small budget: the index first, then tables with what is left, else the walk', () => {
    const index = new TreeExplainer(ensembles, { maxTableDepth: 0 }).usage('lightgbm').bytes;
    const tight = new TreeExplainer(ensembles, { maxBytes: index + 50_000 });
    expect(tight.usage('lightgbm').bytes).toBeLessThanOrEqual(index + 50_000);
    expect(tight.usage('lightgbm').trees.tables).toBeGreaterThan(0);
    const tooSmall = new TreeExplainer(ensembles, { maxBytes: index - 1 });
    expect(tooSmall.usage('lightgbm').trees.linear).toBe(0);
    expect(tooSmall.usage('lightgbm').bytes).toBeLessThan(index);
    const [a, b] = [new Float64Array(width()), new Float64Array(width())];
    for (const r of shapDoc.rows.slice(0, 30)) {
      tight.explain('lightgbm', toRow(r.features), a);
      tooSmall.explain('lightgbm', toRow(r.features), b);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-13);
    }
  });

  it('gives the same values from tables, Linear TreeSHAP and the walk on every row', () => {
    const [a, c] = [new Float64Array(width()), new Float64Array(width())];
    for (const r of shapDoc.rows) {
      for (const name of ['lightgbm', 'xgboost']) {
        explainers.walk.explain(name, toRow(r.features), c);
        for (const strategy of ['default', 'tables', 'linear'] as const) {
          explainers[strategy].explain(name, toRow(r.features), a);
          expect(maxAbsDiff(a, c), strategy).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('is what TreeEnsembles.explain uses (default options, built on first use)', () => {
    const [a, b] = [new Float64Array(width()), new Float64Array(width())];
    const row = toRow(shapDoc.rows[0]!.features);
    expect(ensembles.explain('xgboost', row, a)).toBe(explainers.default.explain('xgboost', row, b));
    expect(a).toEqual(b);
    expect(ensembles.explainEnsemble(shapDoc.weights, row, a)).toEqual(
      explainers.default.explainEnsemble(shapDoc.weights, row, b),
    );
    expect(a).toEqual(b);
  });

  it('rejects bad input widths and unknown models', () => {
    const explainer = explainers.default;
    const row = new Float64Array(width());
    expect(() => explainer.explain('lightgbm', new Float64Array(3), new Float64Array(width()))).toThrow(InferenceError);
    expect(() => explainer.explain('lightgbm', row, new Float64Array(3))).toThrow(`out: expected ${width()} values`);
    expect(() => explainer.explain('gbm', row, new Float64Array(width()))).toThrow(/no model "gbm"/);
    expect(() => explainer.explainEnsemble({}, row, new Float64Array(width()))).toThrow(InferenceError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// brute force: Shapley values over all subsets S of v(S) = E[f(x) | x_S] with the tree's own cover weighting

/** v(S) for one tree: follow the row at splits on features in S, average the children by cover otherwise. */
function conditionalExpectation(m: TreeModel, node: number, x: Float64Array, inS: (f: number) => boolean): number {
  const f = m.feature[node]!;
  if (f < 0) return m.value[node]!;
  const l = m.left[node]!;
  const r = m.right[node]!;
  if (inS(f)) {
    // the row's own direction: the leaf reached from here with only this decision matters, so recurse one step
    const v = x[f]!;
    const t = m.threshold[node]!;
    const goLeft = (m.comparison === '<=' ? v <= t : v < t) || (Number.isNaN(v) && m.missingGoesLeft[node] === 1);
    return conditionalExpectation(m, goLeft ? l : r, x, inS);
  }
  const c = m.cover[node]!;
  return (
    (m.cover[l]! / c) * conditionalExpectation(m, l, x, inS) + (m.cover[r]! / c) * conditionalExpectation(m, r, x, inS)
  );
}

/** Shapley values of tree t by enumerating every subset of the features it uses (v of each subset computed once). */
function bruteForceTree(m: TreeModel, t: number, x: Float64Array, phi: Float64Array): number {
  const used = featuresOf(m, t);
  const n = used.length;
  const bit = new Map(used.map((f, i) => [f, 1 << i]));
  const v = new Float64Array(1 << n);
  for (let mask = 0; mask < 1 << n; mask++)
    v[mask] = conditionalExpectation(m, m.treeStart[t]!, x, (f) => (mask & bit.get(f)!) !== 0);
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const weight = Array.from({ length: n }, (_, size) => (factorial(size) * factorial(n - size - 1)) / factorial(n));
  for (let i = 0; i < n; i++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let b = mask; b; b >>= 1) size += b & 1;
      phi[used[i]!]! += weight[size]! * (v[mask | (1 << i)]! - v[mask]!);
    }
  }
  return v[0]!;
}

/** Brute-force SHAP values and base value of a whole model for a raw row. */
function bruteForceModel(m: TreeModel, row: Float64Array, width: number): { values: Float64Array; baseValue: number } {
  const x = new Float64Array(width);
  prepareRow(m, row, 0, x);
  const values = new Float64Array(width);
  let baseValue = m.baseScore;
  for (let t = 0; t < m.treeCount; t++) baseValue += bruteForceTree(m, t, x, values);
  return { values, baseValue };
}

/** The most distinct features on any root-to-leaf path of tree t (what decides whether it gets tables). */
function maxPathFeatures(m: TreeModel, t: number): number {
  const walk = (node: number, seen: ReadonlySet<number>): number => {
    const f = m.feature[node]!;
    if (f < 0) return seen.size;
    const next = new Set(seen).add(f);
    return Math.max(walk(m.left[node]!, next), walk(m.right[node]!, next));
  };
  return walk(m.treeStart[t]!, new Set());
}

// ---------------------------------------------------------------------------------------------------------------
// hand-made trees

/** A trees.json document with one model of the given trees over features a, b, c. */
function handMade(trees: object[], comparison: '<=' | '<' = '<='): unknown {
  const float32 = comparison === '<';
  return {
    format: 'fraudscore-trees/1',
    features: ['a', 'b', 'c'],
    models: [
      {
        name: 'm',
        library: 'test',
        libraryVersion: '0',
        objective: 'binary',
        baseScore: 0.5,
        inputType: float32 ? 'float32' : 'float64',
        zeroThreshold: null,
        comparison,
        thresholdType: float32 ? 'float32' : 'float64',
        leafType: 'float64',
        sumType: 'float64',
        coverType: 'count',
        trees,
      },
    ],
  };
}

//            a <= 0.5 (10)
//          /               \
//    b <= 1 (6)          b <= 2 (4), NaN left
//    /      \             /      \
//  1 (2)   3 (4)       -2 (1)    5 (3)
const DEPTH2 = {
  feature: [0, 1, -1, -1, 1, -1, -1],
  threshold: [0.5, 1, 0, 0, 2, 0, 0],
  left: [1, 2, -1, -1, 5, -1, -1],
  right: [4, 3, -1, -1, 6, -1, -1],
  missingGoesLeft: [0, 0, 0, 0, 1, 0, 0],
  value: [0, 0, 1, 3, 0, -2, 5],
  cover: [10, 6, 2, 4, 4, 1, 3],
};
// a twice on one path (UNWIND), and c: a <= 0 (8) → [c <= 0 (5) → [a <= -1 (2) → 4 (1) | -4 (1)] | 2 (3)] | -1 (3)
const REPEATED = {
  feature: [0, 2, 0, -1, -1, -1, -1],
  threshold: [0, 0, -1, 0, 0, 0, 0],
  left: [1, 2, 3, -1, -1, -1, -1],
  right: [6, 5, 4, -1, -1, -1, -1],
  missingGoesLeft: [1, 0, 0, 0, 0, 0, 0],
  value: [0, 0, 0, 4, -4, 2, -1],
  cover: [8, 5, 2, 1, 1, 3, 3],
};

describe('TreeSHAP on hand-made trees', () => {
  it('gives the hand-computed Shapley values of a depth-2 tree', () => {
    // row a = 0, b = 0 reaches leaf 1. v({}) = .6·(2/6·1 + 4/6·3) + .4·(1/4·-2 + 3/4·5) = 2.7, v({a}) = 7/3,
    // v({b}) = .6·1 + .4·-2 = -0.2, v({a,b}) = 1  ⇒  φa = ½(7/3 − 2.7 + 1 + 0.2) = 5/12, φb = ½(−0.2 − 2.7 + 1 − 7/3) = −127/60
    for (const options of [{}, { maxTableDepth: 0 }, { maxBytes: 0 }]) {
      const explainer = new TreeExplainer(parseTrees(handMade([DEPTH2])), options);
      const out = new Float64Array(3);
      const base = explainer.explain('m', Float64Array.of(0, 0, 7), out);
      expect(base).toBeCloseTo(0.5 + 2.7, 14);
      expect(out[0]).toBeCloseTo(5 / 12, 14);
      expect(out[1]).toBeCloseTo(-127 / 60, 14);
      expect(out[2]).toBe(0);
    }
  });

  it.each([
    ['depth 2, <=', [DEPTH2], '<='],
    ['repeated feature, <=', [REPEATED], '<='],
    ['both trees, < in float32', [DEPTH2, REPEATED], '<'],
  ] as const)('equals brute force on every kind of row: %s', (_, trees, comparison) => {
    const ensembles = parseTrees(handMade([...trees], comparison));
    const model = ensembles.model('m');
    const out = new Float64Array(3);
    const values = [-2, -1, -0.5, 0, 0.5, 0.5000000001, 1, 2, 3, NaN];
    for (const options of [{}, { maxTableDepth: 0 }, { maxBytes: 0 }]) {
      const explainer = new TreeExplainer(ensembles, options);
      for (const a of values)
        for (const b of values)
          for (const c of [NaN, -1, 0, 1]) {
            const row = Float64Array.of(a, b, c);
            const base = explainer.explain('m', row, out);
            const brute = bruteForceModel(model, row, 3);
            expect(maxAbsDiff(out, brute.values)).toBeLessThan(1e-14);
            expect(base).toBeCloseTo(brute.baseValue, 14);
            expect(base + sum(out)).toBeCloseTo(ensembles.doubleMargin('m', row), 14);
          }
    }
  });

  it('takes the model’s own path: NaN follows missingGoesLeft, float32 rounding before "<"', () => {
    const model = parseTrees(handMade([DEPTH2], '<')).model('m');
    const x = new Float64Array(3);
    prepareRow(model, Float64Array.of(0.5000000001, NaN, 0), 0, x); // rounds to 0.5 in float32: not < 0.5
    expect(findLeaf(model, 0, x)).toBe(5); // right, then NaN goes left
  });

  it('fails loudly on a tree without covers', () => {
    const noCover = { ...DEPTH2, cover: [0, 0, 0, 0, 0, 0, 0] };
    expect(() => new TreeExplainer(parseTrees(handMade([noCover])))).toThrow(ModelLoadError);
    expect(() => new TreeExplainer(parseTrees(handMade([noCover])))).toThrow(/tree 0 node 0: cover 0 is not positive/);
  });
});
