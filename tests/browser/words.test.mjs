// Browser test of the review page's words, run by tests/e2e/prompts.sh against a review of a tiny
// CLIP model (a text tower) whose library holds prompts and no labels. Prints "PASS name" or
// "FAIL name: why" per check.
//
// env: REVIEW_URL (as printed, with the token), WANT_FIRST (the id the search queue puts first),
// SLOW (a factor for timeouts), CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const SLOW = Number(process.env.SLOW || 1);
let failures = 0;
function check(name, ok, why = '') {
  if (ok) console.log(`PASS ${name}`);
  else { failures++; console.log(`FAIL ${name}: ${why}`); }
}

const profile = mkdtempSync(join(tmpdir(), 'cull-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
ctx.setDefaultTimeout(15000 * SLOW);
const page = ctx.pages()[0] || await ctx.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
const settled = () => page.waitForFunction(() => document.body.dataset.pending === '0');
const shownId = () => page.evaluate(() => Number(document.getElementById('current').dataset.id));

try {
  await page.goto(process.env.REVIEW_URL);
  await page.waitForFunction(() => document.getElementById('current').dataset.id);
  await page.waitForFunction(() => !document.getElementById('search').hidden);
  check('the search box shows when the encoder has a text tower', true);
  const prompts = await page.textContent('#prompts');
  check('the prompts are shown', prompts.includes('✗ a screenshot of a chat') && prompts.includes('✓ a photo of my family'),
    prompts);
  const model = await page.textContent('#model');
  check('the header says the prompts score the images', model.includes('zero-shot'), model);

  const before = await shownId();
  await page.click('#search');
  await page.keyboard.type('a photo of a cat');
  check('typing in the search box decides nothing (d, k, s are letters there)', await shownId() === before);
  await page.keyboard.press('Enter');
  await settled();
  await page.waitForFunction((want) => Number(document.getElementById('current').dataset.id) === want,
    Number(process.env.WANT_FIRST));
  check('Enter makes the results the queue: the best match first', true);
  const label = await page.evaluate(() => document.getElementById('queue').selectedOptions[0].textContent);
  check('the queue menu names the search', label === 'Search: a photo of a cat', label);

  // The search's words become a prompt with one click, and a prompt goes with another.
  await page.click('#prompt-delete');
  await settled();
  await page.waitForFunction(() => document.getElementById('prompts').textContent.includes('✗ a photo of a cat'));
  check('"✗ as prompt" adds the search as a delete prompt, listed at once', true);
  check('... and the buttons go until the next search (a second click would add it twice)',
    await page.evaluate(() => document.getElementById('prompt-add').hidden));
  const added = await page.evaluate(() => [...document.querySelectorAll('#prompts button.rm')]
    .find((b) => b.previousElementSibling.textContent === '✗ a photo of a cat').dataset.remove);
  check('... the toast names it', (await page.textContent('#toast')).includes(`Prompt ${added} added (delete)`),
    await page.textContent('#toast'));
  await page.click(`#prompts button.rm[data-remove="${added}"]`);
  await settled();
  await page.waitForFunction(() => !document.getElementById('prompts').textContent.includes('a photo of a cat'));
  check('its × removes it', true);
  check('no script errors', errors.length === 0, errors.join('; '));
} catch (e) {
  check('the page works', false, String(e));
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
