// What a store keeps: which fields of a transaction, and for how long.
import type { CompiledSpec } from '../features/spec.js';
import type { NormalizedTransaction } from '../transaction.js';

/** The longest look-back (length + delay) of the spec's windows on the covered entities, plus the margin. */
export function retentionOf(spec: CompiledSpec, covered: ReadonlySet<string>, marginMs: number): number {
  const lookBacks = spec.entities.filter((e) => covered.has(e.entity)).map((e) => e.lookBackMs);
  return Math.max(0, ...lookBacks) + marginMs;
}

/**
 * A copy holding the core fields and the spec's declared fields only: the store never keeps what no feature reads
 * (less personal data on a device), and the copy is its own, so a later setLabel does not touch the caller's object.
 */
export function copyForStorage(spec: CompiledSpec, tx: NormalizedTransaction): NormalizedTransaction {
  const copy: NormalizedTransaction = {
    id: tx.id,
    customerId: tx.customerId,
    terminalId: tx.terminalId,
    amount: tx.amount,
    timestamp: tx.timestamp,
    label: tx.label ?? null,
  };
  for (const name of spec.fields.keys()) if (!(name in copy) && tx[name] !== undefined) copy[name] = tx[name];
  return copy;
}
