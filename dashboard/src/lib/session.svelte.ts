// The signed-in key (kept in sessionStorage: gone when the tab closes), its scope, and the display locale.
const KEY = 'fraudscore.apiKey';
const LOCALE = 'fraudscore.locale';
const NAME = 'fraudscore.analyst';
const storage = (): Storage | undefined => (typeof sessionStorage === 'undefined' ? undefined : sessionStorage);

export type Role = 'analyst' | 'admin';

export const session = $state({
  key: storage()?.getItem(KEY) ?? '',
  role: 'analyst' as Role,
  /** The key was checked against the server. */
  verified: false,
  locale: storage()?.getItem(LOCALE) ?? (typeof navigator === 'undefined' ? 'en-GB' : navigator.language),
  /** Who labels and changes settings, for the audit (optional at sign-in; the key's scope otherwise). */
  name: storage()?.getItem(NAME) ?? '',
});

export function setName(name: string): void {
  session.name = name.trim().slice(0, 200);
  storage()?.setItem(NAME, session.name);
}

/** The analyst field of labels and changed_by of settings. */
export const who = (): string => session.name || session.role;

export function setKey(key: string, role: Role): void {
  session.key = key;
  session.role = role;
  session.verified = true;
  storage()?.setItem(KEY, key);
}

export function signOut(): void {
  session.key = '';
  session.verified = false;
  session.role = 'analyst';
  storage()?.removeItem(KEY);
}

export function setLocale(locale: string): void {
  session.locale = locale;
  storage()?.setItem(LOCALE, locale);
}

export const isAdmin = (): boolean => session.role === 'admin';
