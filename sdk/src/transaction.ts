// The transaction shape shared by the SDK, the edge's /v1/score, the Kafka messages and the dashboard.

/** A payment to score: the fields every feature spec reads, plus any extra raw fields a spec declares. */
export interface Transaction {
  id: string;
  customerId: string;
  terminalId: string;
  amount: number;
  /** ISO 8601 text (with a zone, or read as UTC) or epoch milliseconds. */
  timestamp: string | number;
  /** 1 fraud, 0 legitimate, null or absent when not (yet) known. Only history entries carry it. */
  label?: 0 | 1 | null;
  [field: string]: unknown;
}

/** A transaction after validation: timestamp as epoch milliseconds. */
export interface NormalizedTransaction extends Transaction {
  timestamp: number;
}
