import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { compileSpec, describeFeatures, type TopFactor } from '@fraudscore/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cacheKey,
  createLlmExplainer,
  featurePhrase,
  memoryCache,
  templateNarrative,
  toPayload,
  type ExplainInput,
} from './index.js';

/** The handbook's 15 features in words, as a scorer of a bundle with that spec holds them (ModelInfo.featureWords). */
const words = describeFeatures(
  compileSpec(
    JSON.parse(readFileSync(new URL('../../../models/specs/handbook-features.json', import.meta.url), 'utf8')),
  ),
);

const factors: TopFactor[] = [
  { feature: 'CUSTOMER_ID_NB_TX_1DAY_WINDOW', value: 7, contribution: 0.52, direction: 'increases_risk' },
  { feature: 'TX_AMOUNT', value: 1250.5, contribution: 1.2449, direction: 'increases_risk' },
  { feature: 'TERMINAL_ID_RISK_7DAY_WINDOW', value: 0, contribution: -0.31, direction: 'decreases_risk' },
  { feature: 'TX_DURING_NIGHT', value: null, contribution: 0.05, direction: 'increases_risk' },
];
const input: ExplainInput = {
  factors,
  probability: 0.8734,
  riskLevel: 'HIGH',
  threshold: 0.5,
  modelVersion: 'm-1.2.3',
  words,
};

const KAZAKH = /[әғқңөұүһі]/i;
const CYRILLIC = /[а-яё]/i;

describe('templateNarrative', () => {
  it('English: deterministic, names the top factor first, the tier, probability and threshold', () => {
    const text = templateNarrative(input, 'en');
    expect(templateNarrative({ ...input, factors: [...factors] }, 'en')).toBe(text);
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    expect(text).toContain('Risk tier: HIGH.');
    expect(text).toContain('87.3%');
    expect(text).toContain('50.0%');
    expect(text).toContain('above the threshold');
    expect(text).toMatch(
      /Main factors: transaction amount 1,250\.50 raises the risk \(\+1\.24\); customer's number of transactions over the last day 7 raises the risk/,
    );
    expect(text).toContain('share of fraud at the terminal over 7 days ending 7 days ago 0.0% lowers the risk (-0.31)');
    expect(text).not.toContain('TX_AMOUNT');
  });

  it('keeps the name of a feature the words do not know (a record scored by another model), and reads new kinds', () => {
    expect(featurePhrase('SOME_OTHER_FEATURE', 'ru', words)).toEqual({ phrase: 'SOME_OTHER_FEATURE', kind: 'number' });
    expect(featurePhrase('TX_AMOUNT', 'kk')).toEqual({ phrase: 'TX_AMOUNT', kind: 'number' }); // no words at all
    const extra = {
      SINCE: { kind: 'hours', en: 'hours since the previous one', ru: 'часов', kk: 'сағат' },
      RATIO: { kind: 'ratio', en: 'amount relative to the average', ru: 'сумма', kk: 'сома' },
    } as const;
    const text = templateNarrative(
      {
        ...input,
        words: extra,
        factors: [
          { feature: 'SINCE', value: 1.25, contribution: 0.4, direction: 'increases_risk' },
          { feature: 'RATIO', value: 5.123, contribution: 1.5, direction: 'increases_risk' },
        ],
      },
      'en',
    );
    expect(text).toContain(
      'amount relative to the average ×5.12 raises the risk (+1.50); hours since the previous one 1.3 h raises',
    );
  });

  it('Russian: Cyrillic, Russian phrases and separators, no Kazakh letters', () => {
    const text = templateNarrative(input, 'ru');
    expect(text).toBe(templateNarrative(input, 'ru'));
    expect(text).toMatch(CYRILLIC);
    expect(text).not.toMatch(KAZAKH);
    expect(text).not.toMatch(/[a-z]/i);
    expect(text).toContain('Уровень риска: высокий.');
    expect(text).toContain('87,3%');
    expect(text).toContain('сумма транзакции: 1 250,50 — повышает риск (+1,24)');
    expect(text.indexOf('сумма транзакции')).toBeLessThan(text.indexOf('число транзакций клиента'));
    expect(text).toContain('снижает риск');
  });

  it('Kazakh: Kazakh letters and phrases', () => {
    const text = templateNarrative(input, 'kk');
    expect(text).toBe(templateNarrative(input, 'kk'));
    expect(text).toMatch(KAZAKH);
    expect(text).not.toMatch(/[a-z]/i);
    expect(text).toContain('Тәуекел деңгейі: жоғары.');
    expect(text).toContain('транзакция сомасы: 1 250,50 — тәуекелді арттырады (+1,24)');
    expect(text).toContain('шектен жоғары');
  });

  it('missing values read "unknown" in each language; no factors says so', () => {
    const missing: ExplainInput = {
      factors: [{ feature: 'TX_DURING_NIGHT', value: null, contribution: 2, direction: 'increases_risk' }],
      probability: null,
      riskLevel: null,
      threshold: 0.5,
      modelVersion: 'm',
      words,
    };
    expect(templateNarrative(missing, 'en')).toBe(
      'Risk tier: unknown. Fraud probability unknown against a threshold of 50.0%. Main factors: night-time transaction unknown raises the risk (+2.00).',
    );
    expect(templateNarrative(missing, 'ru')).toContain('транзакция в ночное время: неизвестно');
    expect(templateNarrative(missing, 'kk')).toContain('түнгі транзакция: белгісіз');
    expect(templateNarrative({ ...input, factors: [] }, 'en')).toContain('No factor explanations');
    expect(
      templateNarrative(
        {
          ...input,
          factors: [{ feature: 'TX_DURING_WEEKEND', value: 1, contribution: -0.1, direction: 'decreases_risk' }],
        },
        'ru',
      ),
    ).toContain('транзакция в выходной день: да — снижает риск (-0,10)');
  });
});

describe('memoryCache', () => {
  it('evicts the least recently used entry', async () => {
    const cache = memoryCache(2);
    await cache.set('a', '1');
    await cache.set('b', '2');
    expect(cache.get('a')).toBe('1');
    await cache.set('c', '3');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('1');
    expect(cache.size).toBe(2);
  });

  it('keys on model version, language and rounded factors', () => {
    const k = cacheKey(input, 'en', 'gpt-4o-mini');
    expect(
      cacheKey(
        { ...input, factors: factors.map((f) => ({ ...f, contribution: f.contribution + 1e-6 })) },
        'en',
        'gpt-4o-mini',
      ),
    ).toBe(k);
    expect(cacheKey(input, 'ru', 'gpt-4o-mini')).not.toBe(k);
    expect(cacheKey({ ...input, modelVersion: 'm-2' }, 'en', 'gpt-4o-mini')).not.toBe(k);
    expect(cacheKey({ ...input, factors: factors.slice(1) }, 'en', 'gpt-4o-mini')).not.toBe(k);
  });
});

/** A fake OpenAI-compatible server: records every request and answers per `mode`. */
interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
async function fakeLlm(
  mode: { current: 'ok' | 'error' | 'hang' },
  reply = "The amount is far above this customer's usual spending, which drives the HIGH tier.",
) {
  const requests: Recorded[] = [];
  const hanging: ServerResponse[] = [];
  let arrived: () => void = () => {};
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      arrived();
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      } else if (mode.current === 'error') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      } else if (mode.current === 'hang') {
        hanging.push(res); // never answers
      } else {
        const model = (JSON.parse(body) as { model: string }).model;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 0,
            model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: ` ${reply} ` } }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply,
    /** Resolves once `n` requests have arrived. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (requests.length >= n) resolve();
        };
        arrived = check;
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (mode: { current: 'ok' | 'error' | 'hang' }) => {
  const server = await fakeLlm(mode);
  servers.push(server);
  return server;
};
const quiet = () => {};

describe('createLlmExplainer', () => {
  it('sends only the factors, tier, probability, threshold and language; uses the configured model; source llm', async () => {
    const server = await start({ current: 'ok' });
    const explainer = createLlmExplainer({
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      model: 'tiny-model-7',
      cache: memoryCache(),
      onError: quiet,
    });
    // Identifiers smuggled in as extra properties (as a careless caller might) must not leave the process.
    const leaky = {
      ...input,
      transactionId: 'TXN-ZEBRA-91731',
      customerId: 'CUST-OKAPI-55210',
      factors: factors.map((f) => ({ ...f, terminalId: 'TERM-QUOKKA-40417' })),
    } as ExplainInput;
    const result = await explainer.explain(leaky, 'kk');
    expect(result).toEqual({ text: server.reply, source: 'llm', model: 'tiny-model-7', lang: 'kk', cached: false });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    const raw = JSON.stringify(request);
    for (const id of ['TXN-ZEBRA-91731', 'CUST-OKAPI-55210', 'TERM-QUOKKA-40417', 'm-1.2.3'])
      expect(raw).not.toContain(id);
    const body = JSON.parse(request?.body ?? '{}') as { model: string; messages: { role: string; content: string }[] };
    expect(body.model).toBe('tiny-model-7');
    expect(Object.keys(body).sort()).toEqual(['messages', 'model']);
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0]?.content).toContain('Kazakh');
    expect(body.messages[0]?.content).toMatch(/2 to 4 plain sentences/);
    const payload = JSON.parse(body.messages[1]?.content ?? '{}') as Record<string, unknown>;
    expect(payload).toEqual(toPayload(input, 'kk'));
    expect(Object.keys(payload).sort()).toEqual([
      'blockThreshold',
      'factors',
      'fraudProbability',
      'language',
      'riskTier',
    ]);
    for (const f of payload.factors as Record<string, unknown>[]) {
      expect(Object.keys(f).sort()).toEqual(['contribution', 'direction', 'feature', 'meaning', 'value']);
    }
  });

  it('the second identical call is a cache hit with no request', async () => {
    const server = await start({ current: 'ok' });
    const explainer = createLlmExplainer({
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      cache: memoryCache(),
      onError: quiet,
    });
    const first = await explainer.explain(input, 'en');
    const second = await explainer.explain({ ...input, factors: [...factors].reverse() }, 'en');
    expect(first).toMatchObject({ source: 'llm', model: 'gpt-4o-mini', cached: false });
    expect(second).toEqual({ ...first, cached: true });
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(server.requests[0]?.body ?? '{}').model).toBe('gpt-4o-mini');
    await explainer.explain(input, 'ru'); // another language is another entry
    expect(server.requests).toHaveLength(2);
  });

  it('a 500 answer falls back to the template in the same language, after at most one retry', async () => {
    const mode = { current: 'error' as 'ok' | 'error' | 'hang' };
    const server = await start(mode);
    const errors: unknown[] = [];
    const explainer = createLlmExplainer({
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      cache: memoryCache(),
      onError: (e) => errors.push(e),
    });
    const result = await explainer.explain(input, 'ru');
    expect(result).toEqual({ text: templateNarrative(input, 'ru'), source: 'template', lang: 'ru', cached: false });
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(errors).toHaveLength(1);
    // Failures are not cached: once the server recovers, the LLM answers.
    mode.current = 'ok';
    expect(await explainer.explain(input, 'ru')).toMatchObject({ source: 'llm', cached: false });
  });

  it('a server that never answers falls back to the template once the timeout passes', async () => {
    const mode = { current: 'hang' as 'ok' | 'error' | 'hang' };
    const server = await start(mode);
    const explainer = createLlmExplainer({
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      timeoutMs: 150,
      maxRetries: 0,
      cache: memoryCache(),
      onError: quiet,
    });
    const pending = explainer.explain(input, 'kk');
    await server.until(1); // the request really reached the server
    const started = Date.now();
    const result = await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toEqual({ text: templateNarrative(input, 'kk'), source: 'template', lang: 'kk', cached: false });
    mode.current = 'ok';
    expect(await explainer.explain(input, 'kk')).toMatchObject({ source: 'llm', cached: false });
  });

  it('an unreachable server falls back to the template', async () => {
    const explainer = createLlmExplainer({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:1/v1',
      maxRetries: 0,
      timeoutMs: 1000,
      onError: quiet,
    });
    expect(await explainer.explain(input, 'en')).toMatchObject({ source: 'template', lang: 'en' });
  });

  it('without a key: the template, and no request at all', async () => {
    const server = await start({ current: 'ok' });
    let fetched = 0;
    const counting: typeof fetch = (...args) => {
      fetched++;
      return fetch(...args);
    };
    for (const apiKey of [undefined, '']) {
      const explainer = createLlmExplainer({ apiKey, baseURL: server.baseURL, fetch: counting, cache: memoryCache() });
      for (const lang of ['en', 'ru', 'kk'] as const) {
        expect(await explainer.explain(input, lang)).toEqual({
          text: templateNarrative(input, lang),
          source: 'template',
          lang,
          cached: false,
        });
      }
    }
    expect(fetched).toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});
