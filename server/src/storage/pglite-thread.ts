// The embedded store on a thread of its own. PGlite is PostgreSQL compiled to WebAssembly: on the scoring thread every
// stored row (parsing, planning, WAL, JSONB) ran between two requests' scoring, and the server profile showed the
// database's WebAssembly as the largest share of the main thread's time. Here PGlite runs on a node:worker_threads
// thread; the scoring thread sends statements and gets rows back (structured clone). A statement's promise settles
// when PGlite has executed it, so with DATA_DIR a write is answered only once PGlite has written it, as before.
// Transactions keep one PGlite transaction open on the thread across the statements the callback sends.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { openPGlite } from './pglite-template.js';
import type { Database, Queryable } from './sql.js';

interface ThreadData {
  fraudscorePgliteThread: true;
  dataDir: string | undefined;
}

type Operation =
  | { op: 'query'; text: string; params: readonly unknown[] | undefined; tx: number | undefined }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' };
type Request = Operation & { id: number };

/** What a database error keeps across the thread: PostgreSQL's fields (code 23505, detail …) for whoever checks them. */
interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number | undefined>;
}

interface Done {
  id: number;
  ok: true;
  rows?: unknown[];
  tx?: number;
}
/** A request's outcome; id -1 is the thread's start (PGlite opened, or why not). */
type Reply = Done | { id: number; ok: false; error: SerializedError };

const ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'constraint', 'table', 'column', 'schema', 'position'];

function serialize(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const source = error as unknown as Record<string, unknown>;
  const fields: SerializedError['fields'] = {};
  for (const key of ERROR_FIELDS) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

const revive = (error: SerializedError): Error =>
  Object.assign(new Error(error.message), { name: error.name }, error.fields);

/**
 * The thread runs the compiled module (dist/storage/pglite-thread.js). Under vitest this module is the TypeScript
 * source, which a worker thread cannot load: the thread then runs the build beside it (the test scripts build first).
 */
function threadEntry(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.js')) return here;
  const built = new URL('../../dist/storage/pglite-thread.js', here);
  if (!existsSync(fileURLToPath(built)))
    throw new Error(
      `the embedded store's thread needs the compiled server: run \`pnpm build\` (missing ${built.pathname})`,
    );
  return built;
}

/**
 * A Database whose PGlite (in memory, or persisted in dataDir) runs on a worker thread. The thread keeps the process
 * alive only while statements are pending, like an in-process PGlite.
 */
export async function pgliteThreadDatabase(dataDir?: string): Promise<Database> {
  const worker = new Worker(threadEntry(), {
    workerData: { fraudscorePgliteThread: true, dataDir } satisfies ThreadData,
  });
  const pending = new Map<number, { resolve: (reply: Done) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let broken: Error | undefined;

  const fail = (error: Error): void => {
    broken ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    worker.unref();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if (reply.id === -1) {
        if (reply.ok) resolve();
        else reject(revive(reply.error));
        return;
      }
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply);
      else waiting.reject(revive(reply.error));
    });
    worker.on('error', (error) => {
      reject(error);
      fail(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the embedded store's thread exited (code ${code})`);
      reject(error);
      fail(error);
    });
  });
  await ready;
  worker.unref();

  function call(request: Operation): Promise<Done> {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  const queryIn =
    (tx: number | undefined) =>
    async <R>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => ({
      rows: ((await call({ op: 'query', text, params, tx })).rows ?? []) as R[],
    });

  return {
    kind: 'pglite',
    query: queryIn(undefined),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const { tx } = await call({ op: 'begin' });
      let value: T;
      try {
        value = await fn({ query: queryIn(tx) });
      } catch (error) {
        await call({ op: 'end', tx: tx!, commit: false }).catch(() => {});
        throw error;
      }
      await call({ op: 'end', tx: tx!, commit: true });
      return value;
    },
    async close() {
      if (broken) return;
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}

// ---- the thread's side ----

/** Thrown inside PGlite's transaction callback to roll it back (the callback's rejection is PGlite's ROLLBACK). */
const ROLLBACK = Symbol('rollback');

async function serve(port: NonNullable<typeof parentPort>, data: ThreadData): Promise<void> {
  let db: PGlite;
  try {
    db = await openPGlite(data.dataDir);
  } catch (error) {
    port.postMessage({ id: -1, ok: false, error: serialize(error) } satisfies Reply);
    return;
  }
  const transactions = new Map<number, { tx: Transaction; end: (commit: boolean, requestId: number) => void }>();
  let nextTx = 0;
  const reply = (message: Reply): void => port.postMessage(message);
  const failed = (id: number, error: unknown): void => reply({ id, ok: false, error: serialize(error) });

  function begin(id: number): void {
    const txId = nextTx++;
    let endRequest = -1;
    db.transaction(async (tx) => {
      const commit = await new Promise<boolean>((resolve) => {
        transactions.set(txId, {
          tx,
          end: (ok, requestId) => {
            endRequest = requestId;
            resolve(ok);
          },
        });
        reply({ id, ok: true, tx: txId });
      });
      if (!commit) throw ROLLBACK;
    }).then(
      () => {
        transactions.delete(txId);
        reply({ id: endRequest, ok: true });
      },
      (error: unknown) => {
        transactions.delete(txId);
        if (error === ROLLBACK) reply({ id: endRequest, ok: true });
        else failed(endRequest >= 0 ? endRequest : id, error); // the COMMIT failed, or BEGIN itself
      },
    );
  }

  port.on('message', (request: Request) => {
    switch (request.op) {
      case 'query': {
        const target = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
        if (!target) {
          failed(request.id, new Error(`no open transaction ${request.tx} on the embedded store's thread`));
          return;
        }
        target.query(request.text, request.params ? [...request.params] : undefined).then(
          (result) => reply({ id: request.id, ok: true, rows: result.rows }),
          (error: unknown) => failed(request.id, error),
        );
        return;
      }
      case 'begin':
        begin(request.id);
        return;
      case 'end': {
        const open = transactions.get(request.tx);
        if (!open) failed(request.id, new Error(`no open transaction ${request.tx} on the embedded store's thread`));
        else open.end(request.commit, request.id);
        return;
      }
      case 'close':
        db.close().then(
          () => reply({ id: request.id, ok: true }),
          (error: unknown) => failed(request.id, error),
        );
        return;
    }
  });
  reply({ id: -1, ok: true });
}

if (!isMainThread && parentPort && (workerData as Partial<ThreadData> | null)?.fraudscorePgliteThread === true) {
  void serve(parentPort, workerData as ThreadData);
}
