// Browser half of the SDK benchmark: cold start (import → bundle → first score) and single-transaction latency
// for the backend named in the query string, on the page's main thread (the worker adds a message hop only).
const params = new URLSearchParams(location.search);
const backend = params.get('backend');
const iterations = Number(params.get('iterations') ?? 300);

async function run() {
  const t0 = performance.now();
  const { createScorer } = await import('@fraudscore/sdk');
  const scorer = await createScorer({
    bundle: './bundle/',
    backend,
    cache: false,
    history: 'memory',
    wasmPaths: new URL('./ort/', location.href).href,
  });
  const tx = { id: 'bench', customerId: 'c1', terminalId: 't1', amount: 42.5, timestamp: Date.now() };
  await scorer.score(tx);
  const coldStartMs = performance.now() - t0;
  const latencies = (explain) => {
    return (async () => {
      const times = [];
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        await scorer.score({ ...tx, id: `b${i}`, amount: 10 + (i % 300) }, { explain });
        times.push(performance.now() - started);
      }
      return times;
    })();
  };
  await latencies(true); // warm-up
  window.__bench = { backend, coldStartMs, withShap: await latencies(true), withoutShap: await latencies(false) };
}
if (params.get('mode') === 'deep')
  import('./deep.js')
    .then((deep) => deep.start())
    .catch((error) => {
      window.__benchError = String(error?.stack ?? error);
    });
else
  run().catch((error) => {
    window.__benchError = String(error?.stack ?? error);
  });
