// The model lifecycle from the command line (Airflow tasks, operators): the same MlflowLifecycle as the server's
// POST /v1/models/promote and /rollback, evaluated on the same storage (DATABASE_URL or DATA_DIR). Running servers
// follow the champion alias when they poll (MLFLOW_POLL_INTERVAL) or on POST /v1/models/reload.
//   node server/dist/lifecycle-cli.js promote [--by NAME]     one JSON line: the decision, numbers and reason
//   node server/dist/lifecycle-cli.js rollback [--by NAME]
// Exit codes: 0 done (a gate rejection is a decision, not a failure), 2 bad configuration or usage, 1 anything else.
import { pathToFileURL } from 'node:url';
import { ApiError } from '@fraudscore/edge';
import { ConfigError, loadConfig } from './config.js';
import { MlflowClient } from './mlflow/client.js';
import { MlflowLifecycle } from './mlflow/lifecycle.js';
import { openConfiguredStorage } from './server.js';

const USAGE = 'usage: lifecycle-cli.js promote|rollback [--by NAME]';

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'promote' && command !== 'rollback') {
    out(JSON.stringify({ error: USAGE }));
    return 2;
  }
  let by = 'cli';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--by' && rest[i + 1]) by = rest[++i]!;
    else {
      out(JSON.stringify({ error: `unknown argument ${rest[i]}; ${USAGE}` }));
      return 2;
    }
  }
  let config;
  try {
    config = await loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      out(JSON.stringify({ error: error.message }));
      return 2;
    }
    throw error;
  }
  if (!config.mlflow) {
    out(JSON.stringify({ error: 'MLFLOW_TRACKING_URI is not set: the lifecycle needs the MLflow registry' }));
    return 2;
  }
  const storage = await openConfiguredStorage(config);
  try {
    const lifecycle = new MlflowLifecycle({
      client: new MlflowClient({ trackingUri: config.mlflow.trackingUri }),
      name: config.mlflow.modelName,
      storage: storage.storage,
      publicKey: config.bundlePublicKey,
      apTolerance: config.promotion.apTolerance,
      windowMs: config.promotion.windowMs,
      minLabels: config.promotion.minLabels,
    });
    out(JSON.stringify(command === 'promote' ? await lifecycle.promote(by) : await lifecycle.rollback(by)));
    return 0;
  } catch (error) {
    out(
      JSON.stringify({
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof ApiError ? { code: error.code } : {}),
      }),
    );
    return 1;
  } finally {
    await storage.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)));
}
