// The processor's view of a log: consume a topic in a consumer group, and for each batch write the handler's outputs
// together with the batch's consumed offsets, atomically. Kafka (kafka-transport.ts: a group member and a
// transactional producer) and an in-process log implement it, so the same processor code runs with and without
// KAFKA_BROKERS.

export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Decimal text, as Kafka's offsets. */
  offset: string;
  key: string | null;
  /** The value decoded as strict UTF-8 (decodeValue); null for no value, or for a value that is not valid UTF-8. */
  value: string | null;
  /** Set when the value is not valid UTF-8: its bytes, base64 (the processor dead-letters it; nothing is rewritten). */
  valueBase64?: string;
  /** When it was produced (epoch ms). */
  timestamp: number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A consumed value as a ConsumedMessage carries it: strict UTF-8 text, else the bytes in base64 (never U+FFFD). */
export function decodeValue(bytes: Uint8Array | null): Pick<ConsumedMessage, 'value' | 'valueBase64'> {
  if (bytes === null) return { value: null };
  try {
    return { value: strictUtf8.decode(bytes) };
  } catch {
    return {
      value: null,
      valueBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    };
  }
}

export interface ProducedMessage {
  topic: string;
  key: string | null;
  value: string;
}

/** Turns a batch (one or several partitions, each in offset order) into the messages to produce. */
export type BatchHandler = (messages: readonly ConsumedMessage[]) => Promise<ProducedMessage[]>;

export interface TransportHooks {
  /** Messages behind the log end of a partition after a committed batch (undefined: the partition was revoked). */
  lag?(topic: string, partition: number, lag: number | undefined): void;
  /** A batch was rolled back (its outputs discarded, its messages will be consumed again). */
  aborted?(error: unknown): void;
}

export interface ProcessorTransport {
  /** Starts consuming; resolves once the consumer has joined its group. */
  start(handler: BatchHandler, hooks?: TransportHooks): Promise<void>;
  /** Stops consuming: the batch in flight commits or aborts, then it disconnects. */
  stop(): Promise<void>;
}

/** Publishes to a topic (the replay command, the demo, tests). */
export interface Publisher {
  send(topic: string, messages: readonly { key: string | null; value: string; timestamp?: number }[]): Promise<void>;
  close(): Promise<void>;
}
