// MLflow failures, one class each, and the one place an HTTP answer becomes one of them. Messages say what to do.

export class MlflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowError';
  }
}

/** MLFLOW_TRACKING_URI is not set. */
export class MlflowNotConfiguredError extends MlflowError {
  constructor() {
    super('MLflow is not configured: set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5000) and restart the server');
    this.name = 'MlflowNotConfiguredError';
  }
}

/** The server could not be reached, timed out, or answered 5xx / 429 after the retries. */
export class MlflowUnavailableError extends MlflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowUnavailableError';
  }
}

/** MLflow refused the request (4xx); `code` is its error_code, e.g. RESOURCE_DOES_NOT_EXIST. */
export class MlflowRequestError extends MlflowError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MlflowRequestError';
  }
}

/** Not found; MLflow answers an unknown alias with INVALID_PARAMETER_VALUE "… alias … not found". */
export const isNotFound = (error: unknown): boolean =>
  error instanceof MlflowRequestError &&
  (error.status === 404 ||
    error.code === 'RESOURCE_DOES_NOT_EXIST' ||
    (error.code === 'INVALID_PARAMETER_VALUE' && /not found/i.test(error.message)));

/** Whether a failed answer is worth retrying (429, 5xx). */
export const retryable = (status: number): boolean => status === 429 || status >= 500;

/** The error for a non-2xx answer; `body` is its text (MLflow answers { error_code, message }). */
export function errorFromResponse(status: number, body: string, what: string): MlflowError {
  let code = `HTTP_${status}`;
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { error_code?: string; message?: string };
    if (parsed.error_code) code = parsed.error_code;
    if (parsed.message) message = parsed.message;
  } catch {
    /* not JSON: keep the text */
  }
  if (retryable(status)) return new MlflowUnavailableError(`MLflow ${what} failed with ${status}: ${message}`);
  return new MlflowRequestError(status, code, `MLflow ${what}: ${code}: ${message}`);
}
