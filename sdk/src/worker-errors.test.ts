import { expose, wrap } from 'comlink';
import { describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from './errors.js';
import { installErrorTransfer } from './worker-errors.js';

describe('errors across the worker boundary', () => {
  it('keep their class, field and file', async () => {
    installErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    expose(
      {
        validate: () => {
          throw new ValidationError('amount', 'must not be negative');
        },
        integrity: () => {
          throw new IntegrityError('trees.json', 'does not match its sha256');
        },
        plain: () => {
          throw new TypeError('boom');
        },
      },
      port1,
    );
    const remote = wrap<{ validate(): void; integrity(): void; plain(): void }>(port2);
    const validation = await remote.validate().catch((e: unknown) => e);
    expect(validation).toBeInstanceOf(ValidationError);
    expect((validation as ValidationError).field).toBe('amount');
    expect((validation as ValidationError).message).toBe('amount: must not be negative');
    const integrity = await remote.integrity().catch((e: unknown) => e);
    expect(integrity).toBeInstanceOf(IntegrityError);
    expect((integrity as IntegrityError).file).toBe('trees.json');
    const plain = await remote.plain().catch((e: unknown) => e);
    expect((plain as Error).message).toBe('boom');
    port1.close();
    port2.close();
  });
});
