// Storage in memory: tests, the embedded demo, and the reference behaviour for the SQL implementations.
import { decodeCursor, encodeCursor } from './cursor.js';
import type {
  Acknowledgement,
  ListQuery,
  Page,
  SaveResult,
  ScoredTransaction,
  Storage,
  ThresholdChange,
  TransactionLabel,
} from './types.js';

const clone = <T>(value: T): T => structuredClone(value);

/** Newest first; ties by id descending. */
const before = (a: { timestamp: number; id: string }, b: { timestamp: number; id: string }): boolean =>
  a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id);

export interface MemoryStorageOptions {
  /** Most records kept: past it, the record saved first is dropped (default: no limit). A process that scores for
   * days (the stand-alone stream processor) needs a limit, or its memory grows with every transaction; an id saved
   * again after its record was dropped is stored as new. */
  maxRecords?: number;
}

export class MemoryStorage implements Storage {
  private readonly byId = new Map<string, ScoredTransaction>();
  private readonly audit: ThresholdChange[] = [];
  private readonly maxRecords: number;

  constructor({ maxRecords = Infinity }: MemoryStorageOptions = {}) {
    if (!(maxRecords >= 1) || (maxRecords !== Infinity && !Number.isInteger(maxRecords)))
      throw new RangeError(`maxRecords must be a whole number of at least 1 (got ${maxRecords})`);
    this.maxRecords = maxRecords;
  }

  async saveMany(records: readonly ScoredTransaction[]): Promise<SaveResult[]> {
    const results = records.map((record) => {
      const existing = this.byId.get(record.id);
      if (existing) return { record: clone(existing), created: false };
      // One copy, the stored one: the caller keeps its own object (the store never sees later changes to it); a second
      // structured clone per save was the stand-alone stream processor's most expensive function (issue 17's profile).
      this.byId.set(record.id, clone(record));
      return { record, created: true };
    });
    // A Map iterates in insertion order: the first keys are the records saved first.
    for (const id of this.byId.keys()) {
      if (this.byId.size <= this.maxRecords) break;
      this.byId.delete(id);
    }
    return results;
  }

  async get(id: string): Promise<ScoredTransaction | undefined> {
    const record = this.byId.get(id);
    return record && clone(record);
  }

  async getMany(ids: readonly string[]): Promise<(ScoredTransaction | undefined)[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  async list(query: ListQuery): Promise<Page> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) throw new RangeError('invalid cursor');
    const levels = query.riskLevels && query.riskLevels.length > 0 ? new Set(query.riskLevels) : undefined;
    const matches = [...this.byId.values()].filter((r) => {
      const t = r.transaction.timestamp;
      return (
        (levels === undefined || levels.has(r.riskLevel)) &&
        (query.from === undefined || t >= query.from) &&
        (query.to === undefined || t < query.to) &&
        (query.customerId === undefined || r.transaction.customerId === query.customerId) &&
        (query.labelled === undefined || (r.label !== null) === query.labelled) &&
        (after === undefined || before({ timestamp: t, id: r.id }, after))
      );
    });
    matches.sort(
      (a, b) => b.transaction.timestamp - a.transaction.timestamp || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
    const items = matches.slice(0, query.limit);
    const last = items[items.length - 1];
    const nextCursor =
      matches.length > query.limit && last
        ? encodeCursor({ timestamp: last.transaction.timestamp, id: last.id })
        : null;
    return { items: items.map(clone), nextCursor };
  }

  async setLabel(id: string, label: TransactionLabel): Promise<ScoredTransaction | undefined> {
    const record = this.byId.get(id);
    if (!record) return undefined;
    record.label = { ...label };
    return clone(record);
  }

  async setLabels(
    labels: readonly { id: string; label: TransactionLabel }[],
  ): Promise<(ScoredTransaction | undefined)[]> {
    for (const { id, label } of labels) {
      const record = this.byId.get(id);
      if (record) record.label = { ...label };
    }
    return labels.map(({ id }) => {
      const record = this.byId.get(id);
      return record && clone(record);
    });
  }

  async acknowledge(id: string, acknowledgement: Acknowledgement): Promise<ScoredTransaction | undefined> {
    const record = this.byId.get(id);
    if (!record) return undefined;
    record.acknowledged = { ...acknowledgement };
    return clone(record);
  }

  async recordThresholdChange(change: ThresholdChange): Promise<void> {
    this.audit.push({ ...change });
  }

  async thresholdChanges(): Promise<ThresholdChange[]> {
    return this.audit.map((c) => ({ ...c }));
  }
}

export const createMemoryStorage = (options: MemoryStorageOptions = {}): MemoryStorage => new MemoryStorage(options);
