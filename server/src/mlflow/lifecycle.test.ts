// The model lifecycle end to end against a real MLflow server (started from the models' venv) and the real HTTP
// server: train → log and register (Python) → promote (the gate on stored labels) → hot swap under load →
// rollback (the CLI) → back; and the failures: a corrupt bundle, an incompatible one, MLflow down.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredTransaction } from '@fraudscore/edge';
import { startMlflow, REPO_ROOT, VENV_BIN, type TestMlflow } from '../../test-support/mlflow.js';
import { editBundle, registerBundle } from '../../test-support/registry.js';
import { startRedis } from '../../test-support/redis.js';
import { DEFAULT_BUNDLE, loadConfig } from '../config.js';
import { run as cli } from '../cli/lifecycle.js';
import { startServer, type RunningServer } from '../server.js';
import { MlflowClient } from './client.js';

const exec = promisify(execFile);
const NAME = 'fraud-ensemble-e2e';
const ADMIN = 'lifecycle-admin-key-0123456789';
const readBundle = (dir: string): Record<string, Uint8Array> =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));

let mlflow: TestMlflow;
let server: RunningServer;
let work: string;
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const post = (path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: auth,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const get = async <T>(path: string): Promise<T> =>
  (await fetch(`${server.url}${path}`, { headers: auth })).json() as Promise<T>;
const env = () => ({
  PORT: '0',
  DEMO: 'off',
  API_KEYS: `${ADMIN}:admin`,
  RATE_LIMIT_PER_MINUTE: '0',
  MLFLOW_TRACKING_URI: mlflow.url,
  MLFLOW_MODEL_NAME: NAME,
  MLFLOW_POLL_INTERVAL: '0',
  PROMOTION_MIN_LABELS: '40',
  LOG_LEVEL: 'silent',
});
let seq = 0;
const tx = (overrides: Record<string, unknown> = {}) => ({
  id: `t-${seq++}`,
  customerId: `c-${seq % 97}`,
  terminalId: `t-${seq % 89}`,
  amount: 20,
  timestamp: new Date(Date.now() - 3_600_000).toISOString(),
  ...overrides,
});
const scoreVersion = async (): Promise<string> =>
  ((await (await post('/v1/score?explain=false', tx())).json()) as ScoredTransaction).modelVersion;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fraudscore-lifecycle-'));
  mlflow = await startMlflow();
  server = await startServer(await loadConfig(env()));
  // The labelled window the gate evaluates on: everyday payments and, labelled fraud, the large amounts every model
  // of this spec flags (the simulator's first fraud scenario), so any two sound models tie and the gate passes.
  const batch = [
    ...Array.from({ length: 180 }, () => tx({ amount: 5 + (seq % 40) })),
    ...Array.from({ length: 20 }, () => tx({ amount: 600 + seq })),
  ];
  const scored = (await (await post('/v1/score/batch?explain=false', { transactions: batch })).json()) as {
    results: ScoredTransaction[];
  };
  for (const r of scored.results) {
    const res = await post(`/v1/transactions/${r.id}/label`, {
      label: r.transaction.amount >= 600 ? 'fraud' : 'legitimate',
      analyst: 'ana',
    });
    expect(res.status).toBe(200);
  }
}, 240_000);

afterAll(async () => {
  await server?.close();
  await mlflow?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('model lifecycle on a real MLflow server', () => {
  it('promotes, hot-swaps under load with no failed or mixed responses, rolls back with the CLI', async () => {
    const client = new MlflowClient({ trackingUri: mlflow.url });
    expect(await scoreVersion()).toBe('1.0.0');
    // The committed bundle becomes the first champion.
    const first = await registerBundle(mlflow.url, NAME, readBundle(DEFAULT_BUNDLE));
    const firstPromotion = (await (await post('/v1/models/promote', { changed_by: 'ops' })).json()) as {
      decision: string;
      reason: string;
      active: { version: string };
    };
    expect(firstPromotion).toMatchObject({ decision: 'promoted', reason: expect.stringMatching(/no champion/) });
    expect((await get<{ source: { kind: string; version: string } }>('/health')).source).toMatchObject({
      kind: 'registry',
      version: first.version,
    });

    // Train on simulated data with MLflow tracking, export, register: the pipeline's own commands.
    const python = join(VENV_BIN, 'python');
    const pyEnv = {
      ...process.env,
      MLFLOW_TRACKING_URI: mlflow.url,
      MLFLOW_MODEL_NAME: NAME,
      PYTHONWARNINGS: 'ignore',
    };
    const step = (...args: string[]) =>
      exec(python, ['-m', 'fraudmodels', ...args], {
        cwd: join(REPO_ROOT, 'models'),
        env: pyEnv,
        maxBuffer: 64 * 2 ** 20,
      });
    await step(
      'simulate',
      '--days',
      '21',
      '--customers',
      '2000',
      '--terminals',
      '4000',
      '--out',
      join(work, 'sim.csv'),
    );
    await step(
      'train',
      '--data',
      join(work, 'sim.csv'),
      '--out',
      join(work, 'models'),
      '--no-search',
      '--rounds',
      '60',
      '--folds',
      '1',
    );
    await step('export', '--models', join(work, 'models'), '--out', join(work, 'bundle'), '--version', '2.0.0-e2e');
    const registered = JSON.parse(
      (await step('register', '--bundle', join(work, 'bundle'))).stdout.trim().split('\n').at(-1)!,
    ) as { version: string; run_id: string };
    const challenger = { version: registered.version, runId: registered.run_id };
    expect((await client.getVersionByAlias(NAME, 'challenger')).version).toBe(challenger.version);
    const trainedThreshold = (
      JSON.parse(readFileSync(join(work, 'bundle', 'manifest.json'), 'utf8')) as { threshold: number }
    ).threshold;
    // The training run logged its metrics; the bridge shows the registry with them.
    const models = await get<{
      models: { name: string; versions: { version: string; metrics: Record<string, number> }[] }[];
    }>('/mlflow/models');
    const listed = models.models.find((m) => m.name === NAME)!.versions.find((v) => v.version === challenger.version)!;
    expect(Object.keys(listed.metrics).length).toBeGreaterThan(3);
    // Load while the gate decides and the server swaps: every answer 200, each from one model only.
    const results: { version: string; threshold: number; status: number; startedAfterSwap: boolean }[] = [];
    let swapped = false;
    let stop = false;
    const thresholds = new Map([
      ['1.0.0', server.scorer.model.threshold],
      ['2.0.0-e2e', trainedThreshold],
    ]);
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) {
          const after = swapped;
          const res = await post('/v1/score?explain=true', tx());
          const body = (await res.json()) as ScoredTransaction;
          results.push({
            version: body.modelVersion,
            threshold: body.threshold,
            status: res.status,
            startedAfterSwap: after,
          });
        }
      }),
    );
    const promotion = (await (await post('/v1/models/promote', { changed_by: 'ops' })).json()) as {
      decision: string;
      challenger: { average_precision: number; auc_roc: number };
      champion: { average_precision: number };
      labels: number;
      frauds: number;
    };
    swapped = true;
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    expect(promotion).toMatchObject({ decision: 'promoted', labels: 200, frauds: 20 });
    // On this window any sound model separates the classes: both perfect, so the gate passes.
    expect(promotion.challenger).toMatchObject({ average_precision: 1, auc_roc: 1 });
    expect(promotion.champion).toMatchObject({ average_precision: 1, auc_roc: 1 });
    expect(results.length).toBeGreaterThan(20);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['1.0.0', '2.0.0-e2e']));
    for (const r of results) expect(r.threshold).toBe(thresholds.get(r.version));
    expect(results.filter((r) => r.startedAfterSwap).every((r) => r.version === '2.0.0-e2e')).toBe(true);
    // The decision, numbers and reason are on the version.
    const tags = Object.fromEntries(
      ((await client.getModelVersion(NAME, challenger.version)).tags ?? []).map((t) => [t.key, t.value]),
    );
    expect(tags).toMatchObject({
      'gate.decision': 'promoted',
      'gate.by': 'ops',
      'gate.labels': '200',
      previous_champion: first.version,
    });
    expect(Number(tags['gate.challenger_auc_roc'])).toBe(promotion.challenger.auc_roc);
    expect((await client.getVersionByAlias(NAME, 'champion')).version).toBe(challenger.version);
    expect(await scoreVersion()).toBe('2.0.0-e2e');
    expect(
      (await get<{ active: { version: string }; status: { source: { version: string } } }>('/v1/models')).status.source
        .version,
    ).toBe(challenger.version);
    // SDKs can download the bundle the edge now uses.
    expect((await fetch(`${server.url}/v1/models/2.0.0-e2e/bundle/manifest.json`)).status).toBe(200);

    // Rollback with the command-line tool (as Airflow would), then the server follows.
    const lines: string[] = [];
    const code = await cli(['rollback', '--by', 'oncall'], { ...process.env, ...env() }, (l) => lines.push(l));
    expect(code).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      champion: { version: first.version },
      previous: { version: challenger.version },
    });
    expect(await (await post('/v1/models/reload')).json()).toMatchObject({
      changed: true,
      model: { version: '1.0.0' },
    });
    expect(await scoreVersion()).toBe('1.0.0');
  }, 240_000);

  it('replicas sharing Redis follow a reload made through one of them at once (no polling)', async () => {
    const redis = await startRedis();
    const replicas: RunningServer[] = [];
    try {
      for (let i = 0; i < 2; i++)
        replicas.push(await startServer(await loadConfig({ ...env(), REDIS_URL: redis.url, REDIS_PREFIX: 'models:' })));
      const version = (r: RunningServer) => r.scorer.model.version;
      expect(replicas.map(version)).toEqual(['1.0.0', '1.0.0']);
      const next = await editBundle(readBundle(DEFAULT_BUNDLE), { version: '1.0.1-replicas' });
      await registerBundle(mlflow.url, NAME, next, 'champion');
      const reloaded = await fetch(`${replicas[0]!.url}/v1/models/reload`, { method: 'POST', headers: auth });
      expect(await reloaded.json()).toMatchObject({ changed: true, model: { version: '1.0.1-replicas' } });
      const started = Date.now();
      while (version(replicas[1]!) !== '1.0.1-replicas') {
        if (Date.now() - started > 30_000) throw new Error('replica 2 did not follow the reload within 30 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The second replica downloads, verifies and warms the bundle itself: the time is mostly that.
      console.info(`replica 2 serves the new champion ${Date.now() - started} ms after replica 1 reloaded`);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      await redis.stop();
    }
  }, 120_000);

  it('refuses a corrupt or incompatible champion and keeps serving; /health says why; MLflow down never stops scoring', async () => {
    const bundle = readBundle(DEFAULT_BUNDLE);
    const corrupt = {
      ...bundle,
      'trees.json': new TextEncoder().encode(new TextDecoder().decode(bundle['trees.json']).replace('"', ' "')),
    };
    const bad = await registerBundle(mlflow.url, NAME, corrupt, 'champion');
    let res = await post('/v1/models/reload');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'bundle_refused',
      message: expect.stringMatching(
        new RegExp(`version ${bad.version} refused: the bundle failed verification: trees.json`),
      ),
    });
    let health = await get<{ status: string; reasons: string[]; model: { version: string } }>('/health');
    expect(health).toMatchObject({ status: 'degraded', model: { version: '1.0.0' } });
    expect(health.reasons[0]).toMatch(new RegExp(`version ${bad.version} refused`));
    expect(await scoreVersion()).toBe('1.0.0');

    const otherSpec = await editBundle(bundle, {
      version: '9.9.9',
      json: {
        'features.json': (doc) => {
          doc.name = 'another-spec';
        },
      },
    });
    const incompatible = await registerBundle(mlflow.url, NAME, otherSpec, 'champion');
    res = await post('/v1/models/reload');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      new RegExp(`version ${incompatible.version} refused: .*feature spec`),
    );
    expect(await scoreVersion()).toBe('1.0.0');

    await mlflow.stop();
    res = await post('/v1/models/reload');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('mlflow_unavailable');
    health = await get('/health');
    expect(health.status).toBe('degraded');
    expect(health.reasons[0]).toMatch(/registry could not be read/);
    expect((await get<{ error: { code: string } }>('/mlflow/models')).error.code).toBe('mlflow_unavailable');
    expect(await scoreVersion()).toBe('1.0.0');
  }, 120_000);
});
