// Analyst explanations of a score: a deterministic template in en/ru/kk, and an LLM narrative with fallback to it.
export { LANGS, isLang, type ExplainInput, type Explainer, type Explanation, type Lang } from './types.js';
export { featurePhrase, rankFactors, templateNarrative, TEMPLATE_FACTORS } from './template.js';
export { memoryCache, type ExplanationCache } from './cache.js';
export {
  cacheKey,
  createLlmExplainer,
  DEFAULT_LLM_MODEL,
  systemPrompt,
  templateExplainer,
  toPayload,
  type LlmExplainerOptions,
  type LlmPayload,
} from './llm.js';
