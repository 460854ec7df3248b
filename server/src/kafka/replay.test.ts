import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CSV_HEADER, formatCsvLine, formatCsvRow, simulate } from '@fraudscore/simulator';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from './memory.js';
import { TOPICS, type RawMessage } from './messages.js';
import { replay } from './replay.js';

const HANDBOOK = new URL('../../../../shared/data/handbook-transactions-2018-04-01_2018-09-14.csv.gz', import.meta.url)
  .pathname;

describe('replay', () => {
  it('publishes the simulator CSV (gzip) keyed by customer, without labels, at the given rate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    try {
      const rows = [...simulate({ seed: 3, customers: 100, terminals: 200, days: 10 })].slice(0, 300);
      const file = join(dir, 'sim.csv.gz');
      writeFileSync(file, gzipSync(`${CSV_HEADER}\n${rows.map((r) => formatCsvRow(r)).join('\n')}\n`));
      const broker = new MemoryBroker();
      const started = Date.now();
      const progress: number[] = [];
      const { sent } = await replay({
        file,
        publisher: broker.publisher(),
        rate: 1000,
        progress: (n) => progress.push(n),
      });
      expect(sent).toBe(300);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250); // 300 at 1,000/s
      expect(progress.at(-1)).toBe(300);
      const messages = broker.read(TOPICS.raw);
      expect(messages).toHaveLength(300);
      const first = messages
        .map((m) => ({ key: m.key, body: JSON.parse(m.value!) as RawMessage }))
        .find((m) => m.body.transaction.id === String(rows[0]!.TRANSACTION_ID))!;
      expect(first.key).toBe(String(rows[0]!.CUSTOMER_ID));
      expect(Object.keys(first.body.transaction).sort()).toEqual([
        'amount',
        'customerId',
        'id',
        'terminalId',
        'timestamp',
      ]);
      expect(first.body.schemaVersion).toBe(1);
      expect(first.body.backfill).toBe(true); // shifted timestamps run ahead of the clock: a back-fill for the processor
      // shift: the file's first transaction is stamped now, the rest keep their spacing.
      expect(Math.abs(Date.parse(first.body.transaction.timestamp as string) - started)).toBeLessThan(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads quoted fields (commas, quotes, line breaks) as export-labelled's writer quotes them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    try {
      const file = join(dir, 'quoted.csv');
      const customers = ['a,b', 'say "hi"', 'two\nlines'];
      writeFileSync(
        file,
        [
          CSV_HEADER,
          ...customers.map((c, i) =>
            formatCsvLine([`${i}`, '2026-03-03 00:00:0' + i, c, 't', '1.5', `${i}`, '0', '0', '0']),
          ),
        ].join('\r\n'),
      );
      const broker = new MemoryBroker();
      expect((await replay({ file, publisher: broker.publisher(), rate: 0 })).sent).toBe(3);
      const sent = broker
        .read(TOPICS.raw)
        .map((m) => (JSON.parse(m.value!) as RawMessage).transaction)
        .sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(sent.map((t) => t.customerId)).toEqual(customers);
      expect(sent.map((t) => t.amount)).toEqual([1.5, 1.5, 1.5]);
      writeFileSync(file, `${CSV_HEADER}\n0,2026-03-03 00:00:00,"unclosed,t,1,0,0,0,0\n`);
      await expect(replay({ file, publisher: broker.publisher(), rate: 0 })).rejects.toThrow(
        `${file} line 2: a quoted field is not closed`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(HANDBOOK))('reads the shared handbook CSV', async () => {
    const broker = new MemoryBroker();
    const { sent } = await replay({
      file: HANDBOOK,
      publisher: broker.publisher(),
      rate: 0,
      limit: 2000,
      timestamps: 'original',
    });
    expect(sent).toBe(2000);
    const tx = (JSON.parse(broker.read(TOPICS.raw)[0]!.value!) as RawMessage).transaction;
    expect(tx.timestamp).toMatch(/^2018-04-01T/);
    expect((JSON.parse(broker.read(TOPICS.raw)[0]!.value!) as RawMessage).backfill).toBe(true);
  });
});
