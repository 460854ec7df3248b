// A registered version's model bundle, downloaded through MLflow's artifact REST API: the files the manifest lists
// under the run's `bundle/` artifact directory (where `python -m fraudmodels register` logs them), plus the
// signature when there is one. Verification is the SDK's (ModelManager / loadBundleFiles), not done here.
import type { MlflowClient, ModelVersion } from './client.js';
import { isNotFound } from './errors.js';

export const BUNDLE_ARTIFACT_PATH = 'bundle';

export async function downloadBundle(client: MlflowClient, version: ModelVersion): Promise<Record<string, Uint8Array>> {
  if (!version.run_id)
    throw new Error(
      `model version ${version.name} v${version.version} has no run: register bundles with \`python -m fraudmodels register\``,
    );
  const runId = version.run_id;
  const get = (name: string) => client.downloadArtifact(runId, `${BUNDLE_ARTIFACT_PATH}/${name}`);
  const files: Record<string, Uint8Array> = { 'manifest.json': await get('manifest.json') };
  let manifest: { files?: Record<string, unknown>; featureSpec?: { file?: string } };
  try {
    manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as typeof manifest;
  } catch {
    throw new Error(`model version ${version.version}: bundle/manifest.json is not JSON`);
  }
  const names = new Set(Object.keys(manifest.files ?? {}));
  if (manifest.featureSpec?.file) names.add(manifest.featureSpec.file);
  for (const name of names) {
    if (!/^[\w.-]+$/.test(name))
      throw new Error(
        `model version ${version.version}: the manifest lists an unsafe file name ${JSON.stringify(name)}`,
      );
    files[name] = await get(name);
  }
  try {
    files['manifest.sig.json'] = await get('manifest.sig.json');
  } catch (error) {
    if (!isNotFound(error) && !(error instanceof Error && /404|does not exist|No such file/i.test(error.message)))
      throw error;
  }
  return files;
}
