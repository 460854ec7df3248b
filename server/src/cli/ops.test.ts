// fraudscore-ops (the Airflow tasks' commands) on the embedded store in a data directory: a server scores and labels
// transactions, stops, then the CLI exports them in the handbook schema (read back by the Python pipeline) and takes
// a drift snapshot that is kept in the drift history and posted to an Alertmanager stand-in.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftSnapshot, ScoredTransaction } from '@fraudscore/edge';
import { REPO_ROOT, VENV_BIN } from '../../test-support/mlflow.js';
import { loadConfig } from '../config.js';
import { CSV_COLUMNS, readCsvRecords } from '@fraudscore/simulator';
import { driftAlerts, durationArgument, parseInstant, run, toHandbookCsv } from './ops.js';
import { startServer } from '../server.js';
import { openStorage } from '../storage/index.js';

const exec = promisify(execFile);
const ADMIN = 'ops-cli-admin-key-0123456789';
let dir: string;
let env: NodeJS.ProcessEnv;
let alertmanager: Server;
let alertmanagerUrl: string;
const received: unknown[] = [];

const cli = async (...argv: string[]): Promise<{ code: number; json: Record<string, unknown> }> => {
  const lines: string[] = [];
  const code = await run(argv, env, (line) => lines.push(line));
  return { code, json: JSON.parse(lines.at(-1)!) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudscore-ops-cli-'));
  env = { DATA_DIR: join(dir, 'store'), DEMO: 'off', LOG_LEVEL: 'silent' };
  const server = await startServer(
    await loadConfig({ ...env, PORT: '0', API_KEYS: `${ADMIN}:admin`, RATE_LIMIT_PER_MINUTE: '0' }),
    { dashboardDir: false },
  );
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const now = Date.now();
  const transactions = Array.from({ length: 60 }, (_, i) => ({
    id: `ops,${i}`,
    customerId: `c-${i % 7}`,
    terminalId: `t-${i % 5}`,
    amount: i % 10 === 0 ? 900 + i : 12 + i,
    timestamp: new Date(now - 3_600_000 + i * 1000).toISOString(),
  }));
  transactions.push({
    id: 'old-1',
    customerId: 'c-old',
    terminalId: 't-old',
    amount: 5,
    timestamp: new Date(now - 10 * 86_400_000).toISOString(),
  });
  const res = await fetch(`${server.url}/v1/score/batch?explain=false`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ transactions }),
  });
  expect(res.status).toBe(200);
  for (const [i, t] of transactions.slice(0, 60).entries()) {
    if (i % 3 !== 0) continue;
    const label = t.amount >= 900 ? 'fraud' : 'legitimate';
    expect(
      (
        await fetch(`${server.url}/v1/transactions/${encodeURIComponent(t.id)}/label`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ label, analyst: 'ana' }),
        })
      ).status,
    ).toBe(200);
  }
  await server.close();
  alertmanager = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body: JSON.parse(body) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => alertmanager.listen(0, '127.0.0.1', resolve));
  alertmanagerUrl = `http://127.0.0.1:${(alertmanager.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => alertmanager?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const scoredBase = {
  probability: 0.1,
  riskLevel: 'LOW',
  shouldBlock: false,
  threshold: 0.5,
  topFactors: [],
  shap: null,
  features: {},
  modelVersion: '1',
  scoredAt: '',
  deviceScore: null,
  agreement: null,
};
/** A stored, scored transaction of customer `customerId` (labelled or not), as export-labelled reads them. */
const scored = (
  id: string,
  timestamp: number,
  label: 'fraud' | 'legitimate' | null,
  customerId = 'c',
): ScoredTransaction =>
  ({
    ...scoredBase,
    id,
    transaction: { id, customerId, terminalId: 't', amount: 12.5, timestamp },
    label: label && { label, analyst: 'a', at: '' },
  }) as unknown as ScoredTransaction;

describe('ops-cli', () => {
  it('parses durations and instants', () => {
    expect(durationArgument(' 6h')).toBe(21_600_000);
    expect(() => durationArgument('6')).toThrow(/duration/);
    expect(() => durationArgument('0h')).toThrow(/duration/);
    expect(() => durationArgument('30s')).toThrow(/duration/);
    expect(parseInstant('1h', 10_000_000)).toBe(10_000_000 - 3_600_000);
    expect(parseInstant('2026-01-01T00:00:00Z', 0)).toBe(Date.UTC(2026, 0, 1));
  });

  it("writes the handbook schema: integer ids in time order, times from midnight of the first day, analysts' fraud labels", () => {
    const day = Date.UTC(2026, 2, 3);
    const csv = toHandbookCsv([
      scored('b', day + 86_400_000 + 5_000, 'fraud', 'x,"y"'),
      scored('a', day + 61_000, null),
      scored('c', day + 61_000, 'legitimate'),
    ]);
    expect(csv.trim().split('\n')).toEqual([
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO',
      '0,2026-03-03 00:01:01,c,t,12.5,61,0,0,0',
      '1,2026-03-03 00:01:01,c,t,12.5,61,0,0,0',
      '2,2026-03-04 00:00:05,"x,""y""",t,12.5,86405,1,1,0',
    ]);
  });

  it("export-labelled's CSV reads back through the one CSV reader: commas, quotes and line breaks in ids", async () => {
    const day = Date.UTC(2026, 2, 3);
    const awkward = ['a,b', 'say "hi"', 'two\nlines', 'crlf\r\n,"', ' padded '];
    const file = join(dir, 'awkward.csv');
    writeFileSync(
      file,
      toHandbookCsv(awkward.map((customer, i) => scored(`id${i}`, day + i * 1000, i === 1 ? 'fraud' : null, customer))),
    );
    const read: Record<string, string>[] = [];
    for await (const { values } of readCsvRecords(file, { required: [...CSV_COLUMNS] })) read.push(values);
    expect(read.map((v) => v.CUSTOMER_ID)).toEqual(awkward);
    expect(read.map((v) => v.TX_FRAUD)).toEqual(['0', '1', '0', '0', '0']);
    // training-set reads the export through the same reader and writes it again unchanged.
    const again = join(dir, 'awkward-again.csv');
    expect(await cli('training-set', '--data', file, '--out', again)).toMatchObject({
      code: 0,
      json: { rows: 5, frauds: 1 },
    });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(file, 'utf8'));
  });

  it("export-labelled: the window's scored transactions, readable by fraudmodels", async () => {
    const file = join(dir, 'out', 'labelled.csv');
    const { code, json } = await cli('export-labelled', '--since', '2d', '--out', file);
    expect(code).toBe(0);
    expect(json).toMatchObject({ out: file, rows: 60, labelled: 20, frauds: 2 });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(61);
    expect(lines.filter((l) => l.split(',')[7] === '1')).toHaveLength(2);
    const only = await cli('export-labelled', '--since', '30d', '--out', join(dir, 'only.csv'), '--labelled-only');
    expect(only.json).toMatchObject({ rows: 20, labelled: 20 });
    if (existsSync(join(VENV_BIN, 'python'))) {
      const { stdout } = await exec(
        join(VENV_BIN, 'python'),
        [
          '-c',
          'import sys; from fraudmodels.csvio import read_transactions; t = read_transactions(sys.argv[1]); print(len(t), int(t.label.sum()))',
          file,
        ],
        { cwd: join(REPO_ROOT, 'models') },
      );
      expect(stdout.trim()).toBe('60 2');
    }
  });

  it('training-set merges handbook files in time order, renumbered, and refuses a too short span', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(
      a,
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO\n0,2026-03-05 10:00:00,c1,t1,10.5,0,0,1,0\n',
    );
    writeFileSync(
      b,
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD\n7,2026-03-03 00:00:10,"c,2",t2,3,0\n9,2026-03-04 00:00:00,c3,t3,4,0\n',
    );
    const merged = await cli(
      'training-set',
      '--data',
      a,
      '--data',
      b,
      '--out',
      join(dir, 'train.csv'),
      '--min-days',
      '3',
    );
    expect(merged).toMatchObject({ code: 0, json: { rows: 3, frauds: 1, days: 3 } });
    expect(readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n').slice(1)).toEqual([
      '0,2026-03-03 00:00:10,"c,2",t2,3,10,0,0,0',
      '1,2026-03-04 00:00:00,c3,t3,4,86400,1,0,0',
      '2,2026-03-05 10:00:00,c1,t1,10.5,208800,2,1,0',
    ]);
    const short = await cli('training-set', '--data', a, '--out', join(dir, 'short.csv'), '--min-days', '21');
    expect(short.code).toBe(1);
    expect(short.json.error).toMatch(/spans 1 days/);
  });

  it('drift-check keeps a snapshot in the drift history and posts alerts above the threshold', async () => {
    const calm = await cli('drift-check', '--window', '6h', '--threshold', '1000', '--alertmanager', alertmanagerUrl);
    expect(calm.code).toBe(0);
    expect(calm.json).toMatchObject({ rows: 60, alerts: [], alerted: false, kept: true });
    expect(received).toHaveLength(0);
    const loud = await cli(
      'drift-check',
      '--window',
      '6h',
      '--threshold',
      '0.000001',
      '--alertmanager',
      alertmanagerUrl,
    );
    expect(loud.code).toBe(0);
    expect(loud.json).toMatchObject({ rows: 60, alerted: true });
    expect((loud.json.alerts as string[]).length).toBeGreaterThan(0);
    expect(received).toHaveLength(1);
    const post = received[0] as { method: string; url: string; body: { labels: Record<string, string> }[] };
    expect(post).toMatchObject({ method: 'POST', url: '/api/v2/alerts' });
    expect(post.body[0]!.labels).toMatchObject({ alertname: 'DriftAlert', service: 'fraudscore' });
    const storage = await openStorage({ dataDir: join(dir, 'store') });
    try {
      const snapshots = await storage.driftHistory!.list();
      expect(snapshots).toHaveLength(2);
      expect(snapshots[1]!.rows).toBe(60);
    } finally {
      await storage.close();
    }
  });

  it('drift alerts name the drifted features and the score', () => {
    const snapshot = {
      rows: 10,
      level: 'alert',
      thresholds: { warn: 0.1, alert: 0.3 },
      window: { from: 'a', to: 'b' },
      computedAt: '2026-01-01T00:00:00.000Z',
      baseline: { source: 'bundle', modelVersion: '1.0.0' },
      score: { psi: 0.5, count: 10 },
      features: { TX_AMOUNT: { psi: 0.31, count: 10 }, OTHER: { psi: 0.3, count: 10 }, NONE: { psi: null, count: 0 } },
    } as unknown as DriftSnapshot;
    const alerts = driftAlerts(snapshot, 0.3);
    expect(alerts.map((a) => a.labels.feature)).toEqual(['TX_AMOUNT', 'score']);
    expect(alerts[0]).toMatchObject({
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2026-01-01T06:00:00.000Z',
      labels: { model_version: '1.0.0' },
    });
  });

  it('usage and configuration errors exit 2; deploy needs MLflow', async () => {
    expect((await cli('nope')).code).toBe(2);
    expect((await cli('drift-check')).code).toBe(2);
    expect((await cli('export-labelled', '--since', 'yesterday', '--out', join(dir, 'x.csv'))).code).toBe(2);
    writeFileSync(join(dir, 'decision.json'), '{"decision":"promoted"}\n');
    expect((await cli('deploy', '--decision', join(dir, 'decision.json'))).code).toBe(2);
    const saved = env;
    env = { ...env, DEMO_RATE: 'fast' };
    expect((await cli('drift-check', '--window', '6h')).code).toBe(2);
    env = saved;
  });
});
