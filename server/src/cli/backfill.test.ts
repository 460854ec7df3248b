// Back-fill and label import without Kafka, on the embedded store in a data directory (real PGlite): fraudscore-ops
// backfill loads a simulated CSV of 2018 history at its own times with its labels (refused rows reported, changing
// nothing; a re-run changes nothing); a server started on that directory restores the 2018 windows (the data's time,
// not the wall clock); while it runs, the CLI is refused the directory and takes its drift snapshot through the
// server's API instead (kept after a restart); import-labels posts a CSV's labels to the running server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll, type DriftSnapshot, type ScoredTransaction } from '@fraudscore/edge';
import { formatAmount, formatCsvLine, simulate, type Transaction } from '@fraudscore/simulator';
import { loadConfig } from '../config.js';
import { startServer, type RunningServer } from '../server.js';
import { openStorage } from '../storage/index.js';
import { HELP, run } from './ops.js';
import { compileSpec } from '@fraudscore/sdk';
import { readBundleJson } from '../../../test/fixtures.js';
import { RedisConnection, RedisHistory, RedisLabelStats } from '../redis/index.js';
import { startRedis } from '../../test-support/redis.js';

const ADMIN = 'backfill-admin-key-0123456789abcdef';
const DAY = 86_400_000;
let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let rows: Transaction[];
let csv: string;
const BAD = ['bad-amount', 'negative', 'bad-label', 'bad-time'];

const cli = async (...argv: string[]) => {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await run(
    argv,
    env,
    (line) => lines.push(line),
    Date.now,
    (text) => lines.push(JSON.stringify({ help: text })),
    (line) => errors.push(line),
  );
  return { code, json: JSON.parse(lines.at(-1)!) as Record<string, unknown>, errors };
};

/** The handbook's naive TX_DATETIME read as UTC. */
const timeOf = (r: Transaction): number => Date.parse(`${r.TX_DATETIME.replace(' ', 'T')}Z`);
/** The decision time written for row `r`: frauds at the next midnight, legitimate ones 3 days later. */
const knownAtOf = (r: Transaction): number =>
  r.TX_FRAUD === 1 ? Math.floor(timeOf(r) / DAY) * DAY + DAY : timeOf(r) + 3 * DAY;
const datetime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fraudscore-backfill-'));
  dataDir = join(dir, 'store');
  env = { DATA_DIR: dataDir, DEMO: 'off', LOG_LEVEL: 'silent', DRIFT_MIN_ROWS: '50' };
  rows = [...simulate({ seed: 7, customers: 60, terminals: 120, days: 12, startDate: '2018-05-01' })];
  const header = formatCsvLine([
    'TRANSACTION_ID',
    'TX_DATETIME',
    'CUSTOMER_ID',
    'TERMINAL_ID',
    'TX_AMOUNT',
    'TX_FRAUD',
    'TX_FRAUD_KNOWN_AT',
  ]);
  const line = (r: Transaction) =>
    formatCsvLine([
      String(r.TRANSACTION_ID),
      r.TX_DATETIME,
      String(r.CUSTOMER_ID),
      String(r.TERMINAL_ID),
      formatAmount(r.TX_AMOUNT),
      String(r.TX_FRAUD),
      datetime(knownAtOf(r)),
    ]);
  const lines = rows.map(line);
  // Refused by the input contract (amount, timestamp) or by the label columns, each changing nothing.
  const at = rows[100]!;
  lines.splice(
    200,
    0,
    formatCsvLine(['bad-amount', at.TX_DATETIME, '1', '1', 'abc', '0', datetime(knownAtOf(at))]),
    formatCsvLine(['negative', at.TX_DATETIME, '1', '1', '-5.0', '0', datetime(knownAtOf(at))]),
    formatCsvLine(['bad-label', at.TX_DATETIME, '1', '1', '5.0', '2', datetime(knownAtOf(at))]),
    formatCsvLine(['bad-time', '2018-02-30 10:00:00', '1', '1', '5.0', '0', '']),
  );
  csv = join(dir, 'history.csv');
  writeFileSync(csv, `${[header, ...lines].join('\n')}\n`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function stored(ids: readonly string[]): Promise<(ScoredTransaction | undefined)[]> {
  const storage = await openStorage({ dataDir });
  try {
    return await storage.getMany(ids);
  } finally {
    await storage.close();
  }
}

describe('fraudscore-ops backfill and import-labels', () => {
  it('back-fills a CSV at its own times with its labels; refused rows change nothing; a re-run changes nothing', async () => {
    const first = await cli('backfill', csv, '--explain', 'none');
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({
      rows: rows.length + BAD.length,
      stored: rows.length,
      unchanged: 0,
      refused: BAD.length,
      labelled: rows.length,
      storage: 'pglite',
      first: new Date(timeOf(rows[0]!)).toISOString(),
      last: new Date(timeOf(rows.at(-1)!)).toISOString(),
    });
    const refused = (first.json.refused_examples as { id: string; field: string; line: number }[]).sort(
      (a, b) => a.line - b.line,
    );
    expect(refused.map((r) => [r.id, r.field])).toEqual([
      ['bad-amount', 'amount'],
      ['negative', 'amount'],
      ['bad-label', 'TX_FRAUD'],
      ['bad-time', 'timestamp'],
    ]);
    expect(first.errors.filter((e) => e.includes('refused line'))).toHaveLength(BAD.length);

    const sample = [rows[0]!, rows[500]!, ...rows.filter((r) => r.TX_FRAUD === 1).slice(0, 3), rows.at(-1)!];
    const records = await stored([...sample.map((r) => String(r.TRANSACTION_ID)), ...BAD]);
    for (const [k, r] of sample.entries()) {
      const record = records[k]!;
      // The file's own instant: weekday and hour kept (the calendar features read them).
      expect(record.transaction.timestamp).toBe(timeOf(r));
      expect(record.features.TX_DURING_WEEKEND).toBe([0, 6].includes(new Date(timeOf(r)).getUTCDay()) ? 1 : 0);
      expect(record.label).toEqual({
        label: r.TX_FRAUD === 1 ? 'fraud' : 'legitimate',
        analyst: 'backfill',
        at: new Date(knownAtOf(r)).toISOString(),
      });
    }
    expect(records.slice(sample.length)).toEqual(BAD.map(() => undefined));

    // Every transaction was scored with exactly the labels known by its time: the windows over labels as known at
    // scoring time, recomputed from the file, equal what the back-fill stored for every row.
    const storage = await openStorage({ dataDir });
    let all: ScoredTransaction[];
    try {
      all = await listAll(storage, {});
    } finally {
      await storage.close();
    }
    expect(all).toHaveLength(rows.length);
    const byTerminal = new Map<string, Transaction[]>();
    for (const r of rows) byTerminal.set(String(r.TERMINAL_ID), [...(byTerminal.get(String(r.TERMINAL_ID)) ?? []), r]);
    let withKnownLabels = 0;
    for (const record of all) {
      const t = record.transaction.timestamp;
      const known = byTerminal
        .get(String(record.transaction.terminalId))!
        .filter((q) => String(q.TRANSACTION_ID) !== record.id && timeOf(q) > t - 28 * DAY && timeOf(q) <= t)
        .filter((q) => knownAtOf(q) <= t);
      if (known.length > 0) withKnownLabels += 1;
      expect([record.id, record.features.TERMINAL_ID_KNOWN_LABELS_28DAY_WINDOW]).toEqual([record.id, known.length]);
      expect([record.id, record.features.TERMINAL_ID_KNOWN_FRAUD_28DAY_WINDOW]).toEqual([
        record.id,
        known.filter((q) => q.TX_FRAUD === 1).length,
      ]);
    }
    expect(withKnownLabels).toBeGreaterThan(rows.length / 2);

    const again = await cli('backfill', csv, '--explain', 'none');
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({
      stored: 0,
      unchanged: rows.length,
      refused: BAD.length,
      labelled: 0,
      labels_unchanged: rows.length,
    });
    // The store's newest weeks were restored before the re-run: the data's time, not the wall clock's.
    expect(Number((again.json.history as string).match(/\d+/)![0])).toBeGreaterThan(rows.length / 2);
  }, 180_000);

  it('a server restarted on back-filled 2018 history restores its windows; the CLI goes through its API while it runs', async () => {
    const events: { event: string; fields: Record<string, unknown> }[] = [];
    const logger = {
      debug: () => {},
      info: (event: string, fields: Record<string, unknown> = {}) => events.push({ event, fields }),
      warn: () => {},
      error: () => {},
    };
    const config = await loadConfig({ ...env, PORT: '0', API_KEYS: `${ADMIN}:admin`, RATE_LIMIT_PER_MINUTE: '0' });
    let server: RunningServer | undefined = await startServer(config, { dashboardDir: false, logger: logger as never });
    try {
      const restored = events.find((e) => e.event === 'state.restored')!.fields;
      expect(restored.transactions).toBe(rows.length);
      expect(restored.newest).toBe(new Date(timeOf(rows.at(-1)!)).toISOString());

      // A 2018 transaction after the file: its customer windows hold the back-filled rows of the week before it.
      const last = rows.at(-1)!;
      const t = timeOf(last) + 60_000;
      const week = rows.filter((r) => r.CUSTOMER_ID === last.CUSTOMER_ID && timeOf(r) > t - 7 * DAY);
      const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const res = await fetch(`${server.url}/v1/score?backfill=true&explain=false`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          id: 'after-restart',
          customerId: String(last.CUSTOMER_ID),
          terminalId: String(last.TERMINAL_ID),
          amount: 10,
          timestamp: new Date(t).toISOString(),
        }),
      });
      expect(res.status).toBe(200);
      const scored = (await res.json()) as ScoredTransaction;
      // The count includes the transaction itself.
      expect(scored.features.CUSTOMER_ID_NB_TX_7DAY_WINDOW).toBe(week.length + 1);

      // The running server holds DATA_DIR: the CLI is refused it (exit 2, saying why) instead of losing its writes.
      const refused = await cli('drift-check', '--from', '2018-05-05T00:00:00Z', '--until', '2018-05-12T00:00:00Z');
      expect(refused.code).toBe(2);
      expect(refused.json.error).toMatch(/held by a running process .*--url/);
      const backfillRefused = await cli('backfill', csv);
      expect(backfillRefused.code).toBe(2);

      // Through the server's API the snapshot is the server's, kept in the store it reads.
      env = { ...env, OPS_API_KEY: ADMIN };
      const viaApi = await cli(
        'drift-check',
        '--from',
        '2018-05-05T00:00:00Z',
        '--until',
        '2018-05-12T00:00:00Z',
        '--url',
        server.url,
      );
      expect(viaApi.code).toBe(0);
      expect(viaApi.json).toMatchObject({
        kept: true,
        server: server.url,
        window: { from: '2018-05-05T00:00:00.000Z' },
      });
      expect(viaApi.json.rows).toBeGreaterThan(100);
      const takenAt = (await (await fetch(`${server.url}/v1/drift/history`, { headers })).json()) as {
        snapshots: DriftSnapshot[];
      };
      expect(takenAt.snapshots.some((s) => s.window.from === '2018-05-05T00:00:00.000Z')).toBe(true);

      // import-labels: the CSV's labels posted in requests of 10,000; flipped labels are written, the rest are equal
      // to what the back-fill stored (the same decision times) and left alone; a re-run changes nothing.
      const flipped = join(dir, 'labels.csv');
      const header = 'TRANSACTION_ID,TX_DATETIME,TX_FRAUD,TX_FRAUD_KNOWN_AT';
      const labelLine = (r: Transaction, fraud: number) =>
        formatCsvLine([String(r.TRANSACTION_ID), r.TX_DATETIME, String(fraud), datetime(knownAtOf(r))]);
      writeFileSync(
        flipped,
        `${[header, ...rows.map((r, i) => labelLine(r, i < 10 ? 1 - r.TX_FRAUD : r.TX_FRAUD))].join('\n')}\n`,
      );
      const imported = await cli('import-labels', flipped, '--url', server.url, '--analyst', 'backfill');
      expect(imported.code).toBe(0);
      expect(imported.json).toMatchObject({
        rows: rows.length,
        labelled: 10,
        unchanged: rows.length - 10,
        requests: 1,
      });
      const reimported = await cli('import-labels', flipped, '--url', server.url, '--analyst', 'backfill');
      expect(reimported.json).toMatchObject({ labelled: 0, unchanged: rows.length });
      const check = async (id: number) =>
        ((await (await fetch(`${server!.url}/v1/transactions/${id}`, { headers })).json()) as ScoredTransaction).label!
          .label;
      expect(await check(rows[0]!.TRANSACTION_ID)).toBe(rows[0]!.TX_FRAUD === 1 ? 'legitimate' : 'fraud');

      // A malformed row anywhere: nothing is posted (the first rows' labels stay as they are), exit 1 naming the line.
      const malformed = join(dir, 'malformed.csv');
      writeFileSync(
        malformed,
        `${[header, ...rows.slice(0, 5).map((r) => labelLine(r, r.TX_FRAUD)), 'x,2018-05-01 00:00:00,yes,'].join('\n')}\n`,
      );
      const bad = await cli('import-labels', malformed, '--url', server.url);
      expect(bad.code).toBe(1);
      expect(bad.json.error).toMatch(/line 7: TX_FRAUD/);
      expect(await check(rows[0]!.TRANSACTION_ID)).toBe(rows[0]!.TX_FRAUD === 1 ? 'legitimate' : 'fraud');
      // An id the server never scored refuses its request; the line is named.
      const unknown = join(dir, 'unknown.csv');
      writeFileSync(unknown, `${header}\nnever-scored,2018-05-01 00:00:00,0,2018-05-02 00:00:00\n`);
      const missing = await cli('import-labels', unknown, '--url', server.url);
      expect(missing.code).toBe(1);
      expect(missing.json.error).toMatch(/line 2: .*404/);

      // After a restart the server still has the snapshot the CLI asked it for.
      await server.close();
      server = undefined;
      server = await startServer(config, { dashboardDir: false });
      const kept = (await (await fetch(`${server.url}/v1/drift/history`, { headers })).json()) as {
        snapshots: DriftSnapshot[];
      };
      expect(kept.snapshots.some((s) => s.window.from === '2018-05-05T00:00:00.000Z')).toBe(true);
    } finally {
      await server?.close();
      env = { DATA_DIR: dataDir, DEMO: 'off', LOG_LEVEL: 'silent', DRIFT_MIN_ROWS: '50' };
    }
  }, 240_000);

  it('--help and usage errors', async () => {
    for (const command of ['backfill', 'import-labels']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.json.help).toBe(HELP);
    }
    expect(HELP).toMatch(/backfill +loads a handbook-schema CSV/);
    expect(HELP).toMatch(/import-labels +posts a CSV's labels/);
    expect((await cli('backfill')).code).toBe(2);
    expect((await cli('backfill', csv, '--explain', 'some')).code).toBe(2);
    expect((await cli('import-labels', csv)).code).toBe(2); // no --url
    expect((await cli('import-labels', csv, '--url', 'http://127.0.0.1:1')).json.error).toMatch(/OPS_API_KEY/);
  });
});

describe('fraudscore-ops backfill with REDIS_URL', () => {
  it('keeps the feature history and the label counts in Redis, by the data time', async () => {
    const redis = await startRedis();
    const saved = env;
    env = { ...env, DATA_DIR: join(dir, 'store-redis'), REDIS_URL: redis.url, REDIS_PREFIX: 'backfill:' };
    const connection = new RedisConnection({ url: redis.url });
    try {
      const result = await cli('backfill', csv, '--explain', 'none');
      expect(result.code).toBe(0);
      expect(result.json).toMatchObject({ stored: rows.length, labelled: rows.length, history: 'redis backfill:' });
      await connection.connect();
      const last = timeOf(rows.at(-1)!);
      const history = new RedisHistory(connection, compileSpec(readBundleJson('features.json')), {
        prefix: 'backfill:',
        clock: () => last,
      });
      // 12 days of 2018 are within the retention counted from the file's last transaction: none pruned.
      expect(await history.size()).toBe(rows.length);
      const fraud = rows.find((r) => r.TX_FRAUD === 1)!;
      expect(await history.get(String(fraud.TRANSACTION_ID))).toMatchObject({
        label: 1,
        labelKnownAt: knownAtOf(fraud),
      });
      // The label counts of the day the last labels became known, as a server's metrics would have counted them.
      const lastDay = Math.max(...rows.map(knownAtOf));
      const day = new Date(lastDay).toISOString().slice(0, 10);
      const stats = await new RedisLabelStats(connection, { prefix: 'backfill:' }).read();
      expect(stats.day).toBe(day);
      expect(stats.labelledToday).toBe(
        rows.filter((r) => new Date(knownAtOf(r)).toISOString().slice(0, 10) === day).length,
      );
    } finally {
      env = saved;
      await connection.close();
      await redis.stop();
    }
  }, 180_000);
});
