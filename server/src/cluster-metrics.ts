// /metrics with WORKERS: Prometheus scrapes one port, and node:cluster hands each scrape to one worker. Answering
// with that worker's counters alone would make every series jump between workers from scrape to scrape. Instead the
// worker that gets the scrape asks the primary, which collects every worker's own exposition over IPC and merges
// them: each sample gains a `worker` label, each metric family keeps one HELP and TYPE. The dashboards and alert
// rules aggregate over series already (sum, max, min by ...), so they read the same with one worker or many.
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';

type Message =
  | { type: 'metrics:gather'; id: string }
  | { type: 'metrics:collect'; id: string }
  | { type: 'metrics:part'; id: string; text: string }
  | { type: 'metrics:all'; id: string; text: string };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && String((value as { type?: unknown }).type).startsWith('metrics:');

/** How long the primary waits for the workers' parts (a worker that does not answer is left out of that scrape). */
const COLLECT_TIMEOUT_MS = 2_000;

/**
 * In a worker: answers the primary's collection requests with `render()` (this worker's exposition), and returns
 * the function that gathers every worker's (labelled `worker`) for a scrape.
 */
export function workerMetrics(render: () => Promise<string>): () => Promise<string> {
  const waiting = new Map<string, (text: string) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'metrics:collect') {
      void render().then(
        (text) => process.send?.({ type: 'metrics:part', id: message.id, text }),
        () => process.send?.({ type: 'metrics:part', id: message.id, text: '' }),
      );
    } else if (message.type === 'metrics:all') {
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
    }
  });
  return async () => {
    const id = randomUUID();
    const all = new Promise<string>((resolve) => waiting.set(id, resolve));
    const timer = setTimeout(() => waiting.get(id)?.(''), COLLECT_TIMEOUT_MS + 1_000);
    process.send?.({ type: 'metrics:gather', id });
    const text = await all;
    clearTimeout(timer);
    return text || render(); // the primary did not answer: this worker's own, rather than nothing
  };
}

/** In the primary: serves the workers' gather requests. `slotOf` names a worker's slot (1..N) for the label. */
export function primaryMetrics(
  slotOf: (worker: NonNullable<typeof cluster.workers>[string]) => number | undefined,
): void {
  const gathering = new Map<string, { parts: Map<number, string>; expected: number; done: () => void }>();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'metrics:gather') {
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
      const parts = new Map<number, string>();
      const finish = (): void => {
        if (!gathering.delete(message.id)) return;
        clearTimeout(timer);
        const all: Message = { type: 'metrics:all', id: message.id, text: mergeExpositions(parts) };
        if (worker.isConnected()) worker.send(all);
      };
      const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
      gathering.set(message.id, { parts, expected: workers.length, done: finish });
      for (const w of workers) w!.send({ type: 'metrics:collect', id: message.id } satisfies Message);
    } else if (message.type === 'metrics:part') {
      const entry = gathering.get(message.id);
      const slot = slotOf(worker);
      if (!entry || slot === undefined) return;
      entry.parts.set(slot, message.text);
      if (entry.parts.size >= entry.expected) entry.done();
    }
  });
}

/**
 * Merges Prometheus text expositions (format 0.0.4) of several workers: a `worker="<slot>"` label on every sample,
 * one HELP and TYPE per family, families in the order they first appear.
 */
export function mergeExpositions(parts: ReadonlyMap<number, string>): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { meta: [], samples: [] }));
    return f;
  };
  for (const [slot, text] of [...parts].sort(([a], [b]) => a - b)) {
    let current = '';
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        current = meta[2]!;
        const f = family(current);
        if (!f.meta.some((m) => m.startsWith(`# ${meta[1]} `))) f.meta.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      // A sample belongs to the family declared above it (histograms' _bucket, _sum, _count included).
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
      const owner = current !== '' && name.startsWith(current) ? current : name;
      family(owner).samples.push(withWorker(line, name, slot));
    }
  }
  return [...families.values()].map((f) => [...f.meta, ...f.samples].join('\n')).join('\n') + '\n';
}

function withWorker(line: string, name: string, slot: number): string {
  const rest = line.slice(name.length);
  if (rest.startsWith('{}')) return `${name}{worker="${slot}"}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{worker="${slot}",${rest.slice(1)}`;
  return `${name}{worker="${slot}"}${rest}`;
}
