// The LLM explainer: the `openai` client against OpenAI or any compatible server (OPENAI_BASE_URL), on web-standard
// fetch only. It never throws: without a key, or on any failure or timeout, it answers with the template.
//
// PRIVACY: the request carries ONLY the model's explanation — each top factor's feature name, value, SHAP
// contribution and direction — plus the risk tier, the probability, the threshold and the language. It never carries
// transaction, customer or terminal identifiers, timestamps, raw transactions or any other personal data: the
// payload is built field by field from an allow-list (toPayload), so extra properties on the input are dropped.
import OpenAI from 'openai';
import type { RiskLevel } from '@fraudscore/sdk';
import type { ExplanationCache } from './cache.js';
import { featurePhrase, rankFactors, templateNarrative } from './template.js';
import type { Explainer, Explanation, ExplainInput, Lang } from './types.js';

export interface LlmExplainerOptions {
  /** No key (undefined or empty): every explanation is the template and no request is made. */
  apiKey?: string | undefined;
  /** Any OpenAI-compatible endpoint, e.g. http://localhost:11434/v1; default OpenAI's. */
  baseURL?: string | undefined;
  /** Default 'gpt-4o-mini'. */
  model?: string | undefined;
  /** Deadline for the whole call, retry included (default 8000 ms). */
  timeoutMs?: number | undefined;
  /** 0 or 1 (default 1); higher values are capped at 1. */
  maxRetries?: number | undefined;
  /** Where LLM narratives are kept; templates are not cached (they are cheap and deterministic). */
  cache?: ExplanationCache | undefined;
  /** A fetch implementation (default the global one). */
  fetch?: typeof fetch | undefined;
  /** How many factors the prompt carries (default 5). */
  maxFactors?: number | undefined;
  /** Told about failed calls (no request content is passed); default console.warn with the error's class and status. */
  onError?: ((error: unknown) => void) | undefined;
}

export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
const MAX_TEXT = 2000;

const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', ru: 'Russian', kk: 'Kazakh' };

const round = (x: number | null, digits: number): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(digits)) : null;

/** Everything the LLM is sent, from an allow-list of fields. */
export interface LlmPayload {
  language: string;
  riskTier: RiskLevel | null;
  fraudProbability: number | null;
  blockThreshold: number | null;
  factors: {
    feature: string;
    meaning: string;
    value: number | null;
    contribution: number | null;
    direction: 'increases_risk' | 'decreases_risk';
  }[];
}

export function toPayload(input: ExplainInput, lang: Lang, maxFactors = 5): LlmPayload {
  return {
    language: LANGUAGE_NAMES[lang],
    riskTier: input.riskLevel,
    fraudProbability: round(input.probability, 4),
    blockThreshold: round(input.threshold, 4),
    factors: rankFactors(input.factors)
      .slice(0, maxFactors)
      .map((f) => ({
        feature: String(f.feature),
        meaning: featurePhrase(String(f.feature), 'en', input.words).phrase,
        value: round(f.value, 4),
        contribution: round(f.contribution, 4),
        direction: f.direction === 'increases_risk' ? 'increases_risk' : 'decreases_risk',
      })),
  };
}

/** Model version + LLM model + language + the rounded payload (factors, tier, probability, threshold). */
export function cacheKey(input: ExplainInput, lang: Lang, model: string, maxFactors = 5): string {
  const p = toPayload(input, lang, maxFactors);
  const factors = p.factors.map((f) => [f.feature, round(f.value, 2), round(f.contribution, 2), f.direction]);
  return JSON.stringify([
    input.modelVersion,
    model,
    lang,
    p.riskTier,
    round(p.fraudProbability, 3),
    round(p.blockThreshold, 3),
    factors,
  ]);
}

export function systemPrompt(lang: Lang): string {
  return [
    'You help a bank fraud analyst understand one fraud-model score.',
    `Write 2 to 4 plain sentences in ${LANGUAGE_NAMES[lang]} explaining why the model scored the transaction as it did,`,
    'using only the data given: the risk tier, the fraud probability against the block threshold, and the top factors.',
    'Each factor has a feature, its meaning, its value, and its SHAP contribution in log-odds (positive raises the risk).',
    'Do not invent facts, do not speculate about the customer, and use no lists, headings or markdown.',
  ].join(' ');
}

/** The template as an explainer (no LLM at all). */
export const templateExplainer: Explainer = {
  explain: async (input, lang) => ({ text: templateNarrative(input, lang), source: 'template', lang, cached: false }),
};

const describe = (error: unknown): string => {
  const e = error as { name?: unknown; status?: unknown } | null;
  return `explanation LLM call failed (${typeof e?.name === 'string' ? e.name : 'error'}${typeof e?.status === 'number' ? ` ${e.status}` : ''}); answered with the template`;
};

export function createLlmExplainer(options: LlmExplainerOptions = {}): Explainer {
  const model = options.model || DEFAULT_LLM_MODEL;
  const timeoutMs = options.timeoutMs ?? 8000;
  const maxFactors = options.maxFactors ?? 5;
  const onError = options.onError ?? ((error: unknown) => console.warn(describe(error)));
  const cache = options.cache;
  if (!options.apiKey) return templateExplainer;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL || null,
    timeout: timeoutMs,
    maxRetries: Math.max(0, Math.min(1, options.maxRetries ?? 1)),
    // The key stays on the server; this only stops the client refusing runtimes it mistakes for a browser.
    dangerouslyAllowBrowser: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const inflight = new Map<string, Promise<string | undefined>>();

  async function call(input: ExplainInput, lang: Lang): Promise<string | undefined> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const completion = await client.chat.completions.create(
        {
          model,
          messages: [
            { role: 'system', content: systemPrompt(lang) },
            { role: 'user', content: JSON.stringify(toPayload(input, lang, maxFactors)) },
          ],
        },
        { signal: controller.signal, timeout: timeoutMs },
      );
      const text = completion.choices?.[0]?.message?.content?.trim();
      if (!text) throw new Error('the LLM answered with no text');
      return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
    } catch (error) {
      onError(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async explain(input, lang): Promise<Explanation> {
      const template = (): Explanation => ({
        text: templateNarrative(input, lang),
        source: 'template',
        lang,
        cached: false,
      });
      try {
        const key = cacheKey(input, lang, model, maxFactors);
        const hit = cache ? await cache.get(key) : undefined;
        if (hit !== undefined) return { text: hit, source: 'llm', model, lang, cached: true };
        let pending = inflight.get(key);
        if (!pending) {
          pending = call(input, lang).finally(() => inflight.delete(key));
          inflight.set(key, pending);
        }
        const text = await pending;
        if (text === undefined) return template();
        if (cache) await cache.set(key, text);
        return { text, source: 'llm', model, lang, cached: false };
      } catch (error) {
        // A failing cache must not fail the explanation either.
        onError(error);
        return template();
      }
    },
  };
}
