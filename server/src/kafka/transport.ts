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
  value: string | null;
  /** When it was produced (epoch ms). */
  timestamp: number;
}

export interface ProducedMessage {
  topic: string;
  key: string | null;
  value: string;
}

/** Turns a batch (one or several partitions, each in offset order) into the messages to produce. */
export type BatchHandler = (messages: readonly ConsumedMessage[]) => Promise<ProducedMessage[]>;

export interface TransportHooks {
  /** Messages behind the log end of a partition after a batch (undefined: the partition was revoked). */
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
