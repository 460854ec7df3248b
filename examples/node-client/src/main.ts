// The walk-through: score a transaction, score a batch with some obviously risky ones, page through the alerts they
// raised, label one as fraud, read its explanation, and see what an error looks like.
//   FRAUDSCORE_URL=http://127.0.0.1:8000 FRAUDSCORE_API_KEY=... node examples/node-client/dist/main.js
// run(client, log) is exported so the example's test drives it against a real in-process server.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  FraudScoreApiError,
  FraudScoreClient,
  isScored,
  type Explanation,
  type ScoredTransaction,
  type TransactionInput,
} from './client.js';

export type Log = (line: string) => void;

export interface WalkthroughResult {
  /** Step 1: the single transaction. */
  single: ScoredTransaction;
  /** Step 2: the batch, in request order. */
  batch: ScoredTransaction[];
  /** Step 3: every alert of this run's customer, over all pages. */
  alerts: ScoredTransaction[];
  pages: number;
  /** Step 4: the alert labelled as fraud, as the server returned it. */
  labelled: ScoredTransaction;
  /** Step 5: its English explanation. */
  explanation: Explanation;
  /** Step 6: the error a negative amount produces. */
  badRequest: FraudScoreApiError;
}

const ANALYST = 'example-analyst';
/** Amounts above 220 are the risky pattern the default model was trained to flag. */
const RISKY_AMOUNTS = [265.4, 480, 912.75];
const USUAL_AMOUNTS = [18.2, 42.5, 35.9, 27.15, 51.3, 23.8];

const money = (amount: number): string => amount.toFixed(2);
const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

function describe(result: ScoredTransaction): string {
  const factors = result.topFactors
    .slice(0, 3)
    .map((f) => `${f.feature} ${f.direction === 'increases_risk' ? '+' : '-'}`)
    .join(', ');
  return `${result.id}: amount ${money(result.transaction.amount)} -> ${result.riskLevel} (${percent(result.probability)}${result.shouldBlock ? ', block' : ''})${factors ? ` [${factors}]` : ''}`;
}

export async function run(client: FraudScoreClient, log: Log = console.log): Promise<WalkthroughResult> {
  // One customer per run, so the alerts below are this run's (the server may be scoring a demo stream too).
  const runId = randomUUID().slice(0, 8);
  const customerId = `example-customer-${runId}`;
  const start = Date.now() - 60 * 60_000;
  let n = 0;
  const tx = (amount: number): TransactionInput => {
    n += 1;
    return {
      id: `example-${runId}-${n}`,
      customerId,
      terminalId: `example-terminal-${n % 3}`,
      amount,
      timestamp: new Date(start + n * 5 * 60_000).toISOString(),
    };
  };

  log(`fraudscore node client walk-through against ${client.baseUrl} (customer ${customerId})`);

  log('\n1. Score one transaction (POST /v1/score)');
  const single = await client.score(tx(USUAL_AMOUNTS[0]!));
  log(`   ${describe(single)}`);
  log(`   model ${single.modelVersion}, block threshold ${single.threshold}`);

  log('\n2. Score a batch with some obviously risky amounts (POST /v1/score/batch)');
  const amounts = [
    ...USUAL_AMOUNTS.slice(1, 3),
    RISKY_AMOUNTS[0]!,
    ...USUAL_AMOUNTS.slice(3),
    RISKY_AMOUNTS[1]!,
    RISKY_AMOUNTS[2]!,
  ];
  const batch = (await client.scoreBatch(amounts.map(tx))).filter(isScored); // fresh ids: no conflicting duplicates
  for (const result of batch) log(`   ${describe(result)}`);
  const flagged = batch.filter((r) => r.riskLevel === 'HIGH' || r.riskLevel === 'CRITICAL');
  log(`   ${flagged.length} of ${batch.length} at HIGH or CRITICAL`);

  log('\n3. Page through the alerts (GET /v1/alerts, 2 per page, following nextCursor)');
  const alerts: ScoredTransaction[] = [];
  let pages = 0;
  for await (const page of client.alerts({ customerId, limit: 2 })) {
    pages += 1;
    log(
      `   page ${pages}: ${page.items.map((a) => `${a.id} ${a.riskLevel}`).join(', ') || '(empty)'}${page.nextCursor ? ' ->' : ' (last)'}`,
    );
    alerts.push(...page.items);
  }
  log(`   ${alerts.length} alert(s) over ${pages} page(s)`);
  const target = alerts[0];
  if (target === undefined) throw new Error('no alerts for the risky batch: is the server running the default model?');

  log(`\n4. Label ${target.id} as fraud (POST /v1/transactions/{id}/label)`);
  const labelled = await client.label(target.id, 'fraud', ANALYST);
  log(
    `   stored label: ${labelled.label?.label ?? '(none)'} by ${labelled.label?.analyst ?? '?'} at ${labelled.label?.at ?? '?'}`,
  );

  log(`\n5. Explain ${target.id} in English (GET /v1/transactions/{id}/explanation?lang=en)`);
  const explanation = await client.explanation(target.id, 'en');
  log(`   source: ${explanation.source}${explanation.model ? ` (${explanation.model})` : ''}`);
  for (const line of explanation.text.split('\n')) log(`   | ${line}`);

  log('\n6. Errors come back typed: a negative amount');
  let badRequest: FraudScoreApiError | undefined;
  try {
    await client.score({ ...tx(1), amount: -5 });
  } catch (error) {
    if (!(error instanceof FraudScoreApiError)) throw error;
    badRequest = error;
  }
  if (badRequest === undefined) throw new Error('the server accepted a negative amount');
  log(
    `   FraudScoreApiError: status ${badRequest.status}, code ${badRequest.code}, field ${badRequest.field ?? '(none)'}`,
  );

  log('\ndone.');
  return { single, batch, alerts, pages, labelled, explanation, badRequest };
}

/** The command line: reads FRAUDSCORE_URL and FRAUDSCORE_API_KEY; exit code 2 when they are missing, 1 on failure. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const baseUrl = env['FRAUDSCORE_URL']?.trim();
  const apiKey = env['FRAUDSCORE_API_KEY']?.trim();
  if (!baseUrl || !apiKey) {
    process.stderr.write(
      'set FRAUDSCORE_URL and FRAUDSCORE_API_KEY (bash scripts/start.sh prints both), e.g.\n' +
        '  FRAUDSCORE_URL=http://127.0.0.1:8000 FRAUDSCORE_API_KEY=<key> node examples/node-client/dist/main.js\n',
    );
    return 2;
  }
  try {
    await run(new FraudScoreClient({ baseUrl, apiKey }));
    return 0;
  } catch (error) {
    if (error instanceof FraudScoreApiError) process.stderr.write(`\nfailed: ${error.message}\n`);
    else if (error instanceof TypeError && error.message === 'fetch failed')
      process.stderr.write(`\nfailed: cannot reach ${baseUrl} (is the server running?)\n`);
    else process.stderr.write(`\nfailed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
