// Numbers and dates in the chosen locale (Intl), so an analyst in Almaty sees 1 234,5 and 26.11.2026.
import { session } from './session.svelte.js';

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function nf(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `n${session.locale}${JSON.stringify(options)}`;
  let f = cache.get(id) as Intl.NumberFormat | undefined;
  if (!f) cache.set(id, (f = new Intl.NumberFormat(session.locale, options)));
  return f;
}
function df(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `d${session.locale}${JSON.stringify(options)}`;
  let f = cache.get(id) as Intl.DateTimeFormat | undefined;
  if (!f) cache.set(id, (f = new Intl.DateTimeFormat(session.locale, options)));
  return f;
}

export const num = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : nf({ maximumFractionDigits: digits }).format(value);
export const int = (value: number): string => nf({ maximumFractionDigits: 0 }).format(value);
export const pct = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : nf({ style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
export const money = (value: number): string => nf({ style: 'currency', currency: 'EUR' }).format(value);
export const dateTime = (value: string | number): string =>
  df({ dateStyle: 'short', timeStyle: 'medium' }).format(new Date(value));
export const time = (value: string | number): string => df({ timeStyle: 'medium' }).format(new Date(value));
export const signed = (value: number, digits = 3): string =>
  nf({ maximumFractionDigits: digits, minimumFractionDigits: digits, signDisplay: 'always' }).format(value);
