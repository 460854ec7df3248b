// Analyst explanations: what an explainer is given and what it answers.
import type { FeatureWords, RiskLevel, TopFactor } from '@fraudscore/sdk';

export type Lang = 'en' | 'ru' | 'kk';
export const LANGS: readonly Lang[] = ['en', 'ru', 'kk'];
export const isLang = (value: unknown): value is Lang =>
  typeof value === 'string' && (LANGS as readonly string[]).includes(value);

/** Only what the model's own explanation holds: no transaction, customer or terminal identifiers. */
export interface ExplainInput {
  /** SHAP top factors (any order; the narrative orders them by |contribution|). */
  factors: readonly TopFactor[];
  /** Fraud probability in [0, 1]; null or NaN when unknown. */
  probability: number | null;
  riskLevel: RiskLevel | null;
  /** The block threshold in [0, 1]; null when unknown. */
  threshold: number | null;
  modelVersion: string;
  /** The model's features in words (the scorer's ModelInfo.featureWords); factors it does not name keep their names. */
  words?: Readonly<Record<string, FeatureWords>>;
}

export interface Explanation {
  text: string;
  /** 'llm' when a language model wrote the text, 'template' for the deterministic narrative. */
  source: 'llm' | 'template';
  /** The LLM's model name (source 'llm' only). */
  model?: string;
  lang: Lang;
  /** True when the text came from the cache rather than a fresh call. */
  cached: boolean;
}

export interface Explainer {
  /** Never throws for LLM failures: those fall back to the template in the same language. */
  explain(input: ExplainInput, lang: Lang): Promise<Explanation>;
}
