// Lists the unit test files: those of sdk, edge, the simulator and server that need no external service (no Kafka,
// PostgreSQL server, Redis or MLflow from server/test-support; PGlite is embedded and counts as a unit). scripts/test.sh
// runs them a second time on the current Node LTS. One path a line, relative to the repository root.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const EXTERNAL = /test-support\/(kafka|postgres|redis|mlflow)\.js|\bstart(Kafka|Postgres|Redis|Mlflow)\(/;

function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(path);
    else if (entry.name.endsWith('.test.ts')) yield path;
  }
}

for (const dir of ['models/simulator/src', 'sdk/src', 'edge/src', 'server/src']) {
  for (const file of testFiles(join(root, dir))) {
    if (!EXTERNAL.test(readFileSync(file, 'utf8'))) console.log(relative(root, file));
  }
}
