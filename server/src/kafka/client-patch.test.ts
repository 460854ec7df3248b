// The patched record encoding of @platformatic/kafka (patches/@platformatic__kafka@1.35.0.patch): a record batch is
// encoded into one buffer instead of about seven small buffers per record, and its CRC is computed chunk by chunk.
// The bytes must stay the library's own: each record as its createRecord writes it, the CRC over attributes to end.
// (The real-broker tests — exactly-once, read_committed, the zombie — produce through it end to end.)
import { createRecord, createRecordsBatch, jsCRC32C } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

/** Deterministic pseudo-random numbers: the same messages every run (timestamps relative to now). */
function generator(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

interface Message {
  topic: string;
  partition: number;
  key: Buffer | null | undefined;
  value: Buffer | null;
  headers: Map<Buffer, Buffer | null> | undefined;
  timestamp: bigint | undefined;
}

function messages(seed: number, count: number): Message[] {
  const random = generator(seed);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const sizes = [0, 1, 63, 64, 127, 128, 300, 8191, 8192];
  const size = () => sizes[Math.floor(random() * sizes.length)]!;
  const base = BigInt(Date.now()); // messages without a timestamp get now
  return Array.from({ length: count }, (_, i) => {
    const r = random();
    return {
      topic: 't',
      partition: 0,
      key: r < 0.2 ? null : r < 0.3 ? undefined : bytes(size()),
      value: random() < 0.05 ? null : bytes(size()),
      headers:
        random() < 0.3
          ? new Map<Buffer, Buffer | null>(
              Array.from({ length: Math.floor(random() * 4) }, () => [
                bytes(1 + i),
                random() < 0.2 ? null : bytes(size()),
              ]),
            )
          : random() < 0.5
            ? new Map()
            : undefined,
      // deltas within ±2^31 ms (beyond that the library's own varint64 writer is wrong; see the next test)
      timestamp: random() < 0.3 ? undefined : base + BigInt(Math.floor((random() - 0.5) * 2 ** 30)) + BigInt(i),
    };
  });
}

const HEADER = 61; // batch header up to the records: offset, length, epoch, magic, CRC, attributes … record count
type Batch = { buffer: Buffer };
const encode = (list: Message[]): Buffer => (createRecordsBatch(list as never, {}) as unknown as Batch).buffer;

describe('the patched record batch encoding', () => {
  it('writes each record as the library`s createRecord does, and the CRC over attributes to end', () => {
    for (let seed = 1; seed <= 24; seed++) {
      const list = messages(seed, 1 + ((seed * 37) % 120));
      const batch = encode(list);
      // createRecordsBatch set every message's timestamp (now where there was none): the reference uses the same.
      const first = list[0]!.timestamp!;
      const records = Buffer.concat(
        list.map((m, i) => (createRecord(m as never, i, first) as unknown as Batch).buffer),
      );
      expect(batch.subarray(HEADER).equals(records)).toBe(true);
      expect(batch.readUInt32BE(17)).toBe(jsCRC32C(batch.subarray(21)));
    }
  });

  it('is the patched one: the records of a batch in one buffer, not several per record', () => {
    const list = messages(99, 100);
    const batch = createRecordsBatch(list as never, {}) as unknown as { dynamicBuffer: { buffers: unknown[] } };
    expect(batch.dynamicBuffer.buffers.length).toBeLessThan(20);
  });

  it('writes timestamp deltas of 2^31 ms and more as standard zigzag varints', () => {
    const first = 1_765_000_000_000n;
    const deltas = [0n, (1n << 40n) + 12_345n, -(1n << 41n), 1n << 32n, -(1n << 31n) - 1n, 1n << 61n];
    const batch = encode(
      deltas.map((d) => ({
        topic: 't',
        partition: 0,
        key: null,
        value: Buffer.from('v'),
        headers: undefined,
        timestamp: first + d,
      })),
    );
    let p = HEADER;
    const varint = (): bigint => {
      let result = 0n;
      for (let shift = 0n; ; shift += 7n) {
        const byte = BigInt(batch[p++]!);
        result |= (byte & 0x7fn) << shift;
        if (byte < 0x80n) return (result >> 1n) ^ -(result & 1n);
      }
    };
    for (const delta of deltas) {
      const length = Number(varint());
      const start = p;
      p += 1; // attributes
      expect(varint()).toBe(delta);
      p = start + length;
    }
    expect(p).toBe(batch.length);
  });
});
