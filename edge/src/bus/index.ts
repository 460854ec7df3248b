// The event bus: the service publishes every newly scored transaction, alerts (HIGH and CRITICAL), labels and
// acknowledgements;
// the SSE stream, metrics and a Kafka bridge subscribe. In process here; other transports implement EventBus.
import type { ScoredTransaction } from '../storage/index.js';

export type EdgeEvent =
  | {
      type: 'scored';
      transaction: ScoredTransaction;
      /** Scoring time per transaction (a batch's average). */ latencySeconds?: number;
    }
  | { type: 'alert'; transaction: ScoredTransaction }
  | { type: 'labelled'; transaction: ScoredTransaction }
  | { type: 'acknowledged'; transaction: ScoredTransaction };

export type EdgeEventType = EdgeEvent['type'];
export type Listener = (event: EdgeEvent) => void | Promise<void>;

export interface EventBus {
  publish(event: EdgeEvent): Promise<void>;
  /** Calls the listener for every event (or only the given types); returns the unsubscribe function. */
  subscribe(listener: Listener, types?: readonly EdgeEventType[]): () => void;
}

export interface InProcessEventBusOptions {
  /** A listener that throws or rejects never fails the publisher; its error goes here (default: ignored). */
  onListenerError?: (error: unknown, event: EdgeEvent) => void;
}

export function createInProcessEventBus({ onListenerError = () => {} }: InProcessEventBusOptions = {}): EventBus {
  const listeners = new Set<{ listener: Listener; types: ReadonlySet<EdgeEventType> | undefined }>();
  return {
    async publish(event) {
      for (const entry of [...listeners]) {
        if (entry.types && !entry.types.has(event.type)) continue;
        try {
          await entry.listener(event);
        } catch (error) {
          onListenerError(error, event);
        }
      }
    },
    subscribe(listener, types) {
      const entry = { listener, types: types ? new Set(types) : undefined };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
  };
}
