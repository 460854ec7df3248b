// Naive calendar dates and times, computed in UTC so the host time zone never matters.

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 for a `YYYY-MM-DD` string; undefined when it is not a real date. */
export function parseIsoDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  // setUTCFullYear (unlike Date.UTC) does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  // Out-of-range parts roll over (2018-02-30 -> March 2); a real date round-trips.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return date.getTime() / MS_PER_DAY;
}

/** `YYYY-MM-DD` for a number of days since 1970-01-01. */
export function formatIsoDate(epochDay: number): string {
  const date = new Date(epochDay * MS_PER_DAY);
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/** `HH:MM:SS` for a number of seconds after midnight (0 <= seconds < 86400). */
export function formatTimeOfDay(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds % 60, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
