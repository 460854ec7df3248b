// Opaque keyset cursors: the (timestamp, id) of the last item of a page, base64url-encoded JSON.
import { textProblem } from '@fraudscore/sdk';

export interface CursorKey {
  timestamp: number;
  id: string;
}

const toBase64Url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export function encodeCursor(key: CursorKey): string {
  return toBase64Url(JSON.stringify([key.timestamp, key.id]));
}

/** The key a cursor names, or undefined when it is not one this module made. */
export function decodeCursor(cursor: string): CursorKey | undefined {
  if (cursor.length === 0 || cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const value: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))),
    );
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [timestamp, id] = value as unknown[];
    // Only what this module could have made: a stored id (the input contract's text) after a finite time.
    if (
      typeof timestamp !== 'number' ||
      !Number.isFinite(timestamp) ||
      typeof id !== 'string' ||
      textProblem(id) !== undefined
    )
      return undefined;
    return { timestamp, id };
  } catch {
    return undefined;
  }
}
