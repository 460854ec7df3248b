// The demo's "logged-in" customer, saved payees, and a short payment history seeded on first run so the customer
// features (counts and average spend over 1, 7 and 30 days) describe someone who usually spends about €40.
import type { Transaction } from '@fraudscore/sdk';

export const CUSTOMER = { id: 'C-1042', name: 'Alex Martin' } as const;

export const PAYEES: readonly { terminalId: string; name: string }[] = [
  { terminalId: 'T-20391', name: 'Corner Grocery' },
  { terminalId: 'T-55120', name: 'City Electric' },
  { terminalId: 'T-78004', name: 'Riverside Café' },
  { terminalId: 'T-31877', name: 'Northside Pharmacy' },
];

export interface Payment {
  id: string;
  terminalId: string;
  amount: number;
  timestamp: number;
  /** The device's pre-score said the bank would probably block it. */
  flagged?: boolean;
}

const DAY = 86_400_000;
const STORAGE_KEY = 'web-banking:v1';
/** Histories keep 30 days (plus a day); re-seed before the seeded payments have all aged out. */
const RESEED_AFTER = 25 * DAY;

/** `count` payments over the last four weeks (none in the last 24 hours), €25–55, at shopping hours (UTC). */
export function demoHistory(customerId: string, now: number, count = 20): Transaction[] {
  let state = 42;
  const random = (): number => (state = (state * 16_807) % 2_147_483_647) / 2_147_483_647;
  const history: Transaction[] = [];
  for (let i = 0; i < count; i++) {
    const day = Math.floor(now / DAY) - 1 - Math.floor((i * 27) / count);
    const timestamp = day * DAY + Math.round((9 + random() * 9) * 3_600_000);
    const payee = PAYEES[i % PAYEES.length]!;
    history.push({
      id: `demo-${now}-${i}`,
      customerId,
      terminalId: payee.terminalId,
      amount: Math.round((25 + random() * 30) * 100) / 100,
      timestamp,
    });
  }
  return history.sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
}

/** What the app itself remembers (the SDK keeps its own copy of the history in IndexedDB for the features). */
export interface AppState {
  seededAt: number | null;
  payments: Payment[];
}

export function loadState(): AppState {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as AppState | null;
    if (saved && Array.isArray(saved.payments)) return saved;
  } catch {
    // unreadable: start again
  }
  return { seededAt: null, payments: [] };
}

export function saveState(state: AppState): void {
  const cutoff = Date.now() - 31 * DAY;
  state.payments = state.payments.filter((p) => p.timestamp > cutoff);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

export function needsSeed(state: AppState, now: number): boolean {
  return state.seededAt === null || now - state.seededAt > RESEED_AFTER;
}
