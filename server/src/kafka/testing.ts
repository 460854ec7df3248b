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

/** Poison messages: invalid JSON, a wrong schema version, schema violations. */
export function poisonMessages(prefix = 'bad'): RawRecord[] {
  return [
    { key: 'p1', value: '{not json' },
    { key: 'p2', value: JSON.stringify({ schemaVersion: 99, transaction: { id: `${prefix}-1` } }) },
    {
      key: 'p3',
      value: JSON.stringify({
        schemaVersion: 1,
        transaction: {
          id: `${prefix}-2`,
          customerId: 'C1',
          terminalId: 'T1',
          amount: -5,
          timestamp: new Date().toISOString(),
        },
      }),
    },
    {
      key: 'p4',
      value: JSON.stringify({
        schemaVersion: 1,
        transaction: { id: `${prefix}-3`, customerId: 'C1', terminalId: 'T1', amount: 3 },
      }),
    },
    { key: 'p5', value: JSON.stringify([1, 2]) },
  ];
}

export { TOPICS };
