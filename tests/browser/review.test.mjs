// Browser test of `cull review`, run by tests/e2e/review.sh against a running server.
// Drives Debian's /usr/bin/chromium through playwright-core and prints one line per check:
// "PASS name" or "FAIL name: why" (the shell script turns them into TAP).
//
// env: REVIEW_URL (as printed, with the token), CULL (the binary; CULL_DB set), OUT_DIR (for
// screenshots), TRASH_DIR ($XDG_DATA_HOME/Trash), DOCS_SCREENSHOT (optional: copy the desktop
// screenshot there), CHROMIUM (default /usr/bin/chromium).
import { chromium, request } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';

const URL_WITH_TOKEN = process.env.REVIEW_URL;
const BASE = new URL(URL_WITH_TOKEN).origin;
const TOKEN = new URL(URL_WITH_TOKEN).searchParams.get('token');
const OUT = process.env.OUT_DIR;
const SLOW = Number(process.env.SLOW || 1);    // the sanitizer build is slower
let failures = 0;

function check(name, ok, why = '') {
  if (ok) console.log(`PASS ${name}`);
  else { failures++; console.log(`FAIL ${name}: ${why}`); }
}

// The API as the page calls it: the token from the tab's sessionStorage, in a header.
const api = (page, path) => page.evaluate(async (p) => (await fetch(p, {
  headers: { 'X-Cull-Token': sessionStorage.getItem('cull-token') },
})).json(), path);
const settled = (page) => page.waitForFunction(() => document.body.dataset.pending === '0');
const shownId = (page) => page.evaluate(() => Number(document.getElementById('current').dataset.id));
const imageLoaded = (page) => page.waitForFunction(() => {
  const img = document.getElementById('current');
  return img.dataset.loaded === '1' && img.naturalWidth > 0;
});

function cliLabels() {
  const rows = JSON.parse(execFileSync(process.env.CULL, ['rank', '--all', '--format', 'json'], { encoding: 'utf8' }));
  return new Map(rows.map((r) => [r.path, r.label || null]));
}

const profile = mkdtempSync(join(tmpdir(), 'cull-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
ctx.setDefaultTimeout(15000 * SLOW);
const page = ctx.pages()[0] || await ctx.newPage();
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));

try {
  // Open from a link on another site (a chat, a mail, the --open page): it works the first time,
  // the token leaves the address bar, no cookie is set, and the first image shows quickly.
  await page.setContent(`<a id="go" href="${URL_WITH_TOKEN}">review</a>`);
  const t0 = Date.now();
  await page.click('#go');
  await imageLoaded(page);
  const totalMs = Date.now() - t0;
  // What the server owes: from the page asking for the queue to the first image's last byte
  // (the rest is the browser starting its network stack on a first navigation).
  const serverMs = await page.evaluate(() => {
    const entries = performance.getEntriesByType('resource');
    const queue = entries.find((e) => e.name.includes('/api/queue'));
    const image = entries.find((e) => e.name.includes('/display'));
    return Math.round(image.responseEnd - queue.startTime);
  });
  check(`first image ${serverMs} ms after the page asked for the queue (page open to image: ${totalMs} ms)`,
    serverMs < 1000 * SLOW && totalMs < 5000 * SLOW, `${serverMs} ms / ${totalMs} ms`);
  check('the token left the address bar', !page.url().includes('token='), page.url());
  const cookies = await ctx.cookies(BASE);
  check('opened from a link on another site, the page works the first time, with no cookie',
    cookies.length === 0, JSON.stringify(cookies));

  const q = await api(page, '/api/queue?name=likely&limit=10');
  const [A, B, C, D, E] = q.items;
  check('the page shows the queue\'s first image', (await shownId(page)) === A.id);
  check('the first image is the likeliest delete', q.items.every((it) => it.p <= A.p));
  const info = await page.textContent('.info');
  check('name, folder, size, pixels and P(delete) are shown',
    info.includes(A.name) && info.includes(A.folder) && info.includes(`${A.width} × ${A.height}`) &&
    info.includes(A.p.toFixed(2)), info);
  check('the strip shows what comes next', (await page.locator('#strip img').count()) === Math.min(8, q.items.length - 1));

  // Label with the keyboard: d/← delete, k/→ keep, s skip.
  for (const key of ['d', 'ArrowRight', 'k', 'ArrowLeft', 's']) await page.keyboard.press(key);
  await settled(page);
  const done = new Set([A.id, B.id, C.id, D.id, E.id]);
  check('five keys moved five images on', !done.has(await shownId(page)), `showing ${await shownId(page)}`);
  let st = await api(page, '/api/state');
  check('four decisions stored', st.decisions === 4, JSON.stringify(st));

  // Reload: nothing decided or skipped comes back (a retraining may have re-ordered the rest).
  await page.reload();
  await imageLoaded(page);
  const after = await api(page, '/api/queue?name=likely&limit=50');
  check('after a reload the decided and skipped images stay out of the queue',
    !done.has(await shownId(page)) && after.items.every((it) => !done.has(it.id)));

  // Undo: the skip, then the last label.
  await page.keyboard.press('u');
  await settled(page);
  check('u brings back the skipped image', (await shownId(page)) === E.id);
  await page.keyboard.press('z');
  await settled(page);
  check('z takes back the last label', (await shownId(page)) === D.id);
  check('the page shows it unlabelled again', (await page.textContent('#label')) === 'none');

  // The labels as the CLI sees them.
  const labels = cliLabels();
  check('cull rank sees the labels made on the page',
    labels.get(A.path) === 'delete' && labels.get(B.path) === 'keep' && labels.get(C.path) === 'keep',
    JSON.stringify([labels.get(A.path), labels.get(B.path), labels.get(C.path)]));
  check('cull rank sees the undone label cleared', labels.get(D.path) === null && labels.get(E.path) === null);

  // Learning: with --retrain-every 4 the model retrained in the background; the page shows it.
  await page.waitForFunction(() => Number(document.getElementById('model').dataset.version) >= 1);
  st = await api(page, '/api/state');
  check('a background retraining installed a new model with its previous ROC-AUC',
    st.model && typeof st.model.auc === 'number' && st.model.prev_auc !== null && st.queue_version >= 1,
    JSON.stringify(st.model));
  check('the page shows the ROC-AUC', /ROC-AUC \d\.\d{3}/.test(await page.textContent('#model')));
  check('the header says what reviewing the unlabelled images should find, from cross-validation',
    /reviewing the first \d+ should find about half the deletes.*cross-validated on your \d+ labels/
      .test(await page.textContent('#cost')), await page.textContent('#cost'));

  mkdirSync(OUT, { recursive: true });
  await imageLoaded(page);
  await page.waitForSelector('#toast:not(.show)', { state: 'attached' });
  await page.waitForTimeout(400);   // the toast's fade-out
  await page.screenshot({ path: join(OUT, 'review-desktop.png') });
  if (process.env.DOCS_SCREENSHOT) copyFileSync(join(OUT, 'review-desktop.png'), process.env.DOCS_SCREENSHOT);

  // Help.
  await page.keyboard.press('?');
  check('? opens the key help', await page.locator('#help').isVisible());
  await page.keyboard.press('Escape');

  // Phone size: a swipe to the left deletes.
  await page.setViewportSize({ width: 390, height: 844 });
  await imageLoaded(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, 'review-phone.png') });
  const box = await page.locator('#stage').boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - 80, cy, { steps: 4 });
  await page.mouse.move(cx - 160, cy, { steps: 4 });
  await page.mouse.up();
  await settled(page);
  check('a swipe to the left deletes on a phone-sized page', cliLabels().get(D.path) === 'delete');
  check('and shows the next image', (await shownId(page)) !== D.id);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The suspects queue shows a labelled image with how likely its label is wrong, as cull
  // suspects scores it: P(delete) for a keep, 1 − P(delete) for a delete.
  const sus = (await api(page, '/api/queue?name=suspects&limit=1')).items[0];
  await page.selectOption('#queue', 'suspects');
  await page.waitForFunction((id) => document.getElementById('current').dataset.id === String(id), sus.id);
  await settled(page);
  const wrong = sus.label === 'keep' ? sus.p : 1 - sus.p;
  check('the suspects queue names its score P(wrong label)',
    (await page.textContent('#p-what')) === 'P(wrong label)', await page.textContent('#p-what'));
  check('and shows it as cull suspects scores it', (await page.textContent('#p')) === wrong.toFixed(2),
    `${await page.textContent('#p')} for ${sus.label} at P(delete) ${sus.p}`);

  // Why this score: w opens the panel; a suspect shows the nearest images labelled otherwise.
  await page.keyboard.press('w');
  await page.waitForFunction((id) => document.getElementById('why').dataset.id === String(id), sus.id);
  const why = await api(page, `/api/explain/${sus.id}`);
  const otherLabel = sus.label === 'keep' ? 'delete' : 'keep';
  check('w opens the panel with the labelled images the suspect looks most like',
    why.neighbours.length > 0 && (await page.locator('#why-near li').count()) === why.neighbours.length,
    JSON.stringify(why.neighbours));
  const shownOther = await page.$$eval('#why-other li', (lis) => lis.map((li) => li.dataset.label));
  check(`a suspect labelled ${sus.label} shows the nearest images labelled ${otherLabel}`,
    why.disagreeing.length > 0 && shownOther.length === why.disagreeing.length && shownOther.every((l) => l === otherLabel),
    JSON.stringify(shownOther));
  await page.waitForFunction(() => [...document.querySelectorAll('#why-near img')]
    .every((im) => im.complete && im.naturalWidth > 0));
  check('their thumbnails load', true);
  const terms = await page.textContent('#why-terms');
  check('the panel lists what moved the score', terms.includes('the picture (embedding)') &&
    (await page.locator('#why-terms tr').count()) === Math.min(8, why.contributions.length), terms);
  check('the panel\'s P(delete) is the model\'s', (await page.textContent('#why-status')).startsWith(
    `P(delete) ${why.p_delete.toFixed(3)}`), await page.textContent('#why-status'));
  await page.screenshot({ path: join(OUT, 'review-why.png') });

  await page.selectOption('#queue', 'likely');
  await page.waitForFunction(() => document.getElementById('p-what').textContent === 'P(delete)');
  await settled(page);
  const now = await shownId(page);
  await page.waitForFunction((id) => document.getElementById('why').dataset.id === String(id), now);
  check('the open panel follows the image on screen', !(await page.locator('#why-other').isVisible()));
  await page.keyboard.press('w');
  check('w closes it', !(await page.locator('#why').isVisible()));

  // Apply: the dialog shows what would move, then moves exactly that to the Trash.
  let plan = await api(page, '/api/apply');
  await page.click('#apply-btn');
  await page.waitForSelector('#apply-confirm:not([hidden])');
  const summary = await page.textContent('#apply-summary');
  check('Apply shows how many files would go to the Trash', summary.startsWith(`${plan.files} files`), summary);
  // One more delete from the CLI while the dialog is open: Confirm moves nothing and shows the
  // new list; the second Confirm moves it.
  const [late] = [...cliLabels()].find(([p, l]) => l === null && p !== E.path);
  execFileSync(process.env.CULL, ['label', '--quiet', 'delete', late]);
  await page.click('#apply-confirm');
  await page.waitForFunction(() => document.getElementById('apply-summary').dataset.changed === '1');
  const changed = await page.textContent('#apply-summary');
  check('a list that changed after it was shown is not applied', changed.startsWith('The list changed') &&
    plan.items.every((it) => existsSync(it.path)) && existsSync(late), changed);
  plan = await api(page, '/api/apply');
  check('the dialog shows the new list', changed.includes(`${plan.files} files`) &&
    plan.items.some((it) => it.path === late), changed);
  await page.waitForSelector('#apply-confirm:not([hidden])');
  await page.click('#apply-confirm');
  await page.waitForFunction(() => document.getElementById('apply-summary').dataset.moved !== undefined);
  const result = await page.textContent('#apply-summary');
  check('Apply reports the files moved', result.startsWith(`Moved ${plan.files} files`), result);
  const trashed = readdirSync(join(process.env.TRASH_DIR, 'files'));
  const expected = plan.items.map((it) => basename(it.path));
  check('the delete-labelled files are in the Trash', expected.every((n) => trashed.includes(n)),
    `trash: ${trashed.join(' ')}; expected: ${expected.join(' ')}`);
  check('and gone from their folders', plan.items.every((it) => !existsSync(it.path)));
  check('A went to the Trash, B (keep) stayed', !existsSync(A.path) && existsSync(B.path));
  await page.click('#apply-cancel');

  // Security, as a browser and as a bare client.
  const bare = await request.newContext();
  let r = await bare.get(`${BASE}/api/queue`);
  check('no token: the API is 403', r.status() === 403, r.status());
  r = await bare.post(`${BASE}/api/label`, { headers: { 'X-Cull-Token': TOKEN, Origin: 'http://evil.example' },
    data: { id: E.id, label: 'delete' } });
  check('a write with a foreign Origin is refused, token or not', r.status() === 403, r.status());
  await bare.dispose();
  // A real cross-origin page (localhost is another origin than 127.0.0.1) cannot write.
  const other = await ctx.newPage();
  await other.goto(URL_WITH_TOKEN.replace('127.0.0.1', 'localhost'));
  const crossWrite = await other.evaluate(async ({ base, id }) => {
    try {
      const res = await fetch(`${base}/api/label`, { method: 'POST', credentials: 'include',
        headers: { 'Content-Type': 'application/json', 'X-Cull-Token': sessionStorage.getItem('cull-token') },
        body: JSON.stringify({ id, label: 'delete' }) });
      return `status ${res.status}`;
    } catch (e) { return 'blocked'; }
  }, { base: BASE, id: E.id });
  await other.close();
  check('a page of another origin cannot label (its fetch fails)', crossWrite === 'blocked', crossWrite);
  check('and the label did not change', cliLabels().get(E.path) === null);
  check('no script errors on the page', consoleErrors.length === 0, consoleErrors.join('; '));
} catch (e) {
  check('browser test ran to the end', false, e.stack || String(e));
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
