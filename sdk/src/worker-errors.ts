// SDK errors keep their class and fields (code, field, file) across the worker boundary: comlink's own handler for
// thrown values sends only name, message and stack, so a ValidationError would arrive without its `field`.
import { transferHandlers, type TransferHandler } from 'comlink';
import { FraudScoreError, InferenceError, IntegrityError, ModelLoadError, ValidationError } from './errors.js';

interface SerializedError {
  isError: boolean;
  value: { name?: string; message?: string; stack?: string; code?: string; field?: string; file?: string } | unknown;
}

/** Rebuilds an SDK error from its serialized fields (unknown kinds become plain Errors with the same message). */
function rebuild(value: { name?: string; message?: string; stack?: string; field?: string; file?: string }): Error {
  const message = value.message ?? 'unknown error';
  const afterPrefix = (prefix: string | undefined) =>
    prefix && message.startsWith(`${prefix}: `) ? message.slice(prefix.length + 2) : message;
  let error: Error;
  switch (value.name) {
    case 'ValidationError':
      error = new ValidationError(value.field ?? 'unknown', afterPrefix(value.field));
      break;
    case 'IntegrityError':
      error = new IntegrityError(value.file ?? 'bundle', afterPrefix(value.file));
      break;
    case 'ModelLoadError':
      error = new ModelLoadError(message);
      break;
    case 'InferenceError':
      error = new InferenceError(message);
      break;
    default:
      error = Object.assign(new Error(message), { name: value.name ?? 'Error' });
  }
  if (value.stack) error.stack = value.stack;
  return error;
}

let installed = false;

/** Replaces comlink's "throw" handler once per realm (the worker and the page each call it). */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, SerializedError>;
  transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize({ value }: { value: unknown }): [SerializedError, Transferable[]] {
      if (value instanceof FraudScoreError) {
        const fields = value as FraudScoreError & { field?: string; file?: string };
        return [
          {
            isError: true,
            value: {
              name: value.name,
              message: value.message,
              stack: value.stack,
              code: value.code,
              field: fields.field,
              file: fields.file,
            },
          },
          [],
        ];
      }
      return original.serialize({ value });
    },
    deserialize(serialized: SerializedError): never {
      if (serialized.isError && typeof serialized.value === 'object' && serialized.value !== null)
        throw rebuild(serialized.value);
      throw serialized.value;
    },
  } as TransferHandler<unknown, unknown>);
}
