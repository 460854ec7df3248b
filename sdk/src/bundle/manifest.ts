// manifest.json of a model bundle (format "fraudscore-bundle/1", specified in models/README.md).
import { ModelLoadError } from '../errors.js';
import type { RiskTier } from '../risk.js';

export const MANIFEST_FORMAT = 'fraudscore-bundle/1';
/** Files a bundle must list; manifest.sig.json is optional and not listed (it signs the manifest). */
export const REQUIRED_FILES = ['features.json', 'trees.json', 'model.onnx', 'reference.json'] as const;

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  version: string;
  createdAt: string;
  features: string[];
  featureSpec: { file: string; name: string; version: string; sha256: string };
  ensemble: { weights: Record<string, number> };
  threshold: number;
  riskTiers: RiskTier[];
  files: Record<string, { sha256: string; bytes: number }>;
  [field: string]: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks the fields the SDK relies on; a clear ModelLoadError otherwise. */
export function parseManifest(bytes: Uint8Array): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ModelLoadError('manifest.json is not valid JSON: the bundle is damaged or this is not a bundle URL', {
      cause,
    });
  }
  const fail = (what: string): never => {
    throw new ModelLoadError(`manifest.json: ${what}; re-export the bundle with \`python -m fraudmodels export\``);
  };
  if (!isRecord(doc)) return fail('not a JSON object');
  if (doc['format'] !== MANIFEST_FORMAT)
    fail(`format is ${JSON.stringify(doc['format'])}, this SDK reads "${MANIFEST_FORMAT}"`);
  for (const key of ['name', 'version', 'createdAt'] as const)
    if (typeof doc[key] !== 'string') fail(`${key} must be a string`);
  if (!Array.isArray(doc['features']) || !doc['features'].every((f) => typeof f === 'string'))
    fail('features must be a list of names');
  const threshold = doc['threshold'];
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) fail('threshold must be a number in (0, 1)');
  const ensemble = doc['ensemble'];
  if (!isRecord(ensemble) || !isRecord(ensemble['weights'])) fail('ensemble.weights is missing');
  if (!Array.isArray(doc['riskTiers']) || doc['riskTiers'].length === 0) fail('riskTiers is missing');
  const files = doc['files'];
  if (!isRecord(files)) return fail('files is missing');
  for (const name of REQUIRED_FILES) {
    const entry = files[name];
    if (!isRecord(entry) || typeof entry['sha256'] !== 'string' || typeof entry['bytes'] !== 'number')
      fail(`files lists no sha256 and size for ${name}`);
  }
  const spec = doc['featureSpec'];
  if (!isRecord(spec) || typeof spec['file'] !== 'string' || typeof spec['sha256'] !== 'string')
    fail('featureSpec is missing');
  return doc as unknown as Manifest;
}
