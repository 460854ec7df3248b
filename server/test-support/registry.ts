// Registers a bundle in a real MLflow server the way `python -m fraudmodels register` does (files under the run's
// `bundle/` artifact directory, a new version of the registered model, alias `challenger`), through MLflow's REST
// API: for tests that need bundles Python did not export (a re-versioned, a corrupt, an incompatible one).
import { createHash } from 'node:crypto';
import { specHash } from '@fraudscore/sdk';

async function call<T>(url: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`MLflow ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface Registered {
  version: string;
  runId: string;
}

export async function registerBundle(
  url: string,
  name: string,
  files: Record<string, Uint8Array>,
  alias = 'challenger',
): Promise<Registered> {
  const experiment = (await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`).then((r) =>
    r.json(),
  )) as { experiment: { experiment_id: string } };
  const { run } = await call<{ run: { info: { run_id: string; artifact_uri: string } } }>(
    url,
    '/api/2.0/mlflow/runs/create',
    { experiment_id: experiment.experiment.experiment_id, start_time: Date.now(), run_name: 'test-bundle' },
  );
  const artifactRoot = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
  for (const [file, bytes] of Object.entries(files)) {
    const response = await fetch(
      `${url}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot.replace(/^\/+/, '')}/bundle/${file}`,
      { method: 'PUT', body: new Blob([bytes as Uint8Array<ArrayBuffer>]) },
    );
    if (!response.ok) throw new Error(`MLflow artifact upload of ${file}: ${response.status} ${await response.text()}`);
  }
  await call(url, '/api/2.0/mlflow/runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
  await fetch(`${url}/api/2.0/mlflow/registered-models/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const { model_version: version } = await call<{ model_version: { version: string } }>(
    url,
    '/api/2.0/mlflow/model-versions/create',
    {
      name,
      source: `${run.info.artifact_uri}/bundle`,
      run_id: run.info.run_id,
    },
  );
  // Versions become READY asynchronously on some stores: wait for it.
  for (let i = 0; i < 100; i++) {
    const got = (await fetch(
      `${url}/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=${version.version}`,
    ).then((r) => r.json())) as { model_version: { status: string } };
    if (got.model_version.status === 'READY') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as { version?: string };
  if (manifest.version)
    await call(url, '/api/2.0/mlflow/model-versions/set-tag', {
      name,
      version: version.version,
      key: 'bundle_version',
      value: manifest.version,
    });
  await call(url, '/api/2.0/mlflow/registered-models/alias', { name, alias, version: version.version });
  return { version: version.version, runId: run.info.run_id };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The bundle with `edits.json` applied to its parsed JSON files and the manifest made consistent again (file hashes,
 * the feature spec's hash, the version): a well-formed bundle that differs. Without the signature.
 */
export async function editBundle(
  files: Record<string, Uint8Array>,
  edits: { version?: string; json?: Record<string, (doc: any) => void> },
): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = { ...files };
  delete out['manifest.sig.json'];
  const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
    version: string;
    files: Record<string, { sha256: string; bytes?: number }>;
    featureSpec: { file: string; sha256: string };
  };
  for (const [file, edit] of Object.entries(edits.json ?? {})) {
    const doc = JSON.parse(new TextDecoder().decode(files[file]));
    edit(doc);
    out[file] = new TextEncoder().encode(JSON.stringify(doc));
    if (manifest.files[file])
      manifest.files[file] = {
        ...manifest.files[file],
        sha256: sha256(out[file]!),
        ...(manifest.files[file].bytes !== undefined ? { bytes: out[file]!.length } : {}),
      };
    if (file === manifest.featureSpec.file) manifest.featureSpec.sha256 = await specHash(doc);
  }
  if (edits.version) manifest.version = edits.version;
  out['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
  return out;
}
