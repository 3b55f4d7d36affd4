// truncate_model.mjs — a TensorFlow.js graph model cut off after one node, to compare a layer's
// output between implementations.
//
//   node truncate_model.mjs MODEL_DIR NODE_NAME OUT_DIR
//
// Keeps NODE_NAME and every node it depends on (in the original order), the weights those nodes
// use (copied into one new shard, group1-shard1of1.bin, in manifest order) and a signature whose
// only output is NODE_NAME:0. The result is an ordinary tfjs graph-model folder: anything that
// loads the full model should load it and output that node's tensor. Node standard library only.
import fs from 'node:fs';
import path from 'node:path';

function die(msg) {
    process.stderr.write(`truncate_model: ${msg}\n`);
    process.exit(1);
}

const [dir, target, out] = process.argv.slice(2);
if (!dir || !target || !out) die('usage: node truncate_model.mjs MODEL_DIR NODE_NAME OUT_DIR');
const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const nodes = json.modelTopology.node;
const byName = new Map(nodes.map((n) => [n.name, n]));
if (!byName.has(target)) die(`no node ${target}`);

const needed = new Set();
const stack = [target];
while (stack.length) {
    const name = stack.pop();
    if (needed.has(name)) continue;
    const n = byName.get(name);
    if (!n) die(`node ${name} (an input) is missing`);
    needed.add(name);
    for (const input of n.input || []) stack.push(input.replace(/^\^/, '').replace(/:\d+$/, ''));
}

const SIZES = { uint8: 1, int8: 1, bool: 1, uint16: 2, int16: 2, float16: 2, float32: 4, int32: 4 };
const kept = [];
const chunks = [];
for (const group of json.weightsManifest) {
    const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let offset = 0;
    for (const w of group.weights) {
        const dtype = w.quantization && w.quantization.dtype ? w.quantization.dtype : w.dtype;
        const bytes = w.shape.reduce((a, b) => a * b, 1) * SIZES[dtype];
        if (needed.has(w.name)) {
            kept.push(w);
            chunks.push(data.subarray(offset, offset + bytes));
        }
        offset += bytes;
    }
    if (offset !== data.length) die('the manifest does not describe the shards');
}

json.modelTopology.node = nodes.filter((n) => needed.has(n.name));
json.weightsManifest = [{ paths: ['group1-shard1of1.bin'], weights: kept }];
const sig = json.userDefinedMetadata && json.userDefinedMetadata.signature;
if (sig) sig.outputs = { [`${target}:0`]: { name: `${target}:0`, dtype: 'DT_FLOAT' } };
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'group1-shard1of1.bin'), Buffer.concat(chunks));
fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
