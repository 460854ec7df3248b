import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SSE parser', () => {
  it('splits events across chunks, skips comments, joins data lines', () => {
    const p = new SseParser();
    expect(p.push(': connected\n\nevent: scored\nid: a\nda')).toEqual([]);
    expect(p.push('ta: {"x":1}\n\n: heartbeat\n\nevent: scored\r\ndata: 1\r\ndata: 2\r\n\r\n')).toEqual([
      { event: 'scored', id: 'a', data: '{"x":1}' },
      { event: 'scored', data: '1\n2' },
    ]);
  });
});
