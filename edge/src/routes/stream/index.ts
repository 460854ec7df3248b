// GET /v1/stream — Server-Sent Events of scored transactions from the EventBus. Mounted at /v1/stream.
//   ?risk=HIGH,CRITICAL  only these risk levels (comma-separated; any when absent); a bad level → 400 (the one shape)
// Each newly scored transaction is one event: `event: scored`, `id: <transaction id>`, `data: <the ScoredTransaction
// as JSON, as GET /v1/transactions/{id} returns it>`. A `: connected` comment opens the stream and a `: heartbeat`
// comment follows every heartbeatMs, so proxies keep the connection and clients notice a dead one. The bus
// subscription ends when the client disconnects (the body is cancelled or the request aborted), and when a client
// falls more than maxPending events behind (it is then disconnected; EventSource reconnects).
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventBus } from '../../bus/index.js';
import { streamQuery, validateQuery } from '../../schemas/index.js';

export interface StreamRoutesOptions {
  bus: EventBus;
  /** Milliseconds between heartbeat comments; default 15000. */
  heartbeatMs?: number;
  /** Writes a client may fall behind before it is disconnected; default 1000. */
  maxPending?: number;
}

export function streamRoutes({ bus, heartbeatMs = 15_000, maxPending = 1000 }: StreamRoutesOptions): Hono {
  if (!(heartbeatMs > 0)) throw new RangeError('heartbeatMs must be positive');
  const app = new Hono();
  app.get('/', (c) => {
    const { risk } = validateQuery(c, streamQuery);
    const levels = risk && new Set(risk);
    return streamSSE(c, async (stream) => {
      let closed = false;
      let pending = 0;
      let chain: Promise<unknown> = Promise.resolve();
      let finish = (): void => {};
      const done = new Promise<void>((resolve) => {
        finish = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          clearInterval(timer);
          resolve();
        };
      });
      // Writes in order, never blocking the publisher (the bus awaits its listeners).
      const enqueue = (write: () => Promise<unknown>): void => {
        if (closed) return;
        if (++pending > maxPending) {
          finish();
          stream.abort(); // a client this far behind is disconnected
          return;
        }
        chain = chain
          .then(write)
          .catch(() => finish())
          .finally(() => void pending--);
      };
      const unsubscribe = bus.subscribe(
        (event) => {
          const record = event.transaction;
          if (levels && !levels.has(record.riskLevel)) return;
          enqueue(() =>
            stream.writeSSE({ event: 'scored', id: record.id.replace(/[\r\n]/g, ' '), data: JSON.stringify(record) }),
          );
        },
        ['scored'],
      );
      const timer = setInterval(() => enqueue(() => stream.write(': heartbeat\n\n')), heartbeatMs);
      stream.onAbort(finish);
      c.req.raw.signal.addEventListener('abort', finish, { once: true });
      enqueue(() => stream.write(': connected\n\n'));
      await done;
    });
  });
  return app;
}
