// Both Airflow DAGs (models/dags) run with `airflow dags test` on Apache Airflow 3 (deploy/airflow/install.sh; SQLite
// metadata in a temp AIRFLOW_HOME, no Airflow server) against a real PostgreSQL (the server's storage), a real
// MLflow and Debian's Alertmanager, all started here on free ports:
// - forte_daily_training leaves a new registered version whose training metrics are logged and whose gate decision
//   is recorded (gate.* tags), with the quick training flags passed as the run's params;
// - forte_drift_monitoring leaves a drift snapshot in drift_snapshots and its alerts in Alertmanager.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { run as lifecycleCli } from '../../server/src/cli/lifecycle.js';
import { MlflowClient } from '../../server/src/mlflow/client.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { startMlflow, REPO_ROOT, VENV_BIN, type TestMlflow } from '../../server/test-support/mlflow.js';
import { freePort } from '../../server/test-support/net.js';
import { startPostgres, type TestPostgres } from '../../server/test-support/postgres.js';
import { registerBundle } from '../../server/test-support/registry.js';
import { openStorage } from '../../server/src/storage/index.js';

const exec = promisify(execFile);
const AIRFLOW =
  process.env.FRAUDSCORE_AIRFLOW ||
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fraudscore', 'airflow-venv', 'bin', 'airflow');
const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const NAME = 'fraud-ensemble-airflow';
const ADMIN = 'ops-airflow-admin-key-0123456789';
const DAY = 86_400_000;

let postgres: TestPostgres;
let mlflow: TestMlflow;
let alertmanager: ChildProcess | undefined;
let alertmanagerUrl: string;
let work: string;
let airflowEnv: NodeJS.ProcessEnv;
let serverEnv: Record<string, string>;

const readBundle = (dir: string): Record<string, Uint8Array> =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));

async function withServer<T>(
  fn: (server: RunningServer, post: (path: string, body: unknown) => Promise<Response>) => Promise<T>,
): Promise<T> {
  const server = await startServer(
    await loadConfig({ ...serverEnv, PORT: '0', DEMO: 'off', API_KEYS: `${ADMIN}:admin`, RATE_LIMIT_PER_MINUTE: '0' }),
    { dashboardDir: false },
  );
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  try {
    return await fn(server, post);
  } finally {
    await server.close();
  }
}

/** `airflow dags test` of one DAG with the given run params; the run must finish in state success. */
async function dagsTest(dagId: string, conf: Record<string, unknown>): Promise<string> {
  const { stdout, stderr } = await exec(AIRFLOW, ['dags', 'test', dagId, '--conf', JSON.stringify(conf)], {
    env: airflowEnv,
    cwd: work,
    maxBuffer: 256 * 2 ** 20,
    timeout: 480_000,
  });
  const log = `${stdout}\n${stderr}`;
  writeFileSync(join(work, `${dagId}.log`), log);
  const finished = /DagRun Finished: dag_id=(\S+),.*?state=(\w+)/.exec(log);
  if (finished?.[2] !== 'success')
    throw new Error(
      `${dagId} did not succeed (${finished?.[2] ?? 'no DagRun Finished line'}):\n${log
        .split('\n')
        .filter((l) => /error|Traceback|failed|"error"/i.test(l))
        .slice(-30)
        .join('\n')}`,
    );
  return log;
}

beforeAll(async () => {
  if (!existsSync(AIRFLOW))
    throw new Error(`${AIRFLOW} is missing: run \`bash deploy/airflow/install.sh\` (scripts/test.sh does)`);
  if (!existsSync(ALERTMANAGER))
    throw new Error(`${ALERTMANAGER} is missing: apt-get install -y prometheus-alertmanager (scripts/test.sh does)`);
  work = mkdtempSync(join(tmpdir(), 'fraudscore-airflow-'));
  const amPort = await freePort();
  alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  writeFileSync(join(work, 'alertmanager.yml'), 'route: { receiver: sink }\nreceivers: [{ name: sink }]\n');
  alertmanager = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(work, 'alertmanager.yml')}`,
      `--storage.path=${join(work, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    { stdio: 'ignore' },
  );
  const airflowHome = join(work, 'airflow-home');
  airflowEnv = {
    ...process.env,
    AIRFLOW_HOME: airflowHome,
    AIRFLOW__CORE__DAGS_FOLDER: join(REPO_ROOT, 'models', 'dags'),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__LOGGING__LOGGING_LEVEL: 'INFO',
    PYTHONWARNINGS: 'ignore',
    FRAUDSCORE_ROOT: REPO_ROOT,
    FRAUDSCORE_NODE: process.execPath,
    FRAUDSCORE_PYTHON: join(VENV_BIN, 'python'),
    FRAUDSCORE_WORK: join(work, 'runs'),
    FRAUDSCORE_TASK_RETRIES: '0',
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  };
  const migrated = exec(AIRFLOW, ['db', 'migrate'], { env: airflowEnv, cwd: work, maxBuffer: 64 * 2 ** 20 });
  [postgres, mlflow] = await Promise.all([startPostgres({ database: 'fraudscore_airflow' }), startMlflow()]);
  await migrated;
  serverEnv = {
    DATABASE_URL: postgres.url,
    MLFLOW_TRACKING_URI: mlflow.url,
    MLFLOW_MODEL_NAME: NAME,
    MLFLOW_POLL_INTERVAL: '0',
    LOG_LEVEL: 'silent',
  };
  Object.assign(airflowEnv, serverEnv, { ALERTMANAGER_URL: alertmanagerUrl });
  const end = Date.now() + 30_000;
  while (
    !(await fetch(`${alertmanagerUrl}/-/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > end) throw new Error('Alertmanager did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 300_000);

afterAll(async () => {
  if (alertmanager && alertmanager.exitCode === null) {
    const exited = new Promise((resolve) => alertmanager!.once('exit', resolve));
    alertmanager.kill('SIGTERM');
    await exited;
  }
  await mlflow?.stop();
  await postgres?.stop();
  if (work && !process.env.KEEP_AIRFLOW_WORK) rmSync(work, { recursive: true, force: true });
});

describe('Airflow DAGs on real PostgreSQL, MLflow and Alertmanager', () => {
  it('both DAGs import cleanly with their schedules, retries and no catch-up', async () => {
    const python = join(dirname(AIRFLOW), 'python');
    const script = [
      'import json, sys',
      'from airflow.models.dagbag import DagBag',
      'bag = DagBag(dag_folder=sys.argv[1])',
      'out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}',
      'for dag_id, dag in bag.dags.items():',
      '    t = dag.tasks[0]',
      '    out["dags"][dag_id] = {"schedule": str(dag.schedule), "catchup": dag.catchup, "retries": t.retries, "retry_delay": t.retry_delay.total_seconds(), "tasks": {x.task_id: sorted(x.downstream_task_ids) for x in dag.tasks}, "operators": sorted({type(x).__name__ for x in dag.tasks})}',
      'print(json.dumps(out))',
    ].join('\n');
    const { stdout } = await exec(python, ['-c', script, join(REPO_ROOT, 'models', 'dags')], {
      env: { ...airflowEnv, FRAUDSCORE_TASK_RETRIES: '' },
      cwd: work,
      maxBuffer: 64 * 2 ** 20,
    });
    const bag = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      errors: Record<string, string>;
      dags: Record<
        string,
        {
          schedule: string;
          catchup: boolean;
          retries: number;
          retry_delay: number;
          tasks: Record<string, string[]>;
          operators: string[];
        }
      >;
    };
    expect(bag.errors).toEqual({});
    expect(bag.dags.forte_daily_training).toMatchObject({
      schedule: '0 2 * * *',
      catchup: false,
      retries: 3,
      retry_delay: 300,
      operators: ['BashOperator'],
    });
    expect(bag.dags.forte_daily_training!.tasks).toEqual({
      extract_labelled: ['check_drift'],
      check_drift: ['build_features'],
      build_features: ['train'],
      train: ['register'],
      register: ['validate'],
      validate: ['deploy'],
      deploy: [],
    });
    expect(bag.dags.forte_drift_monitoring!.tasks).toEqual({ collect_window: ['drift_check'], drift_check: [] });
    expect(bag.dags.forte_drift_monitoring).toMatchObject({
      schedule: '0 0 * * *', // daily: a day's window against the reference (issue 22)
      catchup: false,
      retries: 3,
      retry_delay: 300,
      operators: ['BashOperator'],
    });
  }, 120_000);

  it('forte_daily_training: extract → drift → features → train (tracked) → register → gate → deploy', async () => {
    // Three weeks of simulated transactions up to yesterday, scored by the server into PostgreSQL; the analysts
    // label every fraud and 3% of the rest (the gate's evaluation set, and TX_FRAUD of the training export).
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - 22 * DAY).toISOString().slice(0, 10);
    const sim = join(work, 'sim.csv');
    await exec(
      join(VENV_BIN, 'python'),
      [
        '-m',
        'fraudmodels',
        'simulate',
        '--days',
        '21',
        '--customers',
        '1000',
        '--terminals',
        '2000',
        '--start',
        start,
        '--out',
        sim,
      ],
      { cwd: join(REPO_ROOT, 'models'), env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
    );
    const rows = readFileSync(sim, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const labelled = await withServer(async (_server, post) => {
      const labels: { id: string; label: string }[] = [];
      for (let i = 0; i < rows.length; i += 1000) {
        const transactions = rows.slice(i, i + 1000).map((r) => ({
          id: `sim-${r[0]}`,
          customerId: `c${r[2]}`,
          terminalId: `t${r[3]}`,
          amount: Number(r[4]),
          timestamp: `${r[1]!.replace(' ', 'T')}Z`,
        }));
        const res = await post('/v1/score/batch?explain=false', { transactions });
        expect(res.status).toBe(200);
        rows.slice(i, i + 1000).forEach((r, j) => {
          if (r[7] === '1') labels.push({ id: transactions[j]!.id, label: 'fraud' });
          else if ((i + j) % 33 === 0) labels.push({ id: transactions[j]!.id, label: 'legitimate' });
        });
      }
      for (let i = 0; i < labels.length; i += 20) {
        await Promise.all(
          labels
            .slice(i, i + 20)
            .map(async ({ id, label }) =>
              expect((await post(`/v1/transactions/${id}/label`, { label, analyst: 'ana' })).status).toBe(200),
            ),
        );
      }
      return labels;
    });
    expect(labelled.filter((l) => l.label === 'fraud').length).toBeGreaterThan(20);
    // The committed bundle is the current champion the trained challenger is compared with.
    const first = await registerBundle(mlflow.url, NAME, readBundle(join(REPO_ROOT, 'models', 'bundles', 'default')));
    const lines: string[] = [];
    expect(await lifecycleCli(['promote', '--by', 'test'], serverEnv, (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ decision: 'promoted' });

    const started = performance.now();
    await dagsTest('forte_daily_training', {
      train_args: '--no-search --rounds 60 --folds 1',
      min_days: 21,
      since: '30d',
      version_base: '2.0.0-airflow',
    });
    console.log(`forte_daily_training: ${Math.round((performance.now() - started) / 1000)} s`);

    const client = new MlflowClient({ trackingUri: mlflow.url });
    const versions = await client.searchModelVersions(NAME);
    const trained = versions.find((v) => v.version !== first.version);
    expect(trained).toBeDefined();
    const version = await client.getModelVersion(NAME, trained!.version);
    const tags = Object.fromEntries((version.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]));
    console.log(`gate: ${tags['gate.decision']} (${tags['gate.reason']})`);
    expect(tags['gate.decision']).toMatch(/^(promoted|rejected)$/);
    expect(tags).toMatchObject({ 'gate.by': 'airflow:forte_daily_training', 'gate.champion_version': first.version });
    expect(Number(tags['gate.labels'])).toBe(labelled.length);
    const run = await client.getRun(version.run_id!);
    expect((run.data.metrics ?? []).length).toBeGreaterThan(3);
    const champion = await client.getVersionByAlias(NAME, 'champion');
    expect(champion.version).toBe(tags['gate.decision'] === 'promoted' ? trained!.version : first.version);
  }, 900_000);

  it('forte_drift_monitoring: a drift snapshot of the last day is kept and its alerts reach Alertmanager', async () => {
    await withServer(async (_server, post) => {
      const now = Date.now();
      const transactions = Array.from({ length: 300 }, (_, i) => ({
        id: `recent-${i}`,
        customerId: `rc-${i % 40}`,
        terminalId: `rt-${i % 25}`,
        amount: 5 + ((i * 37) % 400),
        timestamp: new Date(now - 5 * 3_600_000 + i * 60_000).toISOString(),
      }));
      expect((await post('/v1/score/batch?explain=false', { transactions })).status).toBe(200);
    });
    // Read through the server's own storage (the drift_snapshots table of this PostgreSQL).
    const snapshots = async () => {
      const storage = await openStorage({ databaseUrl: postgres.url });
      try {
        return await storage.driftHistory!.list();
      } finally {
        await storage.close();
      }
    };
    const before = (await snapshots()).length;
    // 300 transactions of 40 customers on 25 terminals drift from the training week; a minimum they meet, so the
    // levels are given and the path to Alertmanager is exercised.
    await dagsTest('forte_drift_monitoring', { window: '1d', min_rows: 10 });
    const after = await snapshots();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.rows).toBe(300);
    expect(after.at(-1)!.score.psi).toBeGreaterThan(0);
    const alerts = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
    }[];
    const drift = alerts.filter((a) => a.labels.alertname === 'DriftAlert');
    expect(drift.length).toBeGreaterThan(0);
    expect(drift.map((a) => a.labels.feature)).toContain('score');
  }, 600_000);
});
