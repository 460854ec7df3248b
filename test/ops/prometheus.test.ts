// The monitoring stack against real services: Debian's Prometheus scrapes a running server (demo stream on) with the
// alert rules of deploy/prometheus/rules loaded; through Prometheus' HTTP API the project's metrics must arrive, every
// alert rule must evaluate without error, and every PromQL expression of the Grafana dashboards in
// deploy/grafana/dashboards must run without error, name only metrics the server exports and return data.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { customerKey, rawMessage, TOPICS } from '../../server/src/kafka/messages.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { freePort } from '../../server/test-support/net.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES_DIR = join(ROOT, 'deploy', 'prometheus', 'rules');
const DASHBOARDS_DIR = join(ROOT, 'deploy', 'grafana', 'dashboards');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const ADMIN = 'ops-prometheus-admin-key-0123456789';

/** The metrics the server must export (edge/src/metrics, server/src/kafka/processor.ts), as Prometheus stores them. */
export const PROJECT_METRICS = [
  'fraud_detection_latency_seconds_bucket',
  'fraud_detection_latency_seconds_count',
  'fraud_detection_latency_seconds_sum',
  'fraud_score_bucket',
  'predictions_total',
  'feature_drift_score',
  'score_drift_score',
  'feature_drift_distance',
  'score_drift_distance',
  'feature_drift_level',
  'score_drift_level',
  'false_positive_rate',
  'model_accuracy_daily',
  'model_info',
  'process_uptime_seconds',
  'kafka_consumer_lag',
  'kafka_processor_consecutive_aborts',
];

interface PromResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}
interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

let server: RunningServer;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let work: string;
let promLog = '';

const api = async <T>(path: string, params: Record<string, string> = {}): Promise<PromResponse<T>> => {
  const res = await fetch(`${promUrl}/api/v1/${path}?${new URLSearchParams(params)}`);
  return (await res.json()) as PromResponse<T>;
};
const query = (expr: string) => api<{ resultType: string; result: Sample[] }>('query', { query: expr });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${promLog}`);
}

/** Every expr of a Grafana dashboard (panels, rows' nested panels), with Grafana's interval variables replaced. */
export function dashboardExpressions(dashboard: { panels?: unknown[] }): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: unknown[] | undefined): void => {
    for (const p of (panels ?? []) as { title?: string; targets?: { expr?: string }[]; panels?: unknown[] }[]) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '?', expr: t.expr });
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}
const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '1m', $__interval: '15s', $__range: '5m' };
const substitute = (expr: string): string => expr.replace(/\$__\w+/g, (v) => GRAFANA_VARIABLES[v] ?? v);

/** Metric names an expression selects: identifiers outside label matchers, strings and grouping clauses, not followed by "(". */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set([
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'offset',
    'bool',
    'and',
    'or',
    'unless',
    'inf',
    'nan',
  ]);
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || keywords.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

beforeAll(async () => {
  if (!existsSync(PROMETHEUS))
    throw new Error(
      `${PROMETHEUS} is missing: install Debian's package (apt-get install -y prometheus); scripts/test.sh does`,
    );
  work = mkdtempSync(join(tmpdir(), 'fraudscore-prometheus-'));
  server = await startServer(
    await loadConfig({
      PORT: '0',
      DEMO: 'on',
      DEMO_RATE: '40',
      API_KEYS: `${ADMIN}:admin`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
      // A few demo transactions are enough here: the drift levels (insufficient_data below it) must have values.
      DRIFT_MIN_ROWS: '10',
    }),
    { dashboardDir: false, demo: { labelDelayMs: 500, legitimateLabelShare: 0.5 } },
  );
  // A blocked transaction an analyst calls legitimate: the false-positive rate then has a value.
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const scored = (await (
    await fetch(`${server.url}/v1/score?explain=false`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        id: 'ops-big-1',
        customerId: 'ops-c',
        terminalId: 'ops-t',
        amount: 9_500,
        timestamp: new Date().toISOString(),
      }),
    })
  ).json()) as { id: string };
  expect(
    (
      await fetch(`${server.url}/v1/transactions/${scored.id}/label`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ label: 'legitimate', analyst: 'ops' }),
      })
    ).status,
  ).toBe(200);
  // Transactions through the streaming pipeline (the in-process log), so kafka_consumer_lag is reported.
  await server.kafka.publisher.send(
    TOPICS.raw,
    Array.from({ length: 24 }, (_, i) => {
      const transaction = {
        id: `ops-k-${i}`,
        customerId: `ops-kc-${i}`,
        terminalId: 'ops-kt',
        amount: 10 + i,
        timestamp: new Date().toISOString(),
      };
      return { key: customerKey(transaction), value: JSON.stringify(rawMessage(transaction)) };
    }),
  );

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const target = new URL(server.url).host;
  writeFileSync(
    join(work, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${join(RULES_DIR, '*.yml')}']`,
      'scrape_configs:',
      '  - job_name: fraudscore',
      '    metrics_path: /metrics',
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.console.templates=/nonexistent',
      '--web.console.libraries=/nonexistent',
    ],
    { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus.stderr?.on('data', (chunk: Buffer) => (promLog = (promLog + chunk.toString()).slice(-4000)));
  await until(
    'Prometheus to be ready',
    async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined),
    30_000,
  );
  await until('the server target to be up', async () => {
    const r = await query('up{job="fraudscore"}');
    return r.data.result[0]?.value?.[1] === '1' ? true : undefined;
  });
  // A drift snapshot, so the drift gauges (PSI, normalised Wasserstein distance, level) have values.
  await until(
    'transactions to drift-check',
    async () => ((await server.drift.runOnce()).rows > 20 ? true : undefined),
    30_000,
  );
}, 120_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Prometheus scraping a running server', () => {
  it("receives every one of the project's metrics", async () => {
    const present = await until('every project metric in Prometheus', async () => {
      const names = (await api<string[]>('label/__name__/values')).data;
      return PROJECT_METRICS.every((m) => names.includes(m)) ? names : undefined;
    });
    expect(present).toEqual(expect.arrayContaining(PROJECT_METRICS));
    const version = await query('model_info{job="fraudscore"}');
    expect(version.data.result[0]?.metric.version).toBe(server.scorer.model.version);
    const tiers = await query('sum by (risk_level) (predictions_total{job="fraudscore"})');
    expect(tiers.data.result.length).toBeGreaterThan(0);
  });

  it('evaluates every alert rule without error', async () => {
    const rules = await until('every rule evaluated at least twice', async () => {
      const r = await api<{
        groups: {
          name: string;
          rules: {
            name: string;
            query: string;
            health: string;
            lastError?: string;
            lastEvaluation: string;
            type: string;
          }[];
        }[];
      }>('rules');
      const all = r.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001')) ? all : undefined;
    });
    const expected = [
      'FraudDetectionLatencyHigh',
      'ScoreDriftHigh',
      'FeatureDriftHigh',
      'ModelAccuracyLow',
      'FalsePositiveRateHigh',
      'KafkaConsumerLagHigh',
      'KafkaStreamStuck',
    ];
    expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(expected));
    for (const rule of rules) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({
        rule: rule.name,
        health: 'ok',
        error: '',
      });
      const r = await query(rule.query);
      expect({ rule: rule.name, status: r.status, error: r.error }).toEqual({
        rule: rule.name,
        status: 'success',
        error: undefined,
      });
      // Each threshold rule reads metrics that exist: without the comparison the expression returns data.
      const base = rule.query.replace(/\s*(>|<|==)\s*[\d.]+\s*$/, '');
      const values = await query(base);
      expect({ rule: rule.name, series: values.data.result.length > 0 }).toEqual({ rule: rule.name, series: true });
    }
  });

  it('runs every PromQL expression of the Grafana dashboards without error or unknown metric', async () => {
    const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const exported = new Set((await api<string[]>('label/__name__/values')).data);
    let checked = 0;
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as { panels?: unknown[] };
      const expressions = dashboardExpressions(dashboard);
      expect(expressions.length).toBeGreaterThan(0);
      for (const { panel, expr } of expressions) {
        const promql = substitute(expr);
        const unknown = metricNames(promql).filter((name) => !exported.has(name));
        expect({ file, panel, expr, unknown }).toEqual({ file, panel, expr, unknown: [] });
        const result = await until(
          `data for "${panel}": ${promql}`,
          async () => {
            const r = await query(promql);
            if (r.status !== 'success') throw new Error(`${r.errorType}: ${r.error}`);
            return r.data.result.length > 0 ? r : undefined;
          },
          30_000,
        );
        expect(result.status).toBe('success');
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('finds unknown metrics (the check itself)', () => {
    expect(
      metricNames('histogram_quantile(0.99, sum by (le) (rate(fraud_detection_latency_seconds_bucket{job="x"}[5m])))'),
    ).toEqual(['fraud_detection_latency_seconds_bucket']);
    expect(metricNames('sum(rate(predictions_total{blocked="true"}[1m])) / sum(rate(no_such_metric[1m]))')).toEqual([
      'predictions_total',
      'no_such_metric',
    ]);
    expect(metricNames('max by (topic, partition) (kafka_consumer_lag)')).toEqual(['kafka_consumer_lag']);
  });
});
