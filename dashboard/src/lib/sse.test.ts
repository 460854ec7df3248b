import { describe, expect, it } from 'vitest';
import { MAX_EVENT_CHARS, readSse, type SseEvent } from './sse.js';

/** A response whose body arrives in exactly these chunks (as UTF-8 bytes). */
function chunked(chunks: readonly string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

async function eventsOf(chunks: readonly string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  await readSse(chunked(chunks), (event) => events.push(event), new AbortController().signal);
  return events;
}

describe('readSse', () => {
  it('splits events across chunks, skips comments, joins data lines, defaults the event name', async () => {
    expect(
      await eventsOf([
        ': connected\n\nevent: scored\nid: a\nda',
        'ta: {"x":1}\n\n: heartbeat\n\nevent: scored\r\ndata: 1\r\ndata: 2\r\n\r\n',
        'data: plain\n\n',
      ]),
    ).toEqual([
      { event: 'scored', id: 'a', data: '{"x":1}' },
      { event: 'scored', data: '1\n2' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('a CRLF split across two chunks is one line end, not an event boundary', async () => {
    // The hand-written parser this replaces turned the lone CR into a line end and the LF that followed into a second
    // one: a blank line, so `data: 1` and `data: 2` came out as two events.
    expect(await eventsOf(['event: scored\r\ndata: 1\r', '\ndata: 2\r\n\r\n'])).toEqual([
      { event: 'scored', data: '1\n2' },
    ]);
    // Split inside the blank line that ends the event: still exactly one event.
    expect(await eventsOf(['data: x\r\n\r', '\ndata: y\r\n\r\n'])).toEqual([
      { event: 'message', data: 'x' },
      { event: 'message', data: 'y' },
    ]);
  });

  it('a multi-byte character split across chunks is decoded whole', async () => {
    const bytes = new TextEncoder().encode('data: €\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7)); // 'data: ' and the first byte of the euro sign
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    await readSse(new Response(body), (event) => events.push(event), new AbortController().signal);
    expect(events).toEqual([{ event: 'message', data: '€' }]);
  });

  it('refuses an event that never ends instead of buffering without bound', async () => {
    const endless = 'data: ' + 'x'.repeat(MAX_EVENT_CHARS + 1);
    await expect(eventsOf([endless])).rejects.toThrow();
  });

  it('stops reading when the signal aborts', async () => {
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(new TextEncoder().encode('data: first\n\n'));
        // never closed: only the abort ends the read
      },
    });
    const events: SseEvent[] = [];
    const done = readSse(
      new Response(body),
      (event) => {
        events.push(event);
        controller.abort();
      },
      controller.signal,
    );
    await expect(done).resolves.toBeUndefined();
    expect(events).toEqual([{ event: 'message', data: 'first' }]);
  });
});
