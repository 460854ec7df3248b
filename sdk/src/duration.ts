// Duration strings — `<integer><unit>` such as `30s`, `15m`, `6h`, `7d` — in one place: the feature spec's windows,
// the server's settings, the drift window of the API and the command-line tools all read them here (as
// models/fraudmodels/durations.py does for the spec in Python).

/** Milliseconds per unit. */
export const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

const DEFAULT_UNITS: readonly DurationUnit[] = ['s', 'm', 'h', 'd'];
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** The pattern durations in `units` match, for schemas that document it (OpenAPI's `pattern`). */
export function durationPattern(units: readonly DurationUnit[] = DEFAULT_UNITS): RegExp {
  return new RegExp(`^\\d+(?:${units.join('|')})$`);
}

/**
 * `<integer><unit>` → milliseconds, or undefined when the text is not one (a sign, a fraction, spaces, another unit
 * or one outside `units` is not). Each caller reports the failure in its own terms (a setting, a flag, a request
 * field, the feature spec) and checks the range it accepts; `0d` parses as 0.
 */
export function parseDuration(text: string, units: readonly DurationUnit[] = DEFAULT_UNITS): number | undefined {
  const match = DURATION.exec(text);
  if (!match || !units.includes(match[2] as DurationUnit)) return undefined;
  return Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit];
}
