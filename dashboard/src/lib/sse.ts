// Server-Sent Events over fetch(): the stream route takes the key in the Authorization header, which EventSource
// cannot send. The wire format is parsed by eventsource-parser (the WHATWG rules: CR, LF or CRLF line ends, also when a
// CRLF arrives split across two chunks; `event:`, `data:`, `id:`, `retry:`; `:` comments), not by hand.
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface SseEvent {
  /** The `event:` field; `message` when the server sent none, as in EventSource. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Most characters one event may take before the stream is refused: a scored transaction is a few kB, so a server
 * that never ends its event cannot grow the page's memory without bound.
 */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/** Reads an SSE response until it ends or the signal aborts; onEvent gets each event. */
export async function readSse(
  response: Response,
  onEvent: (event: SseEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  if (!response.body) throw new Error('the stream has no body');
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: MAX_EVENT_CHARS }))
    .getReader();
  const abort = (): void => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onEvent({
        event: value.event ?? 'message',
        data: value.data,
        ...(value.id === undefined ? {} : { id: value.id }),
      });
    }
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
