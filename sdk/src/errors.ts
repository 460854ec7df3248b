// One error module: a base class and one class per failure. Every message says what was wrong and how to fix it.

/** Base class of every error the SDK throws on purpose; `code` is stable for programs, `message` is for people. */
export class FraudScoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A transaction (or option) is invalid; `field` names it. Nothing was scored or stored. */
export class ValidationError extends FraudScoreError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('validation_error', `${field}: ${message}`);
    this.field = field;
  }
}

/** The model bundle could not be fetched, parsed or understood. */
export class ModelLoadError extends FraudScoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_load_error', message, options);
  }
}

/** A bundle file does not match its manifest hash, or the manifest signature does not verify. */
export class IntegrityError extends FraudScoreError {
  readonly file: string;
  constructor(file: string, message: string) {
    super('integrity_error', `${file}: ${message}`);
    this.file = file;
  }
}

/** The model failed while scoring (for example the WebAssembly runtime could not run the graph). */
export class InferenceError extends FraudScoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('inference_error', message, options);
  }
}
