// What a store keeps: which fields of a transaction, and for how long.
import type { CompiledSpec } from '../features/spec.js';
import type { NormalizedTransaction } from '../transaction.js';

/** What a store keeps of a transaction: its label always with a known-at time (null when unknown). */
export type StoredEntry = NormalizedTransaction & { labelKnownAt: number | null };

/** The longest look-back (length + delay) of the spec's windows on the covered entities, plus the margin. */
export function retentionOf(spec: CompiledSpec, covered: ReadonlySet<string>, marginMs: number): number {
  const lookBacks = spec.entities.filter((e) => covered.has(e.entity)).map((e) => e.lookBackMs);
  return Math.max(0, ...lookBacks) + marginMs;
}

/**
 * A copy holding the core fields and the spec's declared fields only: the store never keeps what no feature reads
 * (less personal data on a device), and the copy is its own, so a later setLabel does not touch the caller's object.
 * A label keeps its known-at time when the transaction carries one (`labelKnownAt`, epoch ms).
 */
export function copyForStorage(spec: CompiledSpec, tx: NormalizedTransaction): StoredEntry {
  const label = tx.label ?? null;
  const knownAt = tx['labelKnownAt'];
  const copy: StoredEntry = {
    id: tx.id,
    customerId: tx.customerId,
    terminalId: tx.terminalId,
    amount: tx.amount,
    timestamp: tx.timestamp,
    label,
    labelKnownAt: label !== null && typeof knownAt === 'number' && Number.isFinite(knownAt) ? knownAt : null,
  };
  for (const name of spec.fields.keys()) if (!(name in copy) && tx[name] !== undefined) copy[name] = tx[name];
  return copy;
}
