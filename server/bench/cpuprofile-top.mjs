// `node bench/cpuprofile-top.mjs <file.cpuprofile> [n]`: where a V8 CPU profile (node --cpu-prof) spent its time —
// the top n functions by self time, and the self time by where the code lives (the scorer, the processor, the Kafka
// client, JSON, garbage collection, idle). Prints markdown; also importable (summarize).
import { readFileSync } from 'node:fs';

function place(url, name) {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)' || name === '(program)')
    return name === '(idle)' ? 'idle (waiting for I/O)' : 'V8/native (program)';
  if (name === 'parse' && !url) return 'JSON';
  if (name === 'stringify' && !url) return 'JSON';
  if (/@electric-sql\/pglite|wasm-function/.test(url) || /^wasm-function/.test(name)) return 'embedded store (PGlite)';
  if (/node_modules\/(hono|@hono)\//.test(url)) return 'HTTP framework (Hono, @hono/node-server)';
  if (/\/server\/dist\/storage\//.test(url)) return 'storage (server/dist/storage)';
  if (/@platformatic\/kafka/.test(url)) return 'Kafka client (@platformatic/kafka)';
  if (/node_modules\/kafkajs/.test(url)) return 'Kafka client (kafkajs)';
  if (/\/sdk\/dist\//.test(url)) return 'scorer (sdk: features, trees, SHAP)';
  if (/\/edge\/dist\//.test(url)) return 'scoring service (edge: validation, storage, bus)';
  if (/\/server\/dist\/kafka\//.test(url)) return 'processor and transport (server/dist/kafka)';
  if (/^node:|^internal\//.test(url) || !url) return 'Node internals and builtins';
  return 'other';
}

export function summarize(file, n = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map();
  const places = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*\/(node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?)?/, '').replace(/^file:\/\//, '')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
    const p = place(callFrame.url, callFrame.functionName);
    places.set(p, (places.get(p) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
  const top = [...functions].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `${(total / 1e6).toFixed(1)} s sampled`,
    '',
    '| where | self time |',
    '| --- | ---: |',
    ...[...places].sort((a, b) => b[1] - a[1]).map(([p, us]) => `| ${p} | ${pct(us)} |`),
    '',
    '| function | self time |',
    '| --- | ---: |',
    ...top.map(([f, us]) => `| \`${f}\` | ${pct(us)} |`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  process.stdout.write(`${summarize(process.argv[2], Number(process.argv[3] ?? 15))}\n`);
}
