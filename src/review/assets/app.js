// cull review — the page. Plain JavaScript, no build step; served from the cull binary.
// The server owns the truth: every decision is POSTed at once (in order, one at a time), the
// queue comes from /api/queue, and a new model (queue_version) re-orders what is left.
'use strict';

const $ = (id) => document.getElementById(id);
const S = {
  queue: 'likely',
  search: '',           // the words of the search queue
  items: [],            // items[0] is on screen
  applyPlan: '',        // the id of the plan the Apply dialog shows: Confirm moves exactly that
  gone: new Set(),      // decided or skipped here, maybe not yet stored
  version: null,        // queue_version of the model the items were ordered by
  chain: Promise.resolve(),
  pending: 0,
  auc: null,
  loading: false,
  total: 0,
};
const STRIP = 8, REFILL_BELOW = 12, PAGE = 40;

// ---- server ----------------------------------------------------------------------------------

// The token comes with the URL cull review printed; the tab keeps it in sessionStorage (this
// origin only: no cookie, which the browser would send to every port of the host) and the
// address bar loses it. Every API call carries it as a header; images carry the server's
// signature of their id instead, since an <img> cannot send a header.
const TOKEN = (() => {
  const given = new URLSearchParams(location.search).get('token');
  if (given) {
    sessionStorage.setItem('cull-token', given);
    history.replaceState(null, '', `/${location.hash}`);
  }
  return given || sessionStorage.getItem('cull-token') || '';
})();

async function api(method, path, body) {
  const opt = { method, credentials: 'omit', cache: 'no-store', headers: { 'X-Cull-Token': TOKEN } };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) {
    const err = new Error((j && j.error) || `${r.status} ${r.statusText}`);
    err.body = j;
    throw err;
  }
  return j;
}

// Runs fn after every earlier write, so the library sees decisions in the order they were made.
function send(fn) {
  S.pending++;
  document.body.dataset.pending = S.pending;
  S.chain = S.chain.then(fn).catch((e) => toast(`Not saved: ${e.message}`)).finally(() => {
    S.pending--;
    document.body.dataset.pending = S.pending;
  });
  return S.chain;
}

async function loadQueue() {
  S.loading = true;
  try {
    const words = S.queue === 'search' ? `&text=${encodeURIComponent(S.search)}` : '';
    const q = await api('GET', `/api/queue?name=${S.queue}&limit=${PAGE}${words}`);
    // The image on screen stays there (a re-ordering must not pull it away from under a key
    // press); the rest follows the server's order.
    const cur = S.items[0];
    S.items = q.items.filter((it) => !S.gone.has(it.id) && (!cur || it.id !== cur.id));
    if (cur && !S.gone.has(cur.id)) S.items.unshift(cur);
    S.total = q.total;
    S.version = q.version;
    render();
  } catch (e) {
    toast(`Cannot load the queue: ${e.message}`);
  } finally {
    S.loading = false;
  }
}

function refill() {
  if (!S.loading && S.items.length < REFILL_BELOW) send(loadQueue);
}

// ---- state: model, counts, undo -----------------------------------------------------------------

function onState(st) {
  const m = $('model');
  m.textContent = '';
  if (st.model) {
    m.append('ROC-AUC ');
    const b = document.createElement('b');
    b.textContent = st.model.auc.toFixed(3);
    m.append(b);
    if (st.model.prev_auc !== null) {
      const d = st.model.auc - st.model.prev_auc, s = document.createElement('span');
      s.className = d > 0.0005 ? 'up' : d < -0.0005 ? 'down' : '';
      s.textContent = ` ${d >= 0 ? '▲' : '▼'}${Math.abs(d).toFixed(3)}`;
      s.title = `was ${st.model.prev_auc.toFixed(3)} before the last retraining`;
      m.append(s);
    }
    m.append(` · trained on ${st.model.n_keep + st.model.n_delete} labels of the whole library`);
  } else if (st.zero_shot) {
    m.append('scored by your prompts (zero-shot) until there are labels to train on');
  } else {
    m.append(st.note ? 'no model yet: label at least 2 keeps and 2 deletes' : 'no model yet');
  }
  showWords(st.words);
  const t = document.createElement('span');
  t.id = 'training';
  t.className = st.training ? 'busy' : '';
  t.textContent = st.training ? ' training…' : ` · retrain in ${st.until_retrain}`;
  m.append(t);
  m.dataset.auc = st.model ? st.model.auc : '';
  m.dataset.version = st.queue_version;
  $('undo-btn').disabled = !st.can_undo;
  $('left').textContent =
    `in this review: ${st.counts.unlabelled} unlabelled · ${st.counts.keep} keep · ${st.counts.delete} delete`;
  $('left').title = $('left').textContent;
  $('cost').textContent = st.review_cost || '';
  $('cost').title = `${$('cost').textContent}. Predicted by cross-validation from the scores your labelled deletes got.`;
  if (S.version !== null && st.queue_version !== S.version && !S.loading) {
    S.version = st.queue_version;
    if (st.model && S.auc !== null && st.model.auc !== S.auc) toast(`Retrained: ROC-AUC ${st.model.auc.toFixed(3)} — queue re-ordered`);
    send(loadQueue);
  }
  S.auc = st.model ? st.model.auc : null;
}

// The words: the search box when the encoder has a text tower, and the prompts (cull prompt).
function showWords(w) {
  $('search').hidden = !w || !w.search;
  const p = $('prompts');
  const prompts = (w && w.prompts) || [];
  const shown = JSON.stringify(prompts);
  if (p.dataset.shown === shown) return; // rebuilt only when they change: a click is never lost
  p.dataset.shown = shown;
  p.hidden = prompts.length === 0;
  p.textContent = '';
  if (!prompts.length) return;
  p.append('prompts: ');
  prompts.forEach((it, i) => {
    const s = document.createElement('span');
    s.className = it.label;
    s.textContent = `${it.label === 'delete' ? '✗' : '✓'} ${it.text}`;
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.className = 'rm';
    rm.dataset.remove = it.id;
    rm.textContent = '×';
    rm.title = `Remove prompt ${it.id} (as cull prompt remove ${it.id})`;
    if (i) p.append(' · ');
    p.append(s, rm);
  });
  p.title = `${prompts.map((it) => `${it.label}: ${it.text}`).join(' · ')}. Prompts (cull prompt) score the images `
    + 'while there are too few labels to train, then each is a feature of the model.';
}

// Adds the search's words as a prompt, or removes prompt id; the learner scores again with them.
// The buttons that asked go away (or are disabled) at once: a second click would ask twice.
function changePrompt(body, button) {
  button.disabled = true;
  if (!body.remove) $('prompt-add').hidden = true;
  send(async () => {
    try {
      const j = await api('POST', '/api/prompt', body);
      onState(j.state);
      toast(body.remove ? `Prompt ${j.id} removed` : `Prompt ${j.id} added (${body.label}): scoring again with it`);
    } catch (e) {
      if (!body.remove) $('prompt-add').hidden = false;
      throw e;
    } finally {
      button.disabled = false;
    }
  });
}

function runSearch(text) {
  S.search = text.trim();
  if (!S.search) return;
  $('prompt-add').hidden = false;
  const opt = $('search-option');
  opt.hidden = false;
  opt.textContent = `Search: ${S.search}`;
  S.queue = 'search';
  $('queue').value = 'search';
  S.items = [];
  render();
  send(loadQueue);
  $('search').blur();
}

async function pollState() {
  try { onState(await api('GET', '/api/state')); } catch (e) { /* the server may be stopping */ }
}

// ---- rendering ------------------------------------------------------------------------------------

const imageUrl = (it, size) => `/api/image/${it.id}/${size}?sig=${it.sig}`;

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

function setText(id, text) { $(id).textContent = text || '–'; }

// In the suspects queue a labelled image is shown with what makes it a suspect: how likely its
// label is wrong (as cull suspects scores it); elsewhere with P(delete).
function shownScore(it) {
  if (it.p === null) return null;
  if (S.queue !== 'suspects' || !it.label) return it.p;
  return it.label === 'keep' ? it.p : 1 - it.p;
}

function render() {
  const it = S.items[0], img = $('current');
  $('empty').hidden = !!it;
  document.body.dataset.current = it ? it.id : '';
  if (!it) {
    img.removeAttribute('src');
    img.dataset.id = '';
    ['p', 'name', 'folder', 'size', 'dims', 'date', 'camera', 'label'].forEach((k) => setText(k, ''));
    $('strip').textContent = '';
    return;
  }
  if (img.dataset.id !== String(it.id)) {
    img.dataset.id = it.id;
    img.dataset.loaded = '';
    img.style.transform = '';
    img.src = imageUrl(it, 'display');
    img.alt = it.name;
  }
  const score = shownScore(it);
  setText('p', score === null ? '–' : score.toFixed(2));
  setText('p-what', S.queue === 'suspects' && it.label ? 'P(wrong label)' : 'P(delete)');
  $('pfill').style.left = `${(it.p === null ? 0.5 : it.p) * 100}%`;
  setText('name', it.name);
  setText('folder', it.folder);
  $('folder').title = it.path;
  setText('size', fmtBytes(it.bytes));
  setText('dims', `${it.width} × ${it.height} (${it.format})`);
  setText('date', it.date);
  setText('camera', it.camera);
  setText('label', it.label || 'none');
  $('label').className = it.label || '';
  const strip = $('strip');
  strip.textContent = '';
  for (const next of S.items.slice(1, 1 + STRIP)) {
    const li = document.createElement('li'), im = document.createElement('img'), sp = document.createElement('span');
    im.src = imageUrl(next, 'thumb');
    im.alt = next.name;
    im.title = next.name;
    im.loading = 'lazy';
    im.addEventListener('error', () => li.classList.add('missing'));
    const nextScore = shownScore(next);
    sp.textContent = nextScore === null ? '' : nextScore.toFixed(2);
    li.append(im, sp);
    strip.append(li);
  }
  for (const next of S.items.slice(1, 3)) new Image().src = imageUrl(next, 'display');   // preload
  loadWhy();
}

// ---- why this score (GET /api/explain/ID) ----------------------------------------------------------

const WHY_TERMS = 8;

function termName(t) {
  if (t.kind === 'embedding') return 'the picture (embedding)';
  if (t.kind === 'metadata') return t.feature;
  if (t.kind === 'prompt') return `likeness to “${t.text}” (prompt ${t.prompt}, ${t.side})`;
  if (t.kind !== 'token') return t.kind;
  if (t.token.startsWith('#')) return `a ${t.token.slice(1)}-digit number in the name`;
  if (t.token.startsWith('.')) return `extension ${t.token}`;
  return `“${t.token}” in the name${t.count > 1 ? ` (×${t.count})` : ''}`;
}

function nearList(ol, neighbours) {
  ol.textContent = '';
  for (const n of neighbours) {
    const li = document.createElement('li'), im = document.createElement('img'), sp = document.createElement('span');
    im.src = `/api/image/${n.image_id}/thumb?sig=${n.sig}`;
    im.alt = n.path || '';
    im.title = n.path || 'no copy left';
    im.loading = 'lazy';
    im.addEventListener('error', () => li.classList.add('missing'));
    sp.className = n.label;
    sp.textContent = `${n.label} ${n.similarity.toFixed(2)}`;
    li.dataset.label = n.label;
    li.append(im, sp);
    ol.append(li);
  }
}

function showWhy(w) {
  $('why-status').textContent = `P(delete) ${w.p_delete.toFixed(3)}, log-odds ${w.log_odds >= 0 ? '+' : ''}` +
    `${w.log_odds.toFixed(2)} (${w.model})` + (w.p_out_of_fold === null ? ''
    : `; ${w.p_out_of_fold.toFixed(3)} from the cross-validation fold that never saw its label`);
  const labelledOtherwise = w.label !== null;
  $('why-other-title').hidden = !labelledOtherwise;
  $('why-other').hidden = !labelledOtherwise;
  if (labelledOtherwise) {
    $('why-other-title').textContent = w.disagreeing.length
      ? `Nearest labelled ${w.label === 'keep' ? 'delete' : 'keep'}: why its ${w.label} label is doubted`
      : `No near image is labelled other than ${w.label}`;
    nearList($('why-other'), w.disagreeing);
  }
  nearList($('why-near'), w.neighbours);
  $('why-terms-title').textContent = w.method === 'exact'
    ? 'What moved the score (log-odds; + towards delete)'
    : 'What moved the score (log-odds lost when each is taken away)';
  const table = $('why-terms');
  table.textContent = '';
  for (const t of w.contributions.slice(0, WHY_TERMS)) {
    const tr = table.insertRow();
    tr.insertCell().textContent = `${t.value >= 0 ? '+' : ''}${t.value.toFixed(2)}`;
    tr.cells[0].className = t.value >= 0 ? 'delete' : 'keep';
    tr.insertCell().textContent = termName(t);
  }
  $('why').dataset.id = w.id;
}

async function loadWhy() {
  const it = S.items[0], panel = $('why');
  if (panel.hidden || !it || panel.dataset.id === String(it.id)) return;
  panel.dataset.id = '';
  $('why-status').textContent = 'Looking…';
  try {
    const w = await api('GET', `/api/explain/${it.id}`);
    if (S.items[0] && S.items[0].id === w.id) showWhy(w);
  } catch (e) {
    $('why-status').textContent = e.message;
    ['why-near', 'why-other', 'why-terms'].forEach((k) => { $(k).textContent = ''; });
  }
}

function toggleWhy() {
  const panel = $('why');
  panel.hidden = !panel.hidden;
  $('why-btn').setAttribute('aria-expanded', String(!panel.hidden));
  panel.dataset.id = '';
  loadWhy();
}

let toastTimer = 0;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 2600);
}

function flash(kind) {
  const f = $('flash');
  f.className = `flash show ${kind}`;
  f.textContent = kind === 'delete' ? 'Delete' : kind === 'keep' ? 'Keep' : 'Skip';
  requestAnimationFrame(() => requestAnimationFrame(() => f.classList.remove('show')));
}

// ---- decisions --------------------------------------------------------------------------------------

function decide(label) {
  const it = S.items[0];
  if (!it || dialogOpen()) return;
  flash(label);
  S.items.shift();
  S.gone.add(it.id);
  render();
  send(async () => onState((await api('POST', '/api/label', { id: it.id, label })).state));
  refill();
}

function skip() {
  const it = S.items[0];
  if (!it || dialogOpen()) return;
  flash('skip');
  S.items.shift();
  S.gone.add(it.id);
  render();
  send(async () => onState((await api('POST', '/api/skip', { id: it.id })).state));
  refill();
}

function undo() {
  if (dialogOpen()) return;
  send(async () => {
    const r = await api('POST', '/api/undo');
    if (r.item) {
      S.gone.delete(r.item.id);
      S.items = [r.item, ...S.items.filter((x) => x.id !== r.item.id)];
      render();
      toast(`Undone: ${r.item.name}`);
    } else {
      toast('Nothing to undo');
    }
    onState(r.state);
  });
}

// ---- apply ----------------------------------------------------------------------------------------

// Shows a plan (GET /api/apply's answer) in the Apply dialog; Confirm moves exactly it.
function showPlan(plan, note) {
  const list = $('apply-list'), confirmBtn = $('apply-confirm');
  list.textContent = '';
  S.applyPlan = plan.plan;
  if (plan.files === 0) {
    $('apply-summary').textContent = `${note || ''}Nothing to move: no file on disk is labelled delete.`;
    $('apply-cancel').textContent = 'Close';
    confirmBtn.hidden = true;
    return;
  }
  $('apply-summary').textContent = `${note || ''}` +
    `${plan.files} file${plan.files === 1 ? '' : 's'} (${fmtBytes(plan.bytes)}) labelled delete will go to the Trash. ` +
    'They can be restored from the Trash or with `cull undo`.';
  for (const it of plan.items) {
    const li = document.createElement('li');
    li.textContent = `${it.path}  (${fmtBytes(it.bytes)})`;
    list.append(li);
  }
  if (plan.items.length < plan.files) {
    const li = document.createElement('li');
    li.textContent = `… and ${plan.files - plan.items.length} more`;
    list.append(li);
  }
  confirmBtn.hidden = false;
  confirmBtn.focus();
}

async function openApply() {
  const d = $('apply');
  $('apply-summary').textContent = 'Looking…';
  $('apply-list').textContent = '';
  $('apply-confirm').hidden = true;
  $('apply-cancel').textContent = 'Cancel';
  d.showModal();
  await S.chain;   // the decisions just made count
  try {
    showPlan(await api('GET', '/api/apply'));
  } catch (e) {
    $('apply-summary').textContent = `Cannot plan: ${e.message}`;
  }
}

async function runApply() {
  const confirmBtn = $('apply-confirm');
  confirmBtn.hidden = true;
  $('apply-summary').textContent = 'Moving…';
  $('apply-list').textContent = '';
  try {
    const r = await api('POST', '/api/apply', { confirm: true, plan: S.applyPlan });
    let text = `Moved ${r.files} file${r.files === 1 ? '' : 's'} (${fmtBytes(r.bytes)}) to the Trash.`;
    if (r.failed) text += ` ${r.failed} could not be moved (the terminal running cull review says why).`;
    if (r.gone) text += ` ${r.gone} were already gone.`;
    if (r.files) text += ' `cull undo` puts them back.';
    $('apply-summary').textContent = text;
    $('apply-summary').dataset.moved = r.files;
    onState(r.state);
  } catch (e) {
    if (e.body && e.body.plan && e.body.items) {   // 409: the list changed since it was shown
      showPlan(e.body, 'The list changed since it was shown: nothing moved. ');
      $('apply-summary').dataset.changed = '1';
      return;
    }
    $('apply-summary').textContent = `Apply failed: ${e.message}`;
  }
  $('apply-cancel').textContent = 'Close';
}

// ---- input: keys, buttons, swipes -----------------------------------------------------------------

const dialogOpen = () => $('help').open || $('apply').open;

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLInputElement) return;
  if (e.key === '?') {
    if ($('help').open) $('help').close(); else if (!dialogOpen()) $('help').showModal();
    e.preventDefault();
    return;
  }
  if (dialogOpen()) return;
  const act = { d: () => decide('delete'), ArrowLeft: () => decide('delete'), k: () => decide('keep'),
    ArrowRight: () => decide('keep'), s: skip, u: undo, z: undo, w: toggleWhy }[e.key];
  if (act && !e.repeat) {
    e.preventDefault();
    act();
  }
}

function swipes() {
  const stage = $('stage'), img = $('current');
  let x0 = null, y0 = 0;
  stage.addEventListener('pointerdown', (e) => {
    if (!e.isPrimary) return;
    x0 = e.clientX;
    y0 = e.clientY;
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (x0 === null) return;
    const dx = e.clientX - x0;
    img.style.transform = `translateX(${dx}px) rotate(${dx / 40}deg)`;
  });
  const end = (e) => {
    if (x0 === null) return;
    const dx = e.clientX - x0, dy = e.clientY - y0;
    x0 = null;
    img.style.transform = '';
    if (e.type === 'pointercancel') return;
    if (Math.abs(dx) > 70 && Math.abs(dx) > Math.abs(dy)) decide(dx < 0 ? 'delete' : 'keep');
    else if (dy < -70 && Math.abs(dy) > Math.abs(dx)) skip();
  };
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', end);
}

function start() {
  const q = new URLSearchParams(location.hash.slice(1)).get('queue');
  if (q && q !== 'search' && [...$('queue').options].some((o) => o.value === q)) S.queue = q;
  $('queue').value = S.queue;
  $('search').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) runSearch(e.target.value);
    if (e.key === 'Escape') e.target.blur();
  });
  for (const label of ['delete', 'keep']) {
    $(`prompt-${label}`).addEventListener('click', (e) => {
      changePrompt({ label, text: S.search }, e.target);
      e.target.blur();
    });
  }
  $('prompts').addEventListener('click', (e) => {
    if (e.target.dataset.remove && !e.target.disabled) changePrompt({ remove: Number(e.target.dataset.remove) }, e.target);
  });
  $('queue').addEventListener('change', (e) => {
    S.queue = e.target.value;
    $('prompt-add').hidden = S.queue !== 'search';
    history.replaceState(null, '', `#queue=${S.queue}`);
    S.items = [];
    render();
    send(loadQueue);
    e.target.blur();
  });
  $('delete-btn').addEventListener('click', () => decide('delete'));
  $('keep-btn').addEventListener('click', () => decide('keep'));
  $('skip-btn').addEventListener('click', skip);
  $('undo-btn').addEventListener('click', undo);
  $('help-btn').addEventListener('click', () => $('help').showModal());
  $('why-btn').addEventListener('click', toggleWhy);
  $('apply-btn').addEventListener('click', openApply);
  $('apply-confirm').addEventListener('click', runApply);
  $('apply-cancel').addEventListener('click', () => $('apply').close());
  $('apply').addEventListener('close', () => { if ($('apply-summary').dataset.moved) send(loadQueue); });
  $('current').addEventListener('load', (e) => { e.target.dataset.loaded = '1'; });
  $('current').addEventListener('error', (e) => {
    if (e.target.dataset.id) toast('This image cannot be shown (the file changed or is gone); skip it with s');
  });
  document.addEventListener('keydown', onKey);
  swipes();
  document.body.dataset.pending = 0;
  if (!TOKEN) toast('No token: open the URL that cull review printed');
  pollState();
  send(loadQueue);
  setInterval(pollState, 2000);
}

start();
