// Structured logs: one JSON object per line. Callers pass only safe fields: never API keys, customer or terminal ids,
// amounts of a named customer or any other personal data.
import type { LogLevel } from './config.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  clock: () => number = Date.now,
  /** Fields on every line (e.g. the worker's slot when WORKERS processes log to one stream). */
  base: LogFields = {},
): Logger {
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (event: string, fields: LogFields = {}) => {
      if (RANK[at] < RANK[level]) return;
      write(JSON.stringify({ time: new Date(clock()).toISOString(), level: at, event, ...base, ...fields }));
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('silent', () => {});

/** An error's class and message only: stacks may carry request data. */
export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
}

/** The request path with ids replaced (the edge's rule, shared with its error log). */
export { redactPath } from '@fraudscore/edge';
