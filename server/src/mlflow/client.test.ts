import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MlflowClient } from './client.js';
import { isNotFound, MlflowRequestError, MlflowUnavailableError } from './errors.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A local HTTP server answering each request with the next of `answers` (status, headers, body). */
async function serve(
  answers: { status: number; headers?: Record<string, string>; body: string; delayMs?: number }[],
): Promise<{ url: string; seen: number[] }> {
  const seen: number[] = [];
  server = createServer((req, res) => {
    const answer = answers[Math.min(seen.length, answers.length - 1)]!;
    seen.push(Date.now());
    setTimeout(() => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

describe('MlflowClient', () => {
  it('retries 503 and 429 with backoff, honouring Retry-After, then succeeds', async () => {
    const { url, seen } = await serve([
      { status: 503, body: '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}' },
      { status: 429, headers: { 'retry-after': '1' }, body: '{}' },
      { status: 200, body: '{"experiments":[{"experiment_id":"0","name":"Default"}]}' },
    ]);
    const client = new MlflowClient({ trackingUri: `${url}/`, retries: 2, backoffMs: 10 });
    expect(await client.searchExperiments()).toEqual([{ experiment_id: '0', name: 'Default' }]);
    expect(seen).toHaveLength(3);
    expect(seen[2]! - seen[1]!).toBeGreaterThanOrEqual(950);
  });

  it('gives up with MlflowUnavailableError naming the cause; 4xx is not retried', async () => {
    const { url, seen } = await serve([{ status: 500, body: 'boom' }]);
    await expect(new MlflowClient({ trackingUri: url, retries: 1, backoffMs: 1 }).getRun('r1')).rejects.toThrow(
      MlflowUnavailableError,
    );
    expect(seen).toHaveLength(2);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const notFound = await serve([
      { status: 404, body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run r2 not found"}' },
    ]);
    const error = await new MlflowClient({ trackingUri: notFound.url, retries: 3, backoffMs: 1 })
      .getRun('r2')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowRequestError);
    expect(isNotFound(error)).toBe(true);
    expect(notFound.seen).toHaveLength(1);
  });

  it('times out each attempt and says so', async () => {
    const { url } = await serve([{ status: 200, body: '{}', delayMs: 500 }]);
    const error = await new MlflowClient({ trackingUri: url, timeoutMs: 50, retries: 0 })
      .health()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect((error as Error).message).toMatch(/timed out after 50 ms/);
  });

  it('an unreachable server is MlflowUnavailableError with the address', async () => {
    const error = await new MlflowClient({ trackingUri: 'http://127.0.0.1:9', retries: 0 })
      .health()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowUnavailableError);
    expect((error as Error).message).toMatch(/unreachable at http:\/\/127\.0\.0\.1:9/);
  });
});
