// `node --import ./register.mjs …` with FRAUDSCORE_AB_SNAPSHOT=<name>: this process (and its worker threads, which
// inherit the flag) load the workspace packages' code from `<package>/<name>/` instead of `<package>/dist/` (hook.mjs).
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const snapshot = process.env.FRAUDSCORE_AB_SNAPSHOT;
if (snapshot) {
  const repo = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')).href;
  register('./hook.mjs', import.meta.url, { data: { repo, snapshot, packages: ['sdk', 'edge', 'server'] } });
}
