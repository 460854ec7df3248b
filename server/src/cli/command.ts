// What every command-line tool of the server shares (server/README.md#command-line-tools): node:util's parseArgs
// (strict: an unknown or incomplete option is a usage error), the exit codes, and the entry-point check that also
// holds when the tool runs through an npm bin link.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Exit codes of every tool: 0 done (a gate rejection or drift above a threshold is an outcome), 1 a failure worth a
 * retry (storage, MLflow, Kafka or Alertmanager unreachable), 2 bad usage or configuration (a retry cannot help). */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/** A command line that cannot be run as given; the tool prints the message with its usage and exits 2. */
export class UsageError extends Error {}

/** node:util parseArgs reports bad command lines with these codes. */
export const isParseArgsError = (error: unknown): boolean =>
  typeof (error as { code?: unknown } | null)?.code === 'string' &&
  (error as { code: string }).code.startsWith('ERR_PARSE_ARGS');

/** Whether the module at `moduleUrl` is the process's entry point (`node file.js` or a bin link to it). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}
