import { directorySource } from '@fraudscore/sdk';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../../bus/index.js';
import { toErrorResponse } from '../../errors.js';
import { createTestEdge, tx, type TestEdge } from '../../testing/index.js';
import { streamRoutes, type StreamRoutesOptions } from './index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

/** The edge's bus, counting live subscriptions. */
function countingBus(bus: EventBus): EventBus & { active: number } {
  const counted = {
    active: 0,
    publish: (event: Parameters<EventBus['publish']>[0]) => bus.publish(event),
    subscribe(listener: Parameters<EventBus['subscribe']>[0], types?: Parameters<EventBus['subscribe']>[1]) {
      counted.active++;
      const off = bus.subscribe(listener, types);
      let on = true;
      return () => {
        if (on) counted.active--;
        on = false;
        off();
      };
    },
  };
  return counted;
}

/** Reads the SSE body until `until` matches what has arrived, or fails after the deadline. */
class SseReader {
  text = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }
  async until(match: (text: string) => boolean, deadlineMs = 3000): Promise<string> {
    const deadline = Date.now() + deadlineMs;
    while (!match(this.text)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`deadline passed; received so far: ${JSON.stringify(this.text)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
      ]).finally(() => clearTimeout(timer));
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error(`stream ended; received: ${JSON.stringify(this.text)}`);
      this.text += this.decoder.decode(chunk.value, { stream: true });
    }
    return this.text;
  }
  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

/** The `scored` events (parsed data) in what has arrived. */
const events = (text: string): { event: string; id: string; data: Record<string, unknown> }[] =>
  text
    .split('\n\n')
    .filter((block) => block.includes('event: scored'))
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .filter((l) => l.startsWith(`${name}: `))
          .map((l) => l.slice(name.length + 2))
          .join('\n');
      return { event: field('event'), id: field('id'), data: JSON.parse(field('data')) as Record<string, unknown> };
    });

describe('GET /v1/stream', () => {
  let edge: TestEdge;
  let bus: ReturnType<typeof countingBus>;
  const open: SseReader[] = [];

  const mount = (options: Partial<StreamRoutesOptions> = {}): Hono => {
    const app = new Hono();
    app.onError((error, c) => {
      const { status, body, headers } = toErrorResponse(error);
      return c.json(body, status, headers);
    });
    app.route('/v1/stream', streamRoutes({ bus, heartbeatMs: 60_000, ...options }));
    return app;
  };
  const connect = async (app: Hono, path = '/v1/stream'): Promise<SseReader> => {
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = new SseReader(res.body!);
    open.push(reader);
    await reader.until((t) => t.includes(': connected'));
    return reader;
  };

  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
    bus = countingBus(edge.bus);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.cancel().catch(() => {})));
  });

  it('streams a transaction scored through the service', async () => {
    const reader = await connect(mount());
    const scored = await edge.service.score(tx('s1'));
    const text = await reader.until((t) => events(t).length === 1);
    const [event] = events(text);
    expect(event).toMatchObject({ event: 'scored', id: 's1' });
    expect(event!.data).toEqual(JSON.parse(JSON.stringify(scored)));
  });

  it('re-scoring a stored id publishes nothing new; events arrive in order', async () => {
    const reader = await connect(mount());
    await edge.service.score(tx('o1'));
    await edge.service.score(tx('o1'));
    await edge.service.scoreBatch([
      tx('o2', { timestamp: '2026-03-20T10:01:00Z' }),
      tx('o3', { timestamp: '2026-03-20T10:02:00Z' }),
    ]);
    const text = await reader.until((t) => events(t).length >= 3);
    expect(events(text).map((e) => e.id)).toEqual(['o1', 'o2', 'o3']);
  });

  it('?risk= filters by risk level', async () => {
    const record = await edge.service.score(tx('r1'));
    const reader = await connect(mount(), '/v1/stream?risk=high,CRITICAL');
    for (const level of ['LOW', 'HIGH', 'MEDIUM', 'CRITICAL'] as const) {
      await bus.publish({ type: 'scored', transaction: { ...record, id: `r-${level}`, riskLevel: level } });
    }
    await bus.publish({ type: 'alert', transaction: { ...record, id: 'not-scored-event', riskLevel: 'HIGH' } });
    await bus.publish({ type: 'scored', transaction: { ...record, id: 'last', riskLevel: 'CRITICAL' } });
    const text = await reader.until((t) => t.includes('id: last'));
    expect(events(text).map((e) => e.id)).toEqual(['r-HIGH', 'r-CRITICAL', 'last']);
  });

  it('a bad risk filter is 400 in the one error shape, with no subscription', async () => {
    const res = await mount().request('/v1/stream?risk=SEVERE');
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'bad_request', field: 'risk' });
    expect(bus.active).toBe(0);
  });

  it('sends a heartbeat comment every heartbeatMs', async () => {
    const reader = await connect(mount({ heartbeatMs: 20 }));
    const text = await reader.until((t) => t.split(': heartbeat\n\n').length - 1 >= 2);
    expect(text.startsWith(': connected\n\n')).toBe(true);
  });

  it('unsubscribes from the bus when the client disconnects', async () => {
    const app = mount({ heartbeatMs: 10 });
    const a = await connect(app);
    const b = await connect(app);
    expect(bus.active).toBe(2);
    await a.cancel();
    await expect.poll(() => bus.active, { timeout: 2000 }).toBe(1);
    // The other client still receives events; scoring is unaffected by the closed one.
    await edge.service.score(tx('d1'));
    await b.until((t) => events(t).some((e) => e.id === 'd1'));
    await b.cancel();
    await expect.poll(() => bus.active, { timeout: 2000 }).toBe(0);
  });

  it('disconnects a client that falls too far behind', async () => {
    const res = await mount({ maxPending: 3 }).request('/v1/stream');
    expect(bus.active).toBe(1);
    const record = await edge.service.score(tx('slow'));
    for (let i = 0; i < 50; i++) await bus.publish({ type: 'scored', transaction: { ...record, id: `x${i}` } });
    await expect.poll(() => bus.active, { timeout: 2000 }).toBe(0);
    await res.body?.cancel().catch(() => {});
  });
});
