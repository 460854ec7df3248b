import { beforeAll, describe, expect, it } from 'vitest';
import { InferenceError, ModelLoadError } from '../errors.js';
import { parseTrees, type TreeEnsembles } from './model.js';
import { readBundleJson, readConformanceJson } from '../../../test/fixtures.js';

const toRow = (features: (number | null)[]): Float64Array => Float64Array.from(features, (v) => v ?? NaN);

interface ScoreRow {
  features: (number | null)[];
  margins: Record<'lightgbm' | 'xgboost', { native: number; trees: number }>;
  margin: number;
}

let treesDoc: any;
let ensembles: TreeEnsembles;
let rows: ScoreRow[];

beforeAll(async () => {
  treesDoc = readBundleJson('trees.json');
  ensembles = parseTrees(treesDoc);
  rows = readConformanceJson('scores.json').rows;
});

/** A copy of the default document with `edit` applied to it. */
function edited(edit: (doc: any) => void): unknown {
  const doc = structuredClone(treesDoc);
  edit(doc);
  return doc;
}

describe('parseTrees', () => {
  it('reads the default bundle into flat arrays', () => {
    expect(ensembles.features).toHaveLength(15);
    expect([...ensembles.models.keys()]).toEqual(['lightgbm', 'xgboost']);
    const lgbm = ensembles.model('lightgbm');
    expect(lgbm.treeCount).toBe(300);
    expect(lgbm.treeStart[300]).toBe(lgbm.feature.length);
    expect(ensembles.model('xgboost').treeCount).toBe(400);
    // left/right are global indices: tree 1's root's children lie inside tree 1
    const root1 = lgbm.treeStart[1]!;
    expect(lgbm.left[root1]).toBe(root1 + 1);
  });

  it.each([
    ['another format', (d: any) => (d.format = 'fraudscore-trees/2'), /format: expected "fraudscore-trees\/1"/],
    [
      'an unsupported comparison',
      (d: any) => (d.models[1].comparison = '>='),
      /model "xgboost" comparison: unsupported value ">="/,
    ],
    ['an unsupported input type', (d: any) => (d.models[0].inputType = 'float16'), /model "lightgbm" inputType/],
    [
      'arrays of different lengths',
      (d: any) => d.models[0].trees[3].cover.pop(),
      /model "lightgbm" tree 3: "cover" has/,
    ],
    [
      'a child index out of range',
      (d: any) => (d.models[1].trees[7].right[0] = 99),
      /model "xgboost" tree 7 node 0 right: child 99/,
    ],
    [
      'a child before its parent',
      (d: any) => (d.models[0].trees[0].left[1] = 1),
      /tree 0 node 1 left: child 1 is not a node after 1/,
    ],
    [
      'a node with two parents',
      (d: any) => (d.models[1].trees[2].right[0] = 1),
      /tree 2 node 1: is the child of 2 nodes/,
    ],
    [
      'a feature out of range',
      (d: any) => (d.models[0].trees[5].feature[0] = 15),
      /tree 5 node 0 feature: 15 is not -1/,
    ],
    [
      'a float32 threshold that is not float32',
      (d: any) => (d.models[1].trees[0].threshold[0] = 0.1),
      /tree 0 node 0 threshold: 0.1 is not a float32/,
    ],
    [
      'a missing field',
      (d: any) => delete d.models[0].trees[0].missingGoesLeft,
      /tree 0 missingGoesLeft: expected an array/,
    ],
    ['a non-numeric leaf value', (d: any) => (d.models[0].trees[0].value[2] = 'x'), /value: expected a finite number/],
    ['duplicate model names', (d: any) => (d.models[1].name = 'lightgbm'), /model names are not unique/],
  ])('rejects %s with a ModelLoadError saying where', (_, edit, message) => {
    expect(() => parseTrees(edited(edit))).toThrow(ModelLoadError);
    expect(() => parseTrees(edited(edit))).toThrow(message);
  });

  it('rejects what is not a trees document', () => {
    expect(() => parseTrees(null)).toThrow(/document: expected an object/);
    expect(() => parseTrees([])).toThrow(ModelLoadError);
  });
});

describe('margins', () => {
  it('equal the native libraries on every conformance row (bit-exact)', () => {
    let worstL = 0;
    let worstX = 0;
    for (const r of rows) {
      const row = toRow(r.features);
      worstL = Math.max(worstL, Math.abs(ensembles.margin('lightgbm', row) - r.margins.lightgbm.native));
      worstX = Math.max(worstX, Math.abs(ensembles.margin('xgboost', row) - r.margins.xgboost.native));
      expect(ensembles.margin('lightgbm', row)).toBe(r.margins.lightgbm.trees);
      expect(ensembles.margin('xgboost', row)).toBe(r.margins.xgboost.trees);
    }
    expect(rows.some((r) => r.features.includes(null))).toBe(true);
    expect(worstL).toBeLessThanOrEqual(1e-9);
    expect(worstX).toBeLessThanOrEqual(1e-5);
    expect([worstL, worstX]).toEqual([0, 0]);
  });

  it('batch margins equal row margins', () => {
    const width = ensembles.features.length;
    const flat = new Float64Array(rows.length * width);
    rows.forEach((r, i) => flat.set(toRow(r.features), i * width));
    for (const name of ['lightgbm', 'xgboost']) {
      const batch = ensembles.margins(name, flat, rows.length);
      rows.forEach((r, i) => expect(batch[i]).toBe(r.margins[name as 'lightgbm'].native));
    }
    const out = new Float64Array(2);
    expect(ensembles.margins('xgboost', flat.subarray(0, 2 * width), 2, out)).toBe(out);
  });

  it('double margins differ from XGBoost float32 sums only by rounding', () => {
    for (const r of rows.slice(0, 50)) {
      const row = toRow(r.features);
      expect(ensembles.doubleMargin('lightgbm', row)).toBe(ensembles.margin('lightgbm', row));
      expect(Math.abs(ensembles.doubleMargin('xgboost', row) - r.margins.xgboost.native)).toBeLessThan(1e-4);
    }
  });

  it('reject inputs of the wrong width and unknown models with an InferenceError', () => {
    expect(() => ensembles.margin('lightgbm', new Float64Array(14))).toThrow(InferenceError);
    expect(() => ensembles.margin('lightgbm', new Float64Array(14))).toThrow(/expected 15 values, got 14/);
    expect(() => ensembles.margins('xgboost', new Float64Array(31), 2)).toThrow(InferenceError);
    expect(() => ensembles.margin('catboost', new Float64Array(15))).toThrow(/no model "catboost"/);
  });
});
