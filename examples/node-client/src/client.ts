// A tiny typed client for the fraudscore HTTP API over Node's built-in fetch (Node 20+), no dependencies.
// Every non-2xx response becomes a FraudScoreApiError carrying the HTTP status and the API's { code, message, field }.

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type LabelValue = 'fraud' | 'legitimate';
export type Lang = 'en' | 'ru' | 'kk';

/** A transaction to score. timestamp: ISO 8601 text or epoch milliseconds. */
export interface TransactionInput {
  id: string;
  customerId: string;
  terminalId: string;
  amount: number;
  timestamp: string | number;
}

export interface TopFactor {
  feature: string;
  value: number | null;
  /** SHAP contribution in log-odds. */
  contribution: number;
  direction: 'increases_risk' | 'decreases_risk';
}

/** What the server stores and returns for a scored transaction (the fields this example uses, and a few more). */
export interface ScoredTransaction {
  id: string;
  transaction: TransactionInput & { timestamp: number };
  probability: number;
  riskLevel: RiskLevel;
  shouldBlock: boolean;
  threshold: number;
  topFactors: TopFactor[];
  modelVersion: string;
  scoredAt: string;
  label: { label: LabelValue; analyst: string; at: string } | null;
}

/** A batch item that was not scored: an id already scored (or earlier in the batch) with different content. */
export interface BatchItemError {
  id?: string;
  error: { code: string; message: string; field?: string; id?: string };
}

/** One item of a batch's results: scored, or not (a conflicting duplicate; the other items are scored). */
export type BatchResult = ScoredTransaction | BatchItemError;

export const isScored = (result: BatchResult): result is ScoredTransaction => !('error' in result);

export interface AlertPage {
  items: ScoredTransaction[];
  nextCursor: string | null;
}

export interface AlertQuery {
  /** Page size, 1..500 (server default when absent). */
  limit?: number;
  /** Only these tiers among HIGH and CRITICAL. */
  risk?: readonly ('HIGH' | 'CRITICAL')[];
  customerId?: string;
  /** Transaction time range (ISO 8601). */
  from?: string;
  to?: string;
  /** Stop after this many pages (default: all). */
  maxPages?: number;
}

export interface Explanation {
  transactionId: string;
  lang: Lang;
  /** 'llm' when an OpenAI-compatible model wrote it, else 'template' (deterministic). */
  source: 'llm' | 'template';
  model?: string;
  text: string;
  cached: boolean;
}

export interface ScoreOptions {
  /** false skips the SHAP top factors (faster). Default true. */
  explain?: boolean;
}

/** An error response of the API (or an unreadable one). */
export class FraudScoreApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
  ) {
    super(`${status} ${code}${field !== undefined ? ` (${field})` : ''}: ${message}`);
    this.name = 'FraudScoreApiError';
  }
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8000 (a trailing slash is fine). */
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** For tests or proxies; default the global fetch. */
  fetch?: typeof fetch;
}

export class FraudScoreClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    if (!/^https?:\/\//i.test(options.baseUrl))
      throw new TypeError(`baseUrl must be an http(s) URL, got "${options.baseUrl}"`);
    if (options.apiKey.trim() === '') throw new TypeError('apiKey must not be empty');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey.trim();
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** POST /v1/score: one transaction, scored, stored, and returned with its tier and top factors. */
  score(transaction: TransactionInput, options: ScoreOptions = {}): Promise<ScoredTransaction> {
    return this.#request<ScoredTransaction>('POST', `/v1/score${explainQuery(options)}`, transaction);
  }

  /**
   * POST /v1/score/batch: 1..1000 transactions in one request, results in the same order. An invalid transaction
   * refuses the whole batch (FraudScoreApiError, 422); an id already scored with other content is that item's
   * { id, error } (409 conflict) while the others are scored: `results.filter(isScored)`.
   */
  async scoreBatch(transactions: readonly TransactionInput[], options: ScoreOptions = {}): Promise<BatchResult[]> {
    const body = await this.#request<{ results: BatchResult[] }>('POST', `/v1/score/batch${explainQuery(options)}`, {
      transactions,
    });
    return body.results;
  }

  /** GET /v1/alerts page by page (newest first), following nextCursor: `for await (const page of client.alerts())`. */
  async *alerts(query: AlertQuery = {}): AsyncGenerator<AlertPage, void, undefined> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.risk !== undefined && query.risk.length > 0) params.set('risk', query.risk.join(','));
    if (query.customerId !== undefined) params.set('customerId', query.customerId);
    if (query.from !== undefined) params.set('from', query.from);
    if (query.to !== undefined) params.set('to', query.to);
    let cursor: string | null = null;
    for (let pages = 0; query.maxPages === undefined || pages < query.maxPages; pages += 1) {
      if (cursor !== null) params.set('cursor', cursor);
      const page: AlertPage = await this.#request<AlertPage>('GET', `/v1/alerts?${params.toString()}`);
      yield page;
      cursor = page.nextCursor;
      if (cursor === null) return;
    }
  }

  /** POST /v1/transactions/{id}/label: an analyst's verdict (needs the analyst or admin scope). */
  label(id: string, label: LabelValue, analyst: string): Promise<ScoredTransaction> {
    return this.#request<ScoredTransaction>('POST', `/v1/transactions/${encodeURIComponent(id)}/label`, {
      label,
      analyst,
    });
  }

  /** GET /v1/transactions/{id}/explanation: a short narrative of the stored score. */
  explanation(id: string, lang: Lang = 'en'): Promise<Explanation> {
    return this.#request<Explanation>('GET', `/v1/transactions/${encodeURIComponent(id)}/explanation?lang=${lang}`);
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json' };
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(this.#timeoutMs) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await this.#fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) throw toApiError(response.status, json, text);
    if (json === undefined)
      throw new FraudScoreApiError(
        response.status,
        'invalid_response',
        'the server did not answer with JSON',
        undefined,
      );
    return json as T;
  }
}

function explainQuery(options: ScoreOptions): string {
  return options.explain === false ? '?explain=false' : '';
}

function toApiError(status: number, json: unknown, text: string): FraudScoreApiError {
  const error = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message, field } = error as { code?: unknown; message?: unknown; field?: unknown };
    return new FraudScoreApiError(
      status,
      typeof code === 'string' ? code : 'http_error',
      typeof message === 'string' ? message : `HTTP ${status}`,
      typeof field === 'string' ? field : undefined,
    );
  }
  return new FraudScoreApiError(status, 'http_error', text.slice(0, 200) || `HTTP ${status}`, undefined);
}
