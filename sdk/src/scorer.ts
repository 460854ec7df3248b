// createScorer: one implementation of features → ensemble score → risk tier → TreeSHAP explanation, used on the
// device (pre-score) and by the edge (authoritative score, with full server-side history).
import { defaultBundleCache, noCache, type BundleCache } from './bundle/cache.js';
import { loadBundleFiles, type BundleSource, type VerifiedBundle } from './bundle/load.js';
import type { Manifest } from './bundle/manifest.js';
import { resolveLimits, type InputLimits } from './contract.js';
import { ModelLoadError, ValidationError } from './errors.js';
import {
  compileSpec,
  computeFeatures,
  describeFeatures,
  noHistory,
  normalizeTransaction,
  specHash,
  type CompiledSpec,
  type FeatureHistory,
  type FeatureWords,
  type SyncFeatureHistory,
} from './features/index.js';
import { DEVICE_ENTITIES, MemoryHistoryStore, openHistoryStore, type HistoryStore } from './history/index.js';
import { createOnnxModel, type OnnxModel } from './onnx.js';
import { RISK_LEVELS, riskLevel, shouldBlock, type RiskLevel, type RiskTier } from './risk.js';
import type { NormalizedTransaction, Transaction } from './transaction.js';
import { parseTrees, TreeExplainer, type TreeEnsembles } from './trees/index.js';

export type Backend = 'wasm' | 'js';

export interface ScorerOptions {
  /** Bundle base URL, the files as bytes, or a reader (Node: `directorySource(path)` from the node entry). */
  bundle: BundleSource;
  /** 'wasm' (onnxruntime-web, default) or 'js' (the TypeScript evaluator over trees.json). */
  backend?: Backend;
  /** History the features read: a store, or a factory given the bundle's compiled spec (the edge passes
   * `(spec) => new MemoryHistoryStore(spec, { clock })`, covering every entity), 'indexeddb' (browsers; degrades to
   * memory), 'memory' (default) — both keep the device's own customer only — or false (none). */
  history?:
    HistoryStore | ((spec: CompiledSpec) => HistoryStore | Promise<HistoryStore>) | 'indexeddb' | 'memory' | false;
  /** Ed25519 public key (hex); when set, unsigned or wrongly signed bundles are refused. */
  publicKey?: string;
  /** Compute SHAP explanations (default true); score(tx, { explain }) overrides per call. */
  explain?: boolean;
  /** How many top factors a result lists (default 5). */
  topFactors?: number;
  /** Bundle cache; default IndexedDB where available. false: none. */
  cache?: BundleCache | false;
  /** Where onnxruntime-web's wasm files are served from (browsers). */
  wasmPaths?: string;
  /** Memory TreeSHAP may precompute per model: the Linear TreeSHAP index (4 bytes per tree node), then leaf tables
   * for shallow trees (faster explanations, same values; a model whose index does not fit uses the slower path walk).
   * Default 32 MiB in Node, 2 MiB in browsers, workers and edge runtimes (DEFAULT_MAX_BYTES in trees/treeshap.ts). */
  shapMemoryBytes?: number;
  /** Receives non-fatal warnings (e.g. IndexedDB unavailable); default console.warn. */
  onWarning?: (message: string) => void;
  /** The input contract's amount ceiling and timestamp window (default DEFAULT_LIMITS: 1,000,000,000; 30 days back,
   * 15 minutes ahead). */
  limits?: Partial<InputLimits>;
  /** The clock (epoch ms) timestamps are judged against; default Date.now. */
  clock?: () => number;
}

/**
 * When to compute SHAP: always, never, or only for transactions at or above a risk tier (e.g. alerts: `{ minLevel:
 * 'HIGH' }`), judged at `threshold` (default the bundle's; a server passes the threshold in force).
 */
export type ExplainOption = boolean | { minLevel: RiskLevel; threshold?: number };

/** Per call: limits other than the scorer's (e.g. `{ timeWindow: false }` for a back-fill of old payments). */
export interface CheckOptions {
  limits?: Partial<InputLimits>;
}

export interface ScoreOptions extends CheckOptions {
  explain?: ExplainOption;
  /** Add the transaction to the history after scoring (once the payment is really made). Default false. */
  record?: boolean;
  /** Feature values the device cannot compute but the app knows (e.g. from the server), by feature name. */
  knownFeatures?: Record<string, number>;
  /**
   * The history this call reads (and, with `record`, records into) instead of the scorer's own, or a function given
   * the call's transactions once validated and normalized that opens one: a server opens its shared store for exactly
   * these. Synchronous histories (MemoryHistoryStore) keep the hot path copy-free.
   */
  history?: CallHistory | ((txs: readonly NormalizedTransaction[]) => Promise<CallHistory>);
}

/** A history one scoring call can read and record into. */
export type CallHistory = (FeatureHistory | SyncFeatureHistory) & Pick<HistoryStore, 'add'>;

export interface TopFactor {
  feature: string;
  /** The feature's value; null when missing. */
  value: number | null;
  /** SHAP contribution in log-odds. */
  contribution: number;
  direction: 'increases_risk' | 'decreases_risk';
}

export interface ScoreResult {
  transactionId: string;
  probability: number;
  margin: number;
  riskLevel: RiskLevel;
  shouldBlock: boolean;
  topFactors: TopFactor[];
  /** Exact TreeSHAP in log-odds, values in feature order: baseValue + Σ values = shap.margin (to 1e-12). shap.margin
   * sums the leaves in double; `margin` above sums XGBoost's leaves in float32 as the library does, so the two differ
   * by XGBoost's float32 rounding (about 1e-6). Null when explanations are off. */
  shap: { baseValue: number; values: number[]; margin: number } | null;
  /** Per-model margins (log-odds) before weighting. */
  margins: Record<string, number>;
  features: Record<string, number | null>;
  modelVersion: string;
  backend: Backend;
  timings: { featuresMs: number; scoreMs: number; explainMs: number; totalMs: number };
}

export interface ModelInfo {
  name: string;
  version: string;
  features: string[];
  /** Each feature in words (en, ru, kk) and how its value reads, derived from the bundle's feature spec. */
  featureWords: Record<string, FeatureWords>;
  threshold: number;
  /** Tiers as offsets from the threshold (they follow a threshold changed at run time). */
  riskTiers: RiskTier[];
  weights: Record<string, number>;
  createdAt: string;
  /**
   * The period of each calendar feature in ms (part hour → 1 day, isoWeekday → 7 days): drift monitoring compares
   * such a feature over whole periods only, so the time of day or week a window covers cannot pass for drift.
   */
  periodMs?: Record<string, number>;
}

export interface Scorer {
  readonly model: ModelInfo;
  /** The history the features read (undefined with history: false). */
  readonly history: HistoryStore | undefined;
  score(tx: Transaction, options?: ScoreOptions): Promise<ScoreResult>;
  scoreBatch(txs: readonly Transaction[], options?: ScoreOptions): Promise<ScoreResult[]>;
  /** The transaction checked against the input contract and the active model's feature spec (ValidationError naming
   * the field), as the scorer would read it: ids as text, timestamp in epoch ms, only the declared fields. */
  normalize(tx: unknown, options?: CheckOptions): NormalizedTransaction;
  /** Adds a transaction (e.g. a completed payment, or a label) to the history. */
  record(tx: Transaction, options?: CheckOptions): Promise<void>;
  /** Loads another bundle (or the same source again); on any error the current model stays. */
  reload(bundle?: BundleSource): Promise<ModelInfo>;
  dispose(): Promise<void>;
}

interface LoadedModel {
  manifest: Manifest;
  info: ModelInfo;
  spec: CompiledSpec;
  trees: TreeEnsembles;
  explainer: TreeExplainer;
  onnx: OnnxModel | undefined;
  weights: [string, number][];
}

const DAY_MS = 86_400_000;

const json = (bytes: Uint8Array | undefined, name: string): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ModelLoadError(`${name} is not valid JSON`, { cause });
  }
};

async function buildModel(bundle: VerifiedBundle, backend: Backend, options: ScorerOptions): Promise<LoadedModel> {
  const { manifest, files } = bundle;
  const specJson = json(files[manifest.featureSpec.file] ?? files['features.json'], 'features.json');
  if ((await specHash(specJson)) !== manifest.featureSpec.sha256) {
    throw new ModelLoadError('features.json does not hash to manifest.featureSpec.sha256: re-export the bundle');
  }
  const spec = compileSpec(specJson);
  const trees = parseTrees(json(files['trees.json'], 'trees.json'));
  const weights = Object.entries(manifest.ensemble.weights);
  for (const [name] of weights)
    if (!trees.models.has(name)) throw new ModelLoadError(`trees.json has no model "${name}" that the manifest weighs`);
  if (manifest.features.join('\n') !== trees.features.join('\n'))
    throw new ModelLoadError('trees.json and manifest.json list different features');
  const onnx =
    backend === 'wasm'
      ? await createOnnxModel(
          files['model.onnx']!,
          manifest.features.length,
          weights.map(([n]) => n),
          { wasmPaths: options.wasmPaths },
        )
      : undefined;
  const info: ModelInfo = {
    name: manifest.name,
    version: manifest.version,
    features: [...manifest.features],
    featureWords: describeFeatures(spec),
    threshold: manifest.threshold,
    riskTiers: manifest.riskTiers.map((tier) => ({ ...tier })),
    weights: Object.fromEntries(weights),
    createdAt: manifest.createdAt,
    periodMs: Object.fromEntries(
      spec.features.flatMap((f) => (f.kind === 'calendar' ? [[f.name, f.part === 'hour' ? DAY_MS : 7 * DAY_MS]] : [])),
    ),
  };
  const explainer = new TreeExplainer(
    trees,
    options.shapMemoryBytes === undefined ? {} : { maxBytes: options.shapMemoryBytes },
  );
  return { manifest, info, spec, trees, explainer, onnx, weights };
}

const now = (): number => performance.now();
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export async function createScorer(options: ScorerOptions): Promise<Scorer> {
  if (!options || options.bundle === undefined)
    throw new ValidationError('bundle', 'is required: a bundle URL, its files, or a directory reader');
  const backend: Backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'js')
    throw new ValidationError('backend', `must be 'wasm' or 'js', got ${JSON.stringify(backend)}`);
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const cache = options.cache === false ? noCache : (options.cache ?? defaultBundleCache(warn));
  const topCount = options.topFactors ?? 5;
  const limits = resolveLimits(options.limits);
  const clock = options.clock ?? Date.now;
  let source = options.bundle;
  let model = await buildModel(
    await loadBundleFiles(source, { publicKey: options.publicKey, cache }),
    backend,
    options,
  );
  const history: HistoryStore | undefined =
    options.history === false
      ? undefined
      : typeof options.history === 'object'
        ? options.history
        : typeof options.history === 'function'
          ? await options.history(model.spec)
          : options.history === 'indexeddb'
            ? await openHistoryStore(model.spec, { warn })
            : new MemoryHistoryStore(model.spec, { entities: DEVICE_ENTITIES });
  const featureHistory: FeatureHistory | SyncFeatureHistory = history ?? noHistory;

  function normalize(tx: unknown, check: CheckOptions = {}): NormalizedTransaction {
    return normalizeTransaction(tx, model.spec, { limits: { ...limits, ...check.limits }, now: clock() });
  }

  /** Every transaction is validated before any is recorded, so a bad one in a batch changes nothing. */
  function normalizeAll(txs: readonly Transaction[], check: CheckOptions): NormalizedTransaction[] {
    return txs.map((tx, i) => {
      try {
        return normalize(tx, check);
      } catch (error) {
        if (txs.length === 1 || !(error instanceof ValidationError)) throw error;
        throw new ValidationError(`transactions[${i}].${error.field}`, error.message.slice(error.field.length + 2));
      }
    });
  }

  function explainRow(row: Float64Array) {
    const values = new Float64Array(row.length);
    const { baseValue, doubleMargin } = model.explainer.explainEnsemble(model.info.weights, row, values);
    const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!));
    const topFactors: TopFactor[] = order.slice(0, topCount).map((j) => ({
      feature: model.info.features[j]!,
      value: Number.isNaN(row[j]!) ? null : row[j]!,
      contribution: values[j]!,
      direction: values[j]! >= 0 ? 'increases_risk' : 'decreases_risk',
    }));
    return { shap: { baseValue, values: Array.from(values), margin: doubleMargin }, topFactors };
  }

  /** Whether this transaction gets SHAP under the option. */
  function wantsExplanation(explain: ExplainOption, probability: number): boolean {
    if (typeof explain === 'boolean') return explain;
    const level = riskLevel(probability, explain.threshold ?? model.manifest.threshold, model.manifest.riskTiers);
    return RISK_LEVELS.indexOf(level) >= RISK_LEVELS.indexOf(explain.minLevel);
  }

  function result(
    tx: Transaction,
    row: Float64Array,
    margins: Record<string, number>,
    explain: ExplainOption,
    times: { start: number; featuresDone: number; scoreDone: number },
  ): ScoreResult {
    const margin = model.weights.reduce((sum, [name, weight]) => sum + weight * margins[name]!, 0);
    const probability = sigmoid(margin);
    const explainStart = now();
    const explanation = wantsExplanation(explain, probability) ? explainRow(row) : { shap: null, topFactors: [] };
    const end = now();
    return {
      transactionId: String(tx.id),
      probability,
      margin,
      riskLevel: riskLevel(probability, model.manifest.threshold, model.manifest.riskTiers),
      shouldBlock: shouldBlock(probability, model.manifest.threshold),
      topFactors: explanation.topFactors,
      shap: explanation.shap,
      margins,
      features: Object.fromEntries(
        model.info.features.map((name, j) => [name, Number.isNaN(row[j]!) ? null : row[j]!]),
      ),
      modelVersion: model.info.version,
      backend,
      timings: {
        featuresMs: times.featuresDone - times.start,
        scoreMs: times.scoreDone - times.featuresDone,
        explainMs: end - explainStart,
        totalMs: end - times.start,
      },
    };
  }

  async function scoreRows(txs: readonly Transaction[], scoreOptions: ScoreOptions): Promise<ScoreResult[]> {
    const start = now();
    const width = model.info.features.length;
    const rows = new Float64Array(txs.length * width);
    const perRow: Float64Array[] = [];
    const normalized = normalizeAll(txs, scoreOptions);
    const given =
      typeof scoreOptions.history === 'function' ? await scoreOptions.history(normalized) : scoreOptions.history;
    const reads = given ?? featureHistory;
    const records = given ?? history;
    for (const [i, tx] of normalized.entries()) {
      const row = await computeFeatures(model.spec, tx, reads, scoreOptions.knownFeatures);
      if (scoreOptions.record && records) await records.add(tx);
      rows.set(row, i * width);
      perRow.push(row);
    }
    const featuresDone = now();
    const margins: Record<string, number>[] = txs.map(() => ({}));
    if (model.onnx) {
      const out = await model.onnx.run(rows, txs.length);
      for (const [name] of model.weights) out.margins[name]!.forEach((m, i) => (margins[i]![name] = m));
    } else {
      for (const [name] of model.weights)
        perRow.forEach((row, i) => (margins[i]![name] = model.trees.margin(name, row)));
    }
    const scoreDone = now();
    const explain = scoreOptions.explain ?? options.explain ?? true;
    return txs.map((tx, i) => result(tx, perRow[i]!, margins[i]!, explain, { start, featuresDone, scoreDone }));
  }

  const scorer: Scorer = {
    get model() {
      return model.info;
    },
    history,
    async score(tx, scoreOptions = {}) {
      return (await scoreRows([tx], scoreOptions))[0]!;
    },
    async scoreBatch(txs, scoreOptions = {}) {
      if (!Array.isArray(txs)) throw new ValidationError('transactions', 'must be an array');
      return txs.length === 0 ? [] : scoreRows(txs, scoreOptions);
    },
    normalize,
    async record(tx, check = {}) {
      if (history) await history.add(normalize(tx, check));
    },
    async reload(bundle = source) {
      const next = await buildModel(
        await loadBundleFiles(bundle, { publicKey: options.publicKey, cache }),
        backend,
        options,
      );
      const previous = model;
      model = next;
      source = bundle;
      await previous.onnx?.release();
      return model.info;
    },
    async dispose() {
      await model.onnx?.release();
    },
  };
  return scorer;
}
