#!/usr/bin/env node
// nsfwjs-to-tfjs.js — turns a model bundled in the nsfwjs npm package into the standard
// TensorFlow.js graph-model layout: model.json (weightsManifest paths naming the .bin files) plus
// one .bin file per weight shard.
//
//   node nsfwjs-to-tfjs.js PACKAGE_DIR OUT_DIR [MODEL]
//
// PACKAGE_DIR is the unpacked `npm pack nsfwjs@4.4.0` (the folder holding package.json and dist/);
// MODEL is a folder under dist/models/ (default mobilenet_v2_mid). OUT_DIR is created if missing;
// files in it with the same names are replaced.
//
// nsfwjs ships each file as a one-module browserify UMD bundle:
//   !function(t){...UMD...}(function(){return function t(e,a,l){...}({1:[function(a,b,c){b.exports=VALUE},{}]},{},[1])(1)});
// where VALUE is a JavaScript object literal (model.min.js) or a string literal of base64
// (group1-shardNofM.min.js). No code from the package is run: this script cuts VALUE out of
// the wrapper and reads it with a strict parser that accepts object and array literals, strings,
// numbers, !0/!1/true/false/null and nothing else. Anything unexpected is an error.
//
// Needs only Node's standard library (Node 12 or later). Exit status 0, or 1 with a message.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

function die(msg) {
    process.stderr.write(`nsfwjs-to-tfjs: ${msg}\n`);
    process.exit(1);
}

const SUFFIX = '},{}]},{},[1])(1)});';
const HEAD = /\{1:\[function\([A-Za-z_$][\w$]*,([A-Za-z_$][\w$]*),[A-Za-z_$][\w$]*\)\{\1\.exports=/g;

// The text of VALUE in a browserify single-module bundle.
function payload(file) {
    let text;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch (e) {
        die(`${file}: ${e.message}`);
    }
    text = text.replace(/\s+$/, '');
    if (!text.endsWith(SUFFIX)) die(`${file}: not a browserify bundle of one module (unexpected ending)`);
    const heads = [...text.matchAll(HEAD)];
    if (heads.length !== 1) die(`${file}: not a browserify bundle of one module (${heads.length} module headers)`);
    const start = heads[0].index + heads[0][0].length;
    return text.slice(start, text.length - SUFFIX.length);
}

// A strict reader of JavaScript literals (a superset of JSON as minifiers write it).
function parseLiteral(src, file) {
    let i = 0;
    const fail = (what) => die(`${file}: ${what} at offset ${i} of the module value`);
    const ws = () => {
        while (i < src.length && /\s/.test(src[i])) i++;
    };
    const NUM = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
    const IDENT = /[A-Za-z_$][\w$]*/y;

    function str() {
        const q = src[i++];
        let out = '';
        for (;;) {
            if (i >= src.length) fail('unterminated string');
            const c = src[i++];
            if (c === q) return out;
            if (c === '\n' || c === '\r') fail('newline in string');
            if (c !== '\\') {
                out += c;
                continue;
            }
            const e = src[i++];
            const simple = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };
            if (e in simple && !(e === '0' && /\d/.test(src[i] || ''))) out += simple[e];
            else if (e === 'x' || e === 'u') {
                const n = e === 'x' ? 2 : 4;
                const hex = src.slice(i, i + n);
                if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail('bad escape');
                out += String.fromCharCode(parseInt(hex, 16));
                i += n;
            } else if (e === '"' || e === "'" || e === '\\' || e === '/') out += e;
            else fail('unsupported escape');
        }
    }

    function value(depth) {
        if (depth > 64) fail('nesting too deep');
        ws();
        const c = src[i];
        if (c === '{') {
            i++;
            const obj = {};
            ws();
            if (src[i] === '}') {
                i++;
                return obj;
            }
            for (;;) {
                ws();
                let key;
                if (src[i] === '"' || src[i] === "'") key = str();
                else {
                    IDENT.lastIndex = i;
                    let m = IDENT.exec(src);
                    if (!m) {
                        NUM.lastIndex = i;
                        m = NUM.exec(src);
                        if (!m) fail('expected a key');
                        key = String(Number(m[0]));
                    } else key = m[0];
                    i += m[0].length;
                }
                if (key === '__proto__') fail('key __proto__');
                ws();
                if (src[i++] !== ':') fail("expected ':'");
                obj[key] = value(depth + 1);
                ws();
                const d = src[i++];
                if (d === '}') return obj;
                if (d !== ',') fail("expected ',' or '}'");
            }
        }
        if (c === '[') {
            i++;
            const arr = [];
            ws();
            if (src[i] === ']') {
                i++;
                return arr;
            }
            for (;;) {
                arr.push(value(depth + 1));
                ws();
                const d = src[i++];
                if (d === ']') return arr;
                if (d !== ',') fail("expected ',' or ']'");
            }
        }
        if (c === '"' || c === "'") return str();
        if (src.startsWith('!0', i)) return (i += 2), true;
        if (src.startsWith('!1', i)) return (i += 2), false;
        for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
            if (src.startsWith(word, i) && !/[\w$]/.test(src[i + word.length] || '')) return (i += word.length), v;
        }
        NUM.lastIndex = i;
        const m = NUM.exec(src);
        if (m) {
            i += m[0].length;
            const v = Number(m[0]);
            if (!Number.isFinite(v)) fail('number out of range');
            return v;
        }
        fail('unexpected character');
    }

    const v = value(0);
    ws();
    if (i !== src.length) fail('trailing text');
    return v;
}

// Bytes one stored element takes, per the manifest entry.
function bytesPerElement(w) {
    const q = w.quantization;
    const dtype = q && q.dtype ? q.dtype : w.dtype;
    const sizes = { uint8: 1, int8: 1, bool: 1, uint16: 2, int16: 2, float16: 2, float32: 4, int32: 4 };
    if (!(dtype in sizes)) die(`weight ${w.name}: unsupported dtype ${dtype}`);
    return sizes[dtype];
}

function main(argv) {
    if (argv.length < 2 || argv.length > 3 || argv.includes('--help')) {
        process.stderr.write('usage: node nsfwjs-to-tfjs.js PACKAGE_DIR OUT_DIR [MODEL]\n');
        process.exit(argv.includes('--help') ? 0 : 2);
    }
    let [pkg, out, model = 'mobilenet_v2_mid'] = argv;
    if (!/^[\w.-]+$/.test(model) || model.startsWith('.')) die(`bad model name ${model}`);
    if (!fs.existsSync(path.join(pkg, 'dist')) && fs.existsSync(path.join(pkg, 'package', 'dist')))
        pkg = path.join(pkg, 'package');
    const src = path.join(pkg, 'dist', 'models', model);
    const modelFile = path.join(src, 'model.min.js');

    const json = parseLiteral(payload(modelFile), modelFile);
    if (!json || typeof json !== 'object' || Array.isArray(json)) die(`${modelFile}: the value is not an object`);
    if (!json.modelTopology || !Array.isArray(json.weightsManifest))
        die(`${modelFile}: no modelTopology or weightsManifest`);

    fs.mkdirSync(out, { recursive: true });
    const written = [];
    for (const group of json.weightsManifest) {
        if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights))
            die(`${modelFile}: a weightsManifest group lacks paths or weights`);
        let want = 0;
        for (const w of group.weights) {
            if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape)) die(`${modelFile}: a bad weight entry`);
            let n = 1;
            for (const d of w.shape) {
                if (!Number.isInteger(d) || d < 0) die(`weight ${w.name}: bad shape`);
                n *= d;
            }
            want += n * bytesPerElement(w);
        }
        let have = 0;
        const names = [];
        for (const p of group.paths) {
            if (typeof p !== 'string' || !/^[\w.-]+$/.test(p) || p.startsWith('.')) die(`${modelFile}: bad shard name ${p}`);
            const shardFile = path.join(src, `${p}.min.js`);
            const b64 = parseLiteral(payload(shardFile), shardFile);
            if (typeof b64 !== 'string' || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
                die(`${shardFile}: the value is not a base64 string`);
            const bytes = Buffer.from(b64, 'base64');
            const name = p.endsWith('.bin') ? p : `${p}.bin`;
            fs.writeFileSync(path.join(out, name), bytes);
            written.push(name);
            names.push(name);
            have += bytes.length;
        }
        if (have !== want) die(`shards hold ${have} bytes but the manifest describes ${want}`);
        group.paths = names;
    }
    fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
    written.unshift('model.json');
    for (const name of written) {
        const h = crypto.createHash('sha256').update(fs.readFileSync(path.join(out, name))).digest('hex');
        process.stdout.write(`${h}  ${name}\n`);
    }
}

main(process.argv.slice(2));
