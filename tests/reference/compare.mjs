// compare.mjs — compares `cull embed` output with the TensorFlow.js reference.
//
//   node compare.mjs outputs REF.json EMBED.jsonl
//       For each reference image, the cull line whose path has the same base name (x.rgb ↔ x.png):
//       vector = 1792 features then 5 probabilities; features within FEATURE_TOL absolute,
//       probabilities within PROB_TOL absolute.
//   node compare.mjs tensor NAME REF.f32 EMBED.jsonl
//       The one cull line's vector against a raw float32 tensor (flattened NHWC): every value
//       within TENSOR_TOL · max(1, max |reference|). When cull's vector is 1792 longer, its first
//       1792 are the TF-Hub feature vector cull puts first for graphs that have one: skipped.
//
// Prints one line per check: "ok<TAB>text" or "not ok<TAB>text", then "#<TAB>details" lines.
// Exit status 0 when it could compare (whatever the results), 2 on bad input.
import fs from 'node:fs';
import path from 'node:path';

export const FEATURE_TOL = 1e-3;
export const PROB_TOL = 1e-4;
export const TENSOR_TOL = 1e-3;

function die(msg) {
    process.stderr.write(`compare: ${msg}\n`);
    process.exit(2);
}

function readLines(file) {
    return fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
}

const stem = (p) => path.basename(p).replace(/\.[^.]*$/, '');
const say = (ok, text, details = []) => {
    process.stdout.write(`${ok ? 'ok' : 'not ok'}\t${text}\n`);
    for (const d of details) process.stdout.write(`#\t${d}\n`);
};

// Largest |a−b| and where; NaN anywhere counts as infinite.
function maxDiff(a, b, from, to) {
    let worst = 0, at = from;
    for (let i = from; i < to; i++) {
        const d = Math.abs(a[i] - b[i]);
        if (!(d <= worst)) {
            worst = Number.isNaN(d) ? Infinity : d;
            at = i;
        }
    }
    return { worst, at };
}

function outputs(refFile, embedFile) {
    const ref = JSON.parse(fs.readFileSync(refFile, 'utf8'));
    const lines = new Map(readLines(embedFile).map((o) => [stem(o.path), o]));
    let worstF = 0, worstP = 0, worstRel = 0;
    for (const img of ref.images) {
        const name = stem(img.file);
        const line = lines.get(name);
        if (!line) {
            say(false, `${name}: cull printed no vector for it`);
            continue;
        }
        const v = line.vector;
        if (v.length !== 1797) {
            say(false, `${name}: cull's vector has ${v.length} values, not 1797 (1792 features + 5 probabilities)`);
            continue;
        }
        const want = [...img.features, ...img.probabilities];
        const f = maxDiff(v, want, 0, 1792);
        const p = maxDiff(v, want, 1792, 1797);
        const norm = Math.sqrt(img.features.reduce((s, x) => s + x * x, 0));
        worstF = Math.max(worstF, f.worst);
        worstP = Math.max(worstP, p.worst);
        worstRel = Math.max(worstRel, f.worst / norm);
        const ok = f.worst <= FEATURE_TOL && p.worst <= PROB_TOL;
        say(ok, `${name}: features max |Δ| ${f.worst.toExponential(2)} (≤ ${FEATURE_TOL}), probabilities max |Δ| ${p.worst.toExponential(2)} (≤ ${PROB_TOL})`,
            ok ? [] : [
                `worst feature ${f.at}: cull ${v[f.at]}, tfjs ${want[f.at]}; ‖features‖ ${norm.toFixed(4)}`,
                `probabilities cull [${v.slice(1792).map((x) => x.toFixed(6))}] tfjs [${img.probabilities.map((x) => x.toFixed(6))}]`,
            ]);
    }
    process.stdout.write(`#\tover all images: features max |Δ| ${worstF.toExponential(3)} (${(worstRel * 100).toExponential(2)}% of ‖f‖), probabilities max |Δ| ${worstP.toExponential(3)}\n`);
}

function tensor(name, refFile, embedFile) {
    const buf = fs.readFileSync(refFile);
    const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const lines = readLines(embedFile);
    if (lines.length !== 1) die(`${embedFile}: ${lines.length} lines, not 1`);
    let v = lines[0].vector, note = '';
    // cull puts a TF-Hub feature vector first when the graph has one (a cut after it, e.g. the
    // logits, still does): compare what follows it.
    if (v.length === ref.length + 1792) {
        v = v.slice(1792);
        note = ' after the 1792 features';
    }
    if (v.length !== ref.length) {
        say(false, `${name}: cull gives ${v.length} values, tfjs ${ref.length}`);
        return;
    }
    let maxAbs = 0;
    for (const x of ref) maxAbs = Math.max(maxAbs, Math.abs(x));
    const tol = TENSOR_TOL * Math.max(1, maxAbs);
    const d = maxDiff(v, ref, 0, ref.length);
    let n = 0;
    for (let i = 0; i < ref.length; i++) if (!(Math.abs(v[i] - ref[i]) <= tol)) n++;
    say(d.worst <= tol, `${name}: ${ref.length} values${note}, max |Δ| ${d.worst.toExponential(2)} (≤ ${tol.toExponential(1)}; max |tfjs| ${maxAbs.toFixed(3)})`,
        d.worst <= tol ? [] : [`${n} values over; worst at flat index ${d.at}: cull ${v[d.at]}, tfjs ${ref[d.at]}`]);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'outputs' && rest.length === 2) outputs(...rest);
else if (mode === 'tensor' && rest.length === 3) tensor(...rest);
else die('usage: node compare.mjs outputs REF.json EMBED.jsonl | tensor NAME REF.f32 EMBED.jsonl');
