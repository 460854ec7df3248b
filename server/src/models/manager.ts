// The active model and its atomic swap. A candidate bundle is verified (sha256 of every file, the Ed25519
// signature when a public key is configured), must keep the feature spec of the running model (the server-side
// feature history is built for that spec; a new spec needs a restart, which rebuilds the history from storage, or
// with a shared history a load for the new spec: fraudscore-ops load-history),
// is loaded and warmed, and only then replaces the active one. Requests in flight keep the scorer they started
// with (the scoring service reads the model once per request); new requests get the new one.
import { parseReference, type DriftReference, type ModelSource, type ServedBundle } from '@fraudscore/edge';
import {
  compileSpec,
  createScorer,
  loadBundleFiles,
  type BundleSource,
  type CompiledSpec,
  type HistoryStore,
  type Scorer,
  type VerifiedBundle,
} from '@fraudscore/sdk';

export interface ActiveModel {
  scorer: Scorer;
  served: ServedBundle;
  reference: DriftReference;
  /** sha256 of the bundle's feature spec. */
  specSha256: string;
  /** The bundle's compiled feature spec (what a shared feature history is laid out for). */
  spec: CompiledSpec;
  source: ModelSource;
}

/** The candidate could not be used; the active model stays. */
export class BundleRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BundleRefusedError';
  }
}

export interface ModelManagerOptions {
  /**
   * The scorer's own feature history, or (first load) how to create it for the bundle's spec; false with a shared
   * history, which the scoring service hands the scorer per batch.
   */
  history: HistoryStore | ((spec: CompiledSpec) => HistoryStore) | false;
  publicKey?: string | undefined;
  clock?: () => number;
  /** How many loaded versions stay downloadable at /v1/models/{version}/bundle (default 5). */
  keepServed?: number;
}

const decodeJson = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

/** Verifies and loads a bundle into a scorer over `history`, and warms it (one scored transaction, not recorded). */
export async function loadModel(
  source: BundleSource,
  provenance: ModelSource,
  options: ModelManagerOptions,
): Promise<ActiveModel> {
  let verified: VerifiedBundle;
  try {
    verified = await loadBundleFiles(source, { publicKey: options.publicKey });
  } catch (error) {
    throw new BundleRefusedError(`the bundle failed verification: ${(error as Error).message}`, { cause: error });
  }
  let scorer: Scorer;
  let reference: DriftReference;
  let spec: CompiledSpec;
  try {
    const { file } = verified.manifest.featureSpec;
    spec = compileSpec(decodeJson(verified.files[file] ?? verified.files['features.json']));
    scorer = await createScorer({
      bundle: verified.files,
      backend: 'js',
      history: options.history,
      cache: false,
      ...(options.publicKey ? { publicKey: options.publicKey } : {}),
      onWarning: () => {},
    });
    reference = parseReference(decodeJson(verified.files['reference.json']));
  } catch (error) {
    throw new BundleRefusedError(`the bundle could not be loaded: ${(error as Error).message}`, { cause: error });
  }
  const now = (options.clock ?? Date.now)();
  try {
    await scorer.score(
      { id: 'warm-up', customerId: 'warm-up', terminalId: 'warm-up', amount: 1, timestamp: now },
      { explain: true, record: false },
    );
  } catch (error) {
    await scorer.dispose();
    throw new BundleRefusedError(`the model failed its warm-up score: ${(error as Error).message}`, { cause: error });
  }
  const { manifest } = verified;
  return {
    scorer,
    reference,
    specSha256: manifest.featureSpec.sha256,
    spec,
    source: provenance,
    served: {
      version: manifest.version,
      files: verified.files,
      sha256: Object.fromEntries(Object.entries(manifest.files).map(([name, entry]) => [name, entry.sha256])),
    },
  };
}

export class ModelManager {
  private current: ActiveModel;
  private readonly served = new Map<string, ServedBundle>();

  constructor(
    initial: ActiveModel,
    private readonly options: ModelManagerOptions,
  ) {
    this.current = initial;
    this.remember(initial.served);
  }

  active(): ActiveModel {
    return this.current;
  }

  /** Loads the candidate and swaps it in; throws BundleRefusedError (the active model stays) when it cannot. */
  async swapTo(source: BundleSource, provenance: ModelSource): Promise<ActiveModel> {
    const next = await loadModel(source, provenance, this.options);
    if (next.specSha256 !== this.current.specSha256) {
      await next.scorer.dispose();
      throw new BundleRefusedError(
        `its feature spec (sha256 ${next.specSha256.slice(0, 12)}…) differs from the running model's (${this.current.specSha256.slice(0, 12)}…); ` +
          'a new feature spec needs a restart so the feature history is rebuilt for it',
      );
    }
    const previous = this.current;
    this.current = next;
    this.remember(next.served);
    // The old scorer stays usable for requests that already hold it; it owns no resources beyond memory (js backend).
    void previous;
    return next;
  }

  /** A loaded version's files, for SDK downloads. */
  bundle(version: string): ServedBundle | undefined {
    return this.served.get(version);
  }

  private remember(bundle: ServedBundle): void {
    this.served.delete(bundle.version);
    this.served.set(bundle.version, bundle);
    const keep = this.options.keepServed ?? 5;
    while (this.served.size > keep) this.served.delete(this.served.keys().next().value!);
  }
}
