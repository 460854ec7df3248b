// The processor alone (no transport): what each kind of message produces, how a batch that throws is split to find
// the culprits, what a failure that is not the messages' fault does, and which re-consumed messages re-emit alerts.
import {
  createInProcessEventBus,
  createScoringService,
  memoryHistory,
  MemoryStorage,
  Registry,
  type ScoringService,
} from '@fraudscore/edge';
import { createScorer, directorySource, MemoryHistoryStore } from '@fraudscore/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE } from '../config.js';
import { createLogger } from '../log.js';
import { rawMessage, TOPICS, type DlqMessage, type ScoredMessage } from './messages.js';
import { createProcessor, type Processor } from './processor.js';
import type { ConsumedMessage, ProducedMessage } from './transport.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const clock = (): number => NOW;

/** A service over a fresh history and memory storage; `alertAll`: a threshold below 0 makes every record an alert. */
async function scoring(alertAll = false): Promise<{ service: ScoringService; history: MemoryHistoryStore }> {
  const scorer = await createScorer({
    bundle: directorySource(DEFAULT_BUNDLE),
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec, { clock }),
    cache: false,
    clock,
    onWarning: () => {},
  });
  const history = scorer.history as MemoryHistoryStore;
  const service = createScoringService({
    model: scorer,
    history: memoryHistory(history),
    storage: new MemoryStorage(),
    bus: createInProcessEventBus(),
    clock,
    ...(alertAll ? { config: { threshold: -0.2 } } : {}),
  });
  return { service, history };
}

let offset = 0;
const message = (value: string | null, partition = 0, at?: number): ConsumedMessage => ({
  topic: TOPICS.raw,
  partition,
  offset: String(at ?? offset++),
  key: 'k',
  value,
  timestamp: NOW,
});
const tx = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  customerId: `c-${id}`,
  terminalId: 't1',
  amount: 12,
  timestamp: '2026-03-20T11:00:00Z',
  ...overrides,
});
const raw = (transaction: Record<string, unknown>, partition = 0, backfill?: boolean): ConsumedMessage =>
  message(
    JSON.stringify({ ...rawMessage(transaction as never), ...(backfill === undefined ? {} : { backfill }) }),
    partition,
  );

const on = (outputs: readonly ProducedMessage[], topic: string) =>
  outputs.filter((o) => o.topic === topic).map((o) => JSON.parse(o.value) as Record<string, unknown>);
const scoredIds = (outputs: readonly ProducedMessage[]) =>
  on(outputs, TOPICS.scored).map((s) => (s as unknown as ScoredMessage).id);
const dlqOf = (outputs: readonly ProducedMessage[]) => on(outputs, TOPICS.dlq) as unknown as DlqMessage[];

/** The service, failing (as a bug or a broken dependency would) whenever a call holds one of `poison`'s ids. */
function faulty(service: ScoringService, poison: (id: unknown) => boolean, calls = { n: 0 }): ScoringService {
  return {
    ...service,
    scoreEach: async (inputs, options) => {
      calls.n += 1;
      if (inputs.some((t) => poison((t as { id?: unknown }).id)))
        throw new TypeError('cannot read properties of undefined');
      return service.scoreEach(inputs, options);
    },
  };
}

beforeEach(() => {
  offset = 0;
});

describe('each message ends scored or in the DLQ with its reason', () => {
  it('refusals: not UTF-8, not JSON, no schemaVersion, another version, bad backfill flag, the contract, conflicting duplicates', async () => {
    const { service } = await scoring();
    const processor = createProcessor({ service, clock });
    const outputs = await processor.handle([
      { ...message(null), valueBase64: Buffer.from([0x7b, 0xff]).toString('base64') },
      message('{"id": '),
      message(JSON.stringify({ hello: 'world' })),
      message(JSON.stringify({ schemaVersion: 2, transaction: tx('v2') })),
      raw(tx('flag'), 0, 'yes' as never),
      raw(tx('nul\u0000')),
      raw(tx('old', { timestamp: '2018-04-01T00:00:00Z' })),
      raw(tx('ok-1')),
      raw(tx('ok-1', { amount: 13 })),
      raw(tx('ok-1')),
    ]);
    expect(dlqOf(outputs).map((d) => [d.reason, d.field ?? null, d.id ?? null])).toEqual([
      ['invalid_json', null, null],
      ['invalid_json', null, null],
      ['schema_violation', 'schemaVersion', null],
      ['unsupported_schema_version', 'schemaVersion', null],
      ['schema_violation', 'backfill', null],
      ['schema_violation', 'id', null],
      ['schema_violation', 'timestamp', 'old'],
      ['conflicting_duplicate', 'id', 'ok-1'],
    ]);
    expect(dlqOf(outputs)[0]).toMatchObject({
      value: null,
      valueBase64: 'e/8=',
      message: expect.stringMatching(/not valid UTF-8/),
    });
    expect(dlqOf(outputs)[6]!.message).toMatch(/days before the clock.*back-fills and replays can opt out/);
    expect(scoredIds(outputs)).toEqual(['ok-1', 'ok-1']); // the repeat with the same content is answered from storage
    expect(processor.stats).toMatchObject({ consumed: 10, scored: 2, stored: 1, dlq: 8, retries: 0 });
  });

  it('a back-fill (replay) message is scored with a timestamp outside the window; the 1970..9999 range still holds', async () => {
    const { service } = await scoring();
    const processor = createProcessor({ service, clock });
    const outputs = await processor.handle([
      raw(tx('bf-1', { timestamp: '2018-04-01T00:00:00Z' }), 0, true),
      raw(tx('bf-2', { timestamp: '0000-01-01T00:00:00Z' }), 0, true),
    ]);
    expect(scoredIds(outputs)).toEqual(['bf-1']);
    expect(dlqOf(outputs).map((d) => d.field)).toEqual(['timestamp']);
  });
});

describe('a batch that throws as a whole is split to find the culprits', () => {
  it('the messages that fail on their own go to the DLQ (processing_error); the rest is scored, in order', async () => {
    const { service, history } = await scoring();
    const calls = { n: 0 };
    const processor = createProcessor({
      service: faulty(service, (id) => id === 'boom-1' || id === 'boom-2', calls),
      clock,
    });
    const batch = Array.from({ length: 64 }, (_, i) =>
      raw(tx(i === 5 ? 'boom-1' : i === 50 ? 'boom-2' : `m-${i}`, { customerId: 'same' })),
    );
    const outputs = await processor.handle(batch);
    const dead = dlqOf(outputs);
    expect(dead.map((d) => [d.reason, d.id])).toEqual([
      ['processing_error', 'boom-1'],
      ['processing_error', 'boom-2'],
    ]);
    expect(dead[0]!.message).toMatch(/failed on its own.*TypeError: cannot read properties of undefined/);
    expect(scoredIds(outputs)).toEqual(
      Array.from({ length: 64 }, (_, i) => `m-${i}`).filter((_, i) => i !== 5 && i !== 50),
    );
    // Order kept: each of the customer's transactions sees exactly the ones before it.
    expect(history.size).toBe(62);
    expect(calls.n).toBeLessThan(2 * 2 * Math.log2(64) + 2);
  });

  it("a failure that is not the messages' fault dead-letters nothing: the batch is given back, after a pause", async () => {
    const { service } = await scoring();
    const lines: string[] = [];
    const processor = createProcessor({
      service: faulty(service, () => true),
      clock,
      logger: createLogger('debug', (l) => lines.push(l)),
      retryBackoff: { baseMs: 1, maxMs: 1 },
    });
    const batch = Array.from({ length: 200 }, (_, i) => raw(tx(`s-${i}`)));
    await expect(processor.handle(batch)).rejects.toMatchObject({
      name: 'BatchRetry',
      message: expect.stringMatching(/TypeError.*consumed again/),
    });
    expect(processor.stats).toMatchObject({ dlq: 0, scored: 0, retries: 1 });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      level: 'warn',
      event: 'kafka.batch_retrying',
      messages: 200,
      error: 'TypeError',
    });
  });

  it('a message failing alone is dead-lettered once the service has worked for others since it first failed', async () => {
    const { service } = await scoring();
    const processor = createProcessor({
      service: faulty(service, (id) => id === 'lonely'),
      clock,
      retryBackoff: { baseMs: 1, maxMs: 1 },
    });
    const poison = raw(tx('lonely'));
    await expect(processor.handle([poison])).rejects.toMatchObject({ name: 'BatchRetry' }); // could be an outage
    expect(scoredIds(await processor.handle([raw(tx('other'), 1)]))).toEqual(['other']); // the service works
    const outputs = await processor.handle([poison]);
    expect(dlqOf(outputs).map((d) => [d.reason, d.id])).toEqual([['processing_error', 'lonely']]);
  });

  it('more failures on their own than poison would explain is an outage: retried, not dead-lettered', async () => {
    const { service } = await scoring();
    const processor = createProcessor({
      service: faulty(service, (id) => String(id).startsWith('x')),
      clock,
      retryBackoff: { baseMs: 1, maxMs: 1 },
    });
    const batch = Array.from({ length: 40 }, (_, i) => raw(tx(i < 10 ? `ok-${i}` : `x-${i}`)));
    await expect(processor.handle(batch)).rejects.toMatchObject({ name: 'BatchRetry' });
    expect(processor.stats.dlq).toBe(0);
  });
});

describe('rollbacks in a row', () => {
  it('turn the stream degraded with the reason, an error log line and the gauge; a commit clears them', async () => {
    const { service } = await scoring();
    const registry = new Registry();
    const lines: string[] = [];
    const processor: Processor = createProcessor({
      service,
      clock,
      registry,
      logger: createLogger('info', (l) => lines.push(l)),
    });
    expect(registry.render()).toMatch(/^kafka_processor_consecutive_aborts 0$/m);
    for (let i = 0; i < 3; i++) processor.aborted(new Error('broker unreachable'));
    expect(processor.problems()).toEqual([
      'stream: 3 batches in a row rolled back, transactions_raw is not moving (last: Error: broker unreachable)',
    ]);
    expect(registry.render()).toMatch(/^kafka_processor_consecutive_aborts 3$/m);
    expect(registry.render()).toMatch(/^kafka_processor_aborted_batches_total 3$/m);
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['kafka.stream_degraded']);
    processor.committed();
    expect(processor.problems()).toEqual([]);
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['kafka.stream_degraded', 'kafka.stream_recovered']);
  });
});

describe('re-consumed messages of an already-scored id', () => {
  it('re-emit scored and predictions; the alert only when the same message comes again (its outputs were rolled back)', async () => {
    const { service } = await scoring(true);
    const processor = createProcessor({ service, clock });
    const first = raw(tx('a-1'));
    const once = await processor.handle([first]);
    expect([scoredIds(once), on(once, TOPICS.alerts).length, on(once, TOPICS.predictions).length]).toEqual([
      ['a-1'],
      1,
      1,
    ]);
    // The same message again (the transaction that carried the outputs was rolled back): everything, the alert too.
    const redelivered = await processor.handle([first]);
    expect([
      scoredIds(redelivered),
      on(redelivered, TOPICS.alerts).length,
      on(redelivered, TOPICS.predictions).length,
    ]).toEqual([['a-1'], 1, 1]);
    // Another message with the same content (a duplicate send, a replay): scored and predictions, no second alert.
    const duplicate = await processor.handle([raw(tx('a-1'))]);
    expect([
      scoredIds(duplicate),
      on(duplicate, TOPICS.alerts).length,
      on(duplicate, TOPICS.predictions).length,
    ]).toEqual([['a-1'], 0, 1]);
    expect(processor.stats).toMatchObject({ scored: 3, stored: 2, alerts: 2 });
  });

  it("an alert is produced again when its batch rolls back after the partition's next batch was scored (pipelined)", async () => {
    const { service } = await scoring(true);
    const processor = createProcessor({ service, clock });
    // Batch A (offsets 0, 1) is committing while batch B (2, 3) of the same partition is scored; then A rolls back,
    // B is dropped, and the transport hands A's messages again.
    const a = [raw(tx('p-0')), raw(tx('p-1'))];
    const b = [raw(tx('p-2')), raw(tx('p-3'))];
    expect(on(await processor.handle(a), TOPICS.alerts)).toHaveLength(2);
    expect(on(await processor.handle(b), TOPICS.alerts)).toHaveLength(2);
    expect(on(await processor.handle(a), TOPICS.alerts).map((x) => x['id'])).toEqual(['p-0', 'p-1']);
    expect(on(await processor.handle(b), TOPICS.alerts).map((x) => x['id'])).toEqual(['p-2', 'p-3']);
    // Once a later batch begins, A is committed: a duplicate of its message (an offset reset) pages nobody again.
    await processor.handle([raw(tx('p-4'))]);
    expect(on(await processor.handle(a), TOPICS.alerts)).toEqual([]);
  });

  it('an alert scored in a batch that was then given back is produced when its message comes again', async () => {
    const { service } = await scoring(true);
    let fail = true;
    const processor = createProcessor({
      service: faulty(service, (id) => fail && String(id).startsWith('late')),
      clock,
      retryBackoff: { baseMs: 1, maxMs: 1 },
    });
    // More failures than poison explains: the batch is given back, with 'early' already scored and stored.
    const batch = [raw(tx('early')), ...Array.from({ length: 9 }, (_, i) => raw(tx(`late-${i}`)))];
    await expect(processor.handle(batch)).rejects.toMatchObject({ name: 'BatchRetry' });
    fail = false;
    const again = await processor.handle(batch);
    expect(on(again, TOPICS.alerts).map((a) => a['id'])).toEqual([
      'early',
      ...Array.from({ length: 9 }, (_, i) => `late-${i}`),
    ]);
    expect(processor.stats).toMatchObject({ stored: 1, retries: 1 });
  });
});
