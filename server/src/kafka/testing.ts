// Valid transactions for the pipeline's tests and benchmark: the TS simulator's customers and terminals, stamped
// with the time they are generated (as the demo stream does), wrapped as transactions_raw messages.
import { simulate } from '@fraudscore/simulator';
import { customerKey, rawMessage, TOPICS } from './messages.js';

export interface RawRecord {
  key: string;
  value: string;
}

/** `count` raw messages with ids `${prefix}-<n>`; labels (TX_FRAUD) are never sent. */
export function* rawTransactions(count: number, prefix = 'tx', seed = 7): Generator<RawRecord> {
  let n = 0;
  const now = Date.now();
  while (n < count) {
    for (const s of simulate({ seed, customers: 2000, terminals: 4000, days: 365 })) {
      if (n >= count) return;
      const transaction = {
        id: `${prefix}-${n}`,
        customerId: `C${s.CUSTOMER_ID}`,
        terminalId: `T${s.TERMINAL_ID}`,
        amount: s.TX_AMOUNT,
        // Spread over the last days in stream order, so windows fill as they would.
        timestamp: new Date(now - (count - n) * 1000).toISOString(),
      };
      n += 1;
      yield { key: customerKey(transaction), value: JSON.stringify(rawMessage(transaction)) };
    }
  }
}

/**
 * Poison messages: invalid JSON, a wrong schema version, what the input contract refuses (a NUL or a lone surrogate
 * in an id, a negative or astronomical amount, a missing or far-future timestamp, no schemaVersion at all) and, given
 * a good record published before them, a conflicting duplicate of it (same id, another amount). POISON_REASONS lists
 * their DLQ reasons, sorted.
 */
export function poisonMessages(prefix = 'bad', conflictWith?: RawRecord): RawRecord[] {
  const now = new Date().toISOString();
  const raw = (transaction: Record<string, unknown>) =>
    JSON.stringify({
      schemaVersion: 1,
      transaction: { customerId: 'C1', terminalId: 'T1', amount: 3, timestamp: now, ...transaction },
    });
  const records: RawRecord[] = [
    { key: 'p1', value: '{not json' },
    { key: 'p2', value: JSON.stringify({ schemaVersion: 99, transaction: { id: `${prefix}-1` } }) },
    { key: 'p3', value: raw({ id: `${prefix}-2`, amount: -5 }) },
    { key: 'p4', value: raw({ id: `${prefix}-3`, timestamp: undefined }) },
    { key: 'p5', value: JSON.stringify([1, 2]) },
    { key: 'p6', value: JSON.stringify({ hello: 'world' }) },
    { key: 'p7', value: raw({ id: `${prefix}-4\u0000` }) },
    { key: 'p8', value: raw({ id: `${prefix}-5\ud800` }) }, // JSON.stringify writes the lone surrogate as \ud800
    { key: 'p9', value: raw({ id: `${prefix}-6`, amount: 1.7e308 }) },
    { key: 'p10', value: raw({ id: `${prefix}-7`, timestamp: '2100-01-01T00:00:00Z' }) },
  ];
  if (conflictWith) {
    const body = JSON.parse(conflictWith.value) as { schemaVersion: number; transaction: Record<string, unknown> };
    records.push({
      key: conflictWith.key,
      value: JSON.stringify({
        ...body,
        transaction: { ...body.transaction, amount: Number(body.transaction['amount']) + 1 },
      }),
    });
  }
  return records;
}

/** The DLQ reasons of poisonMessages(prefix, conflictWith), sorted. */
export const POISON_REASONS = (conflict: boolean): string[] =>
  [
    'invalid_json',
    'unsupported_schema_version',
    ...Array.from({ length: 8 }, () => 'schema_violation'),
    ...(conflict ? ['conflicting_duplicate'] : []),
  ].sort();

export { TOPICS };
