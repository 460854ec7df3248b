// The payment form: pre-scores the payment in a Web Worker as the customer types, shows the risk tier, the
// probability, the block decision and the top three reasons, and records sent payments in the on-device history.
import { createScorerWorker, type RiskLevel, type ScoreResult, type Transaction } from '@fraudscore/sdk';
import { CUSTOMER, PAYEES, demoHistory, loadState, needsSeed, saveState, type Payment } from './demo.js';
import { fieldOfSdkError, parseAmount, parsePayee, type FieldName } from './form.js';
import { topReasons } from './reasons.js';

type WorkerScorer = Awaited<ReturnType<typeof createScorerWorker>>;

const DEBOUNCE_MS = 150;
const $ = <T extends HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`index.html has no ${selector}`);
  return element;
};

const form = $<HTMLFormElement>('#payment');
const inputs: Record<FieldName, HTMLInputElement> = { payee: $('#payee'), amount: $('#amount') };
const panel = $('#prescore');
const sendButton = $<HTMLButtonElement>('#send');
const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
const ICONS: Record<RiskLevel, string> = { LOW: '✓', MEDIUM: '!', HIGH: '▲', CRITICAL: '✕' };
const LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

let state = loadState();

// ---- the scorer: a Web Worker running the SDK, with the customer's history in IndexedDB ----

const scorerReady: Promise<WorkerScorer> = startScorer();
scorerReady.catch((error: unknown) => {
  setPill('#model', `The risk model could not load: ${String((error as Error)?.message ?? error)}`, 'bad');
});

async function startScorer(): Promise<WorkerScorer> {
  const common = {
    bundle: new URL('bundle/', document.baseURI).href,
    history: 'indexeddb' as const,
    // Every factor: reasons that read the same are grouped before the top three are picked.
    topFactors: 100,
  };
  let scorer: WorkerScorer;
  try {
    scorer = await createScorerWorker({
      ...common,
      backend: 'wasm',
      wasmPaths: new URL('ort/', document.baseURI).href,
    });
  } catch (error) {
    // No WebAssembly (old WebView, a strict CSP): the TypeScript evaluator gives the same scores, a little slower.
    console.warn('web-banking: the wasm backend failed, using the js backend', error);
    scorer = await createScorerWorker({ ...common, backend: 'js' });
  }
  const now = Date.now();
  if (needsSeed(state, now)) {
    const history = demoHistory(CUSTOMER.id, now);
    for (const tx of history) await scorer.record(tx);
    state = { seededAt: now, payments: [...state.payments, ...history.map(toPayment)] };
    saveState(state);
    renderPayments();
  }
  setPill('#model', `Risk model ${scorer.model.version} ready on this device`, 'good');
  document.body.dataset['model'] = 'ready';
  return scorer;
}

// ---- pre-scoring while typing ----

let timer: ReturnType<typeof setTimeout> | undefined;
let sequence = 0;

for (const input of Object.values(inputs)) {
  input.addEventListener('input', () => {
    clearTimeout(timer);
    $('#sent').hidden = true;
    timer = setTimeout(() => void prescore(), DEBOUNCE_MS);
  });
}

async function prescore(): Promise<void> {
  const mine = ++sequence;
  const payee = parsePayee(inputs.payee.value);
  const amount = parseAmount(inputs.amount.value);
  showFieldError('amount', amount.ok || amount.empty ? null : amount.error);
  // An empty payee is only worth a message once there is an amount to check.
  showFieldError('payee', payee.ok || (payee.empty && !amount.ok && amount.empty) ? null : payee.error);
  showFormError(null);
  if (!payee.ok || !amount.ok) {
    showIdle();
    return;
  }
  panel.setAttribute('aria-busy', 'true');
  try {
    const scorer = await scorerReady;
    const result = await scorer.score(transaction(`draft-${mine}`, payee.value, amount.value));
    if (mine === sequence) renderResult(result, payee.value, amount.value);
  } catch (error) {
    if (mine === sequence) showError(error);
  } finally {
    if (mine === sequence) panel.removeAttribute('aria-busy');
  }
}

function transaction(id: string, terminalId: string, amount: number): Transaction {
  return { id, customerId: CUSTOMER.id, terminalId, amount, timestamp: Date.now() };
}

function renderResult(result: ScoreResult, payee: string, amount: number): void {
  panel.dataset['state'] = 'scored';
  panel.dataset['level'] = result.riskLevel;
  panel.dataset['amount'] = String(amount);
  $('#scored-amount').textContent = money.format(amount);
  $('#scored-payee').textContent = payee;
  $('#tier .tier-icon').textContent = ICONS[result.riskLevel];
  $('#tier-text').textContent = result.riskLevel;
  document
    .querySelectorAll('.meter i')
    .forEach((segment, i) => segment.classList.toggle('on', i <= LEVELS.indexOf(result.riskLevel)));
  $('#probability').textContent = `${(result.probability * 100).toFixed(1)} %`;
  $('#blocked').textContent = result.shouldBlock ? 'Yes — the bank would hold it for a check' : 'No';
  const reasons = $('#reasons');
  reasons.replaceChildren(
    ...topReasons(result.topFactors, 3).map((reason) => {
      const item = document.createElement('li');
      item.dataset['direction'] = reason.direction;
      item.title = reason.features.join(', ');
      const arrow = span('arrow', reason.direction === 'increases_risk' ? '↑' : '↓');
      arrow.setAttribute('aria-hidden', 'true');
      item.append(arrow, span('phrase', reason.phrase));
      if (reason.detail) item.append(span('detail', ` (${reason.detail})`));
      item.append(span('effect', reason.direction === 'increases_risk' ? ' raises the risk' : ' lowers the risk'));
      return item;
    }),
  );
  $('#scored-note').textContent =
    `Checked on this device in ${result.timings.totalMs.toFixed(0)} ms (${result.backend}). ` +
    "The bank's server makes the final decision with the merchant's history, which this device does not have.";
  sendButton.textContent = result.shouldBlock ? 'Send for review' : 'Send';
}

/** No pre-score to show (nothing typed, or a field is invalid). */
function showIdle(): void {
  panel.dataset['state'] = 'idle';
  sendButton.textContent = 'Send';
}

function span(className: string, text: string): HTMLSpanElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

// ---- sending: record the payment in the on-device history ----

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});

async function send(): Promise<void> {
  clearTimeout(timer);
  const payee = parsePayee(inputs.payee.value);
  const amount = parseAmount(inputs.amount.value);
  showFieldError('payee', payee.ok ? null : payee.error);
  showFieldError('amount', amount.ok ? null : amount.error);
  if (!payee.ok || !amount.ok) {
    inputs[!payee.ok ? 'payee' : 'amount'].focus();
    return;
  }
  sendButton.disabled = true;
  try {
    const scorer = await scorerReady;
    const tx = transaction(`pay-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, payee.value, amount.value);
    // The pre-score at the moment of sending; a real app sends the payment to the bank, which scores it again.
    const result = await scorer.score(tx);
    await scorer.record(tx);
    state.payments.push({ ...toPayment(tx), flagged: result.shouldBlock });
    saveState(state);
    renderPayments();
    const sent = $('#sent');
    sent.textContent = result.shouldBlock
      ? `Sent ${money.format(amount.value)} to ${payee.value} for review: the bank will check it before it goes out.`
      : `Sent ${money.format(amount.value)} to ${payee.value}.`;
    sent.hidden = false;
    inputs.amount.value = '';
    sequence++;
    showIdle();
  } catch (error) {
    showError(error);
  } finally {
    sendButton.disabled = false;
  }
}

function toPayment(tx: Transaction): Payment {
  return { id: tx.id, terminalId: tx.terminalId, amount: tx.amount, timestamp: Number(tx.timestamp) };
}

// ---- errors next to the fields ----

function showFieldError(field: FieldName, message: string | null): void {
  const element = $(`#${field}-error`);
  element.textContent = message ?? '';
  element.hidden = message === null;
  inputs[field].setAttribute('aria-invalid', String(message !== null));
}

function showFormError(message: string | null): void {
  const element = $('#form-error');
  element.textContent = message ?? '';
  element.hidden = message === null;
}

function showError(error: unknown): void {
  const fieldError = fieldOfSdkError(error);
  showIdle();
  if (fieldError) showFieldError(fieldError.field, fieldError.message);
  else showFormError(`The payment could not be checked: ${String((error as Error)?.message ?? error)}`);
}

// ---- the rest of the page ----

function renderPayments(): void {
  const recent = [...state.payments].sort((a, b) => b.timestamp - a.timestamp);
  const names = new Map(PAYEES.map((p) => [p.terminalId, p.name]));
  const when = new Intl.DateTimeFormat('en-IE', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  $('#history-count').textContent = `(${recent.length} on this device)`;
  $('#payments').replaceChildren(
    ...recent.slice(0, 5).map((p) => {
      const item = document.createElement('li');
      item.append(
        span('who', names.get(p.terminalId) ?? p.terminalId),
        span('when', when.format(p.timestamp)),
        span('how-much', money.format(p.amount)),
      );
      if (p.flagged) item.append(span('flag', 'sent for review'));
      return item;
    }),
  );
}

function setPill(selector: string, text: string, tone: 'good' | 'bad' | 'neutral'): void {
  const pill = $(selector);
  pill.textContent = text;
  pill.dataset['tone'] = tone;
}

function showNetwork(): void {
  setPill(
    '#network',
    navigator.onLine ? 'Online' : 'Offline — pre-scoring still works',
    navigator.onLine ? 'neutral' : 'bad',
  );
}

function registerServiceWorker(): void {
  if (import.meta.hot) {
    // The dev server (no precache list, files change on every edit).
    setPill('#offline', 'Offline use: in the built app only', 'neutral');
    return;
  }
  if (!('serviceWorker' in navigator)) {
    setPill('#offline', 'Offline use: not supported by this browser', 'bad');
    return;
  }
  navigator.serviceWorker
    .register('./sw.js')
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      setPill('#offline', 'Available offline', 'good');
      document.body.dataset['offline'] = 'ready';
    })
    .catch((error: unknown) => setPill('#offline', `Offline use unavailable: ${String(error)}`, 'bad'));
}

$('#customer').textContent = `Signed in as ${CUSTOMER.name} · ${CUSTOMER.id}`;
$('#payees').replaceChildren(
  ...PAYEES.map((p) => Object.assign(document.createElement('option'), { value: p.terminalId, label: p.name })),
);
inputs.payee.value = PAYEES[0]!.terminalId;
window.addEventListener('online', showNetwork);
window.addEventListener('offline', showNetwork);
showNetwork();
renderPayments();
registerServiceWorker();
