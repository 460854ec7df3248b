// The committed model fixtures every package's tests read, named once: the default bundle (models/bundles/default,
// what the server serves without BUNDLE) and the conformance vectors written with it (models/conformance/default,
// `python -m fraudmodels fixtures`). Import it by its relative path (test/ is not a package).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (with a trailing slash). */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The default model bundle's directory (with a trailing slash). */
export const DEFAULT_BUNDLE_DIR = join(REPO_ROOT, 'models', 'bundles', 'default', '/');
/** The default bundle's conformance vectors (with a trailing slash). */
export const CONFORMANCE_DIR = join(REPO_ROOT, 'models', 'conformance', 'default', '/');

/** A JSON file of the default bundle (`manifest.json`, `features.json`, `trees.json`, `reference.json`), parsed. */
export const readBundleJson = (name: string): any => JSON.parse(readFileSync(join(DEFAULT_BUNDLE_DIR, name), 'utf8'));

/** A conformance vector file (`features.json`, `scores.json`, `shap.json`, `reference.json`), parsed. */
export const readConformanceJson = (name: string): any => JSON.parse(readFileSync(join(CONFORMANCE_DIR, name), 'utf8'));
