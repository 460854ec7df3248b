#!/usr/bin/env node
// fraudscore-lifecycle: the model lifecycle from the command line (Airflow tasks, operators): the same MlflowLifecycle
// as the server's POST /v1/models/promote and /rollback, evaluated on the same storage (DATABASE_URL or DATA_DIR).
// Running servers follow the champion alias when they poll (MLFLOW_POLL_INTERVAL) or on POST /v1/models/reload.
import { parseArgs } from 'node:util';
import { ApiError } from '@fraudscore/edge';
import { ConfigError, loadConfig } from '../config.js';
import { MlflowClient } from '../mlflow/client.js';
import { MlflowLifecycle } from '../mlflow/lifecycle.js';
import { openConfiguredStorage } from '../server.js';
import { EXIT, isMain, isParseArgsError } from './command.js';

const USAGE = 'usage: fraudscore-lifecycle promote|rollback [--by NAME]\n       fraudscore-lifecycle --help';

export const HELP = `${USAGE}

promote   the promotion gate on the latest labelled window (PROMOTION_WINDOW, at least PROMOTION_MIN_LABELS labels):
          the MLflow challenger becomes the champion unless its Average Precision falls by more than
          PROMOTION_AP_TOLERANCE or its AUC ROC falls; the decision, numbers and reason become tags on the challenger
rollback  the champion alias goes back to the version recorded as previous_champion
--by      who decided, for the audit (default: cli)

One JSON line on stdout: the decision, its numbers and reason. Exit codes: 0 done (a gate rejection is a decision,
not a failure), 2 bad usage or configuration (MLFLOW_TRACKING_URI missing), 1 anything else (MLflow or storage
unreachable: a scheduler retries).`;

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  help: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { by: { type: 'string', default: 'cli' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    out(JSON.stringify({ error: `${(error as Error).message}\n${USAGE}` }));
    return EXIT.usage;
  }
  if (parsed.values.help) {
    help(HELP);
    return EXIT.done;
  }
  const [command, ...extra] = parsed.positionals;
  const by = parsed.values.by;
  if ((command !== 'promote' && command !== 'rollback') || extra.length > 0 || by === '') {
    out(JSON.stringify({ error: `expected promote or rollback [--by NAME], got ${JSON.stringify(argv)}\n${USAGE}` }));
    return EXIT.usage;
  }
  let config;
  try {
    config = await loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      out(JSON.stringify({ error: error.message }));
      return EXIT.usage;
    }
    throw error;
  }
  if (!config.mlflow) {
    out(JSON.stringify({ error: 'MLFLOW_TRACKING_URI is not set: the lifecycle needs the MLflow registry' }));
    return EXIT.usage;
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
    return EXIT.done;
  } catch (error) {
    out(
      JSON.stringify({
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof ApiError ? { code: error.code } : {}),
      }),
    );
    return EXIT.failed;
  } finally {
    await storage.close();
  }
}

if (isMain(import.meta.url)) {
  process.exit(await run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)));
}
