// Reading the payment form: each field is parsed to a value or to a message shown next to it.
import { ValidationError } from '@fraudscore/sdk';

export type FieldName = 'payee' | 'amount';

/** A parsed field: its value, or why not (empty: nothing typed yet, which is not worth a message while typing). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; empty: boolean; error: string };

/** The most this demo lets a customer send in one payment. */
export const MAX_AMOUNT = 10_000;

export function parsePayee(text: string): Parsed<string> {
  const value = text.trim();
  if (value === '') return { ok: false, empty: true, error: "Enter the payee's terminal id" };
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(value)) {
    return { ok: false, empty: false, error: 'Use letters, digits, dots, dashes or underscores (up to 40)' };
  }
  return { ok: true, value };
}

/** "25", "25.5", "25.50" or "25,50"; at most two decimals. */
export function parseAmount(text: string): Parsed<number> {
  const value = text.replace(/\s/g, '');
  if (value === '') return { ok: false, empty: true, error: 'Enter an amount' };
  if (/^-\d/.test(value)) return { ok: false, empty: false, error: "The amount can't be negative" };
  if (!/^\d+(?:[.,]\d{1,2})?$/.test(value))
    return { ok: false, empty: false, error: 'Enter an amount like 25 or 25.50' };
  const amount = Number(value.replace(',', '.'));
  if (amount === 0) return { ok: false, empty: false, error: 'Enter an amount above 0' };
  if (amount > MAX_AMOUNT)
    return { ok: false, empty: false, error: `The most you can send here is €${MAX_AMOUNT.toLocaleString('en-IE')}` };
  return { ok: true, value: amount };
}

/** Which form field a transaction field is typed into. */
const FIELDS: Record<string, FieldName> = { amount: 'amount', terminalId: 'payee' };

/** The form field an SDK validation error is about, and its message without the "<field>: " prefix. */
export function fieldOfSdkError(error: unknown): { field: FieldName; message: string } | undefined {
  if (!(error instanceof ValidationError)) return undefined;
  const formField = FIELDS[error.field];
  if (!formField) return undefined;
  const text = error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
  return { field: formField, message: text.charAt(0).toUpperCase() + text.slice(1) };
}
