// End to end in Debian's Chromium: the built app pre-scores as the customer types (LOW for a usual amount, HIGH or
// CRITICAL for ten times the usual, with "amount" among three reasons), shows field errors, records a sent payment,
// and after going offline — network off and the server's files gone — reloads and scores again from its caches.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../sdk/test/browser/chromium.js';
import { serveDirectory } from '../../sdk/test/browser/static-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '../..');
const artifacts = join(repo, 'test-results');
const WAIT = { timeout: 20_000 };

let work: string;
let site: string;
let server: { url: string; close: () => Promise<void> } | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(join(repo, 'sdk/dist/index.js')))
    throw new Error('sdk/dist is missing: run `pnpm --filter @fraudscore/sdk build` first');
  work = await mkdtemp(join(tmpdir(), 'fraudscore-web-banking-'));
  site = join(work, 'site');
  await build({
    root: here,
    configFile: join(here, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: site, emptyOutDir: true },
  });
  server = await serveDirectory(site);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Shown {
  tier: string;
  probability: string;
  blocked: string;
  reasons: string[];
  note: string;
}

/** Types the amount and waits until the panel shows the pre-score for exactly that amount. */
async function prescore(page: Page, amount: string): Promise<Shown> {
  await page.fill('#amount', amount);
  await waitForText(
    page,
    `#prescore[data-state="scored"][data-amount="${Number(amount)}"] .caption`,
    `Pre-score for €${Number(amount).toFixed(2)}`,
  );
  return page.evaluate(() => {
    const text = (selector: string): string => document.querySelector(selector)?.textContent ?? '';
    return {
      tier: text('#tier-text'),
      probability: text('#probability'),
      blocked: text('#blocked'),
      note: text('#scored-note'),
      reasons: [...document.querySelectorAll('#reasons li .phrase')].map((e) => e.textContent ?? ''),
    };
  });
}

const problems: string[] = [];

/** Waits for the text to appear in the element; on timeout, says what the element showed instead. */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  try {
    await page.locator(selector, { hasText: text }).waitFor(WAIT);
  } catch (error) {
    const shown = await page
      .locator(selector)
      .textContent()
      .catch(() => null);
    throw new Error(`${selector} did not show "${text}" (it shows ${JSON.stringify(shown)})\n${problems.join('\n')}`, {
      cause: error,
    });
  }
}

describe('web-banking example in Chromium', () => {
  it('pre-scores while typing, records a payment, and works offline', async () => {
    const context = await browser!.newContext({ viewport: { width: 430, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    try {
      await page.goto(server!.url);
      await waitForText(page, '#model', 'ready on this device');
      await waitForText(page, '#offline', 'Available offline');
      await waitForText(page, '#history-count', '20 on this device'); // the seeded demo history

      await page.fill('#payee', 'T-20391');
      const usual = await prescore(page, '25');
      expect(usual.tier, problems.join('\n')).toBe('LOW');
      expect(usual.blocked).toBe('No');
      expect(usual.reasons).toHaveLength(3);
      expect(usual.note).toContain('(wasm)');

      const unusual = await prescore(page, '400');
      expect(['HIGH', 'CRITICAL']).toContain(unusual.tier);
      expect(unusual.blocked).toMatch(/^Yes/);
      expect(unusual.reasons).toHaveLength(3);
      expect(unusual.reasons).toContain('amount');
      expect(new Set(unusual.reasons).size).toBe(3);

      // A validation error appears next to its field.
      await page.fill('#amount', '12abc');
      await waitForText(page, '#amount-error', 'Enter an amount like 25 or 25.50');
      expect(await page.getAttribute('#amount', 'aria-invalid')).toBe('true');

      // Send records the payment in the on-device history.
      await prescore(page, '25');
      await page.click('#send');
      await waitForText(page, '#sent', 'Sent €25.00 to T-20391');
      await waitForText(page, '#history-count', '21 on this device');

      // Offline: the network is cut and the server's files are gone; the service worker and IndexedDB carry on.
      await context.setOffline(true);
      await rename(site, `${site}-gone`);
      await page.reload();
      await waitForText(page, '#network', 'Offline');
      await waitForText(page, '#model', 'ready on this device');
      await waitForText(page, '#history-count', '21 on this device');
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      const offline = await prescore(page, '400');
      expect(['HIGH', 'CRITICAL']).toContain(offline.tier);
      expect(offline.reasons).toHaveLength(3);
      expect(offline.reasons).toContain('amount');
      expect(offline.note).toContain('(wasm)');

      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'web-banking.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
