// mobilenet_reference.mjs — the reference outputs cull's C mobilenet encoder is checked against.
//
//   node mobilenet_reference.mjs MODEL_DIR OUT.json [--raw-dir DIR [--raw-images N]] IMAGE.rgb...
//
// MODEL_DIR is the converted model (model.json + .bin shards, as `cull model fetch mobilenet`
// installs it). Each IMAGE.rgb is raw 8-bit RGB, 224×224, row-major (ImageMagick: rgb:FILE).
// Runs the graph in TensorFlow.js with the pure JavaScript CPU backend (@tensorflow/tfjs, no
// native code), feeding what nsfwjs feeds it: pixel / 255 as float32, NHWC [1, 224, 224, 3]
// (the graph itself then computes x·2 − 1).
//
// OUT.json: {tfjs, backend, model: {file: sha256}, intermediate_nodes: {short: full name},
//   images: [{file, features[1792], probabilities[5], classes {Drawing, Hentai, Neutral, Porn,
//   Sexy}, intermediates: {short: {shape, mean, mean_abs, max_abs, sample_index[], sample[]}}}]}
// With --raw-dir, each intermediate is also written in full as float32 little-endian NHWC:
// DIR/IMAGE_STEM.SHORT.f32 (for the first N images only with --raw-images N).
//
// Checks made here, before any C code is involved (each failing is exit status 1): every weight
// of the converted model equals the one nsfwjs's own loader reads from the package's bundled
// JavaScript modules, and both give the same probabilities on the first image (so the
// converter lost nothing); softmax of the logits node reproduces the probabilities.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

// tfjs prints an advert for tfjs-node, nsfwjs which model it loads: keep the console quiet
// while they load (this script reports on stderr only).
const quiet = { log: console.log, warn: console.warn, info: console.info };
const hush = () => Object.assign(console, { log() {}, warn() {}, info() {} });
const unhush = () => Object.assign(console, quiet);
hush();
const tf = await import('@tensorflow/tfjs');
const nsfwjs = await import('nsfwjs');

const SIDE = 224;
const PREFIX = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';
const FEATURES = PREFIX + 'feature_vector/SpatialSqueeze';
const PROBABILITIES = 'Identity';
const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
// A few layers along the network, to localise a difference: the first convolution (3×3 stride 2,
// SAME padding), the first stride-2 depthwise convolution, a residual add in the middle, the
// last projection and the last 1×1 convolution before pooling.
const INTERMEDIATES = {
    input_scaled: PREFIX + 'hub_input/Sub',
    conv0: PREFIX + 'MobilenetV2/Conv/Relu6',
    block1_depthwise_s2: PREFIX + 'MobilenetV2/expanded_conv_1/depthwise/depthwise',
    block2_add: PREFIX + 'MobilenetV2/expanded_conv_2/add',
    block8_add: PREFIX + 'MobilenetV2/expanded_conv_8/add',
    block16_project: PREFIX + 'MobilenetV2/expanded_conv_16/project/BatchNorm/FusedBatchNormV3',
    conv_last: PREFIX + 'MobilenetV2/Conv_1/Relu6',
    logits: 'StatefulPartitionedCall/sequential/dense/BiasAdd',
};
const N_SAMPLE = 256;

function die(msg) {
    process.stderr.write(`mobilenet_reference: ${msg}\n`);
    process.exit(1);
}

function parseArgs(argv) {
    const args = { images: [] };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--raw-dir') args.rawDir = argv[++i];
        else if (argv[i] === '--raw-images') args.rawImages = Number(argv[++i]);
        else if (!args.modelDir) args.modelDir = argv[i];
        else if (!args.out) args.out = argv[i];
        else args.images.push(argv[i]);
    }
    if (!args.modelDir || !args.out || args.images.length === 0)
        die('usage: node mobilenet_reference.mjs MODEL_DIR OUT.json [--raw-dir DIR [--raw-images N]] IMAGE.rgb...');
    return args;
}

// The converted folder as tfjs model artifacts, read by hand (no file:// IO in pure tfjs).
function loadArtifacts(dir) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const specs = [];
    const parts = [];
    for (const group of json.weightsManifest) {
        for (const p of group.paths) parts.push(fs.readFileSync(path.join(dir, p)));
        specs.push(...group.weights);
    }
    const all = Buffer.concat(parts);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData,
    };
}

function sha256s(dir) {
    const out = {};
    for (const f of fs.readdirSync(dir).sort())
        out[f] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
    return out;
}

// Summary and an evenly spaced sample of a tensor's values (NHWC, flattened).
function describe(values, shape) {
    let sum = 0, sumAbs = 0, maxAbs = 0;
    for (const v of values) {
        sum += v;
        sumAbs += Math.abs(v);
        if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    }
    const n = values.length;
    const idx = [];
    for (let k = 0; k < N_SAMPLE; k++) idx.push((k * 2654435761 + 12345) % n); // spread over positions and channels
    return { shape, mean: sum / n, mean_abs: sumAbs / n, max_abs: maxAbs, sample_index: idx, sample: idx.map((i) => values[i]) };
}

const args = parseArgs(process.argv.slice(2));
await tf.setBackend('cpu');
await tf.ready();
if (tf.getBackend() !== 'cpu') die(`backend is ${tf.getBackend()}, not cpu`);

const model = await tf.loadGraphModel(tf.io.fromMemory(loadArtifacts(args.modelDir)));
const bundled = await nsfwjs.load('MobileNetV2Mid', { type: 'graph' });
unhush();
{
    const ours = model.weights, theirs = bundled.model.weights;
    const a = Object.keys(ours).sort(), b = Object.keys(theirs).sort();
    if (JSON.stringify(a) !== JSON.stringify(b)) die('the converted model and nsfwjs\'s bundled one name different weights');
    for (const name of a) {
        const x = ours[name][0].dataSync(), y = theirs[name][0].dataSync();
        if (x.length !== y.length || x.some((v, k) => v !== y[k])) die(`weight ${name} differs from nsfwjs's bundled model`);
    }
}
if (args.rawDir) fs.mkdirSync(args.rawDir, { recursive: true });

const result = {
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    input: 'pixel/255 as float32, NHWC [1,224,224,3], no resize',
    model: sha256s(args.modelDir),
    features_node: FEATURES,
    intermediate_nodes: INTERMEDIATES,
    images: [],
};
let worst = 0;
const names = [FEATURES, PROBABILITIES, ...Object.values(INTERMEDIATES)];
for (const file of args.images) {
    const bytes = fs.readFileSync(file);
    if (bytes.length !== SIDE * SIDE * 3) die(`${file}: ${bytes.length} bytes, not ${SIDE}×${SIDE}×3`);
    const pixels = tf.tensor3d(new Int32Array(bytes), [SIDE, SIDE, 3], 'int32');
    const x = pixels.toFloat().div(255).reshape([1, SIDE, SIDE, 3]); // exactly as nsfwjs does
    const outs = model.execute(x, names);
    const values = await Promise.all(outs.map((t) => t.data()));
    const features = Array.from(values[0]);
    const probabilities = Array.from(values[1]);
    if (features.length !== 1792 || probabilities.length !== 5) die('unexpected output sizes');

    // nsfwjs's own loader and preprocessing on the bundled JavaScript model (first image only:
    // the weights were compared above, and the CPU backend is slow).
    if (result.images.length === 0) {
        const theirs = await bundled.infer(pixels).data();
        for (let k = 0; k < 5; k++) worst = Math.max(worst, Math.abs(theirs[k] - probabilities[k]));
    }
    const classes = Object.fromEntries(CLASSES.map((c, k) => [c, probabilities[k]]));

    const image = { file: path.basename(file), features, probabilities, classes, intermediates: {} };
    Object.keys(INTERMEDIATES).forEach((short, k) => {
        const t = outs[2 + k];
        image.intermediates[short] = describe(values[2 + k], t.shape);
        if (args.rawDir && !(result.images.length >= args.rawImages)) {
            const f32 = new Float32Array(values[2 + k]);
            fs.writeFileSync(path.join(args.rawDir, `${path.basename(file, '.rgb')}.${short}.f32`), Buffer.from(f32.buffer));
        }
    });
    // Check 2: softmax(features · W + b) from the logits node matches the probabilities.
    const logits = values[2 + Object.keys(INTERMEDIATES).indexOf('logits')];
    const m = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < 5; k++)
        if (Math.abs(e[k] / s - probabilities[k]) > 1e-6) die(`${file}: softmax of the logits does not give the probabilities`);
    result.images.push(image);
    tf.dispose([pixels, x, ...outs]);
    process.stderr.write(`${path.basename(file)}: ${CLASSES.map((c, k) => `${c} ${probabilities[k].toFixed(4)}`).join(', ')}\n`);
}
result.nsfwjs_max_abs_diff = worst;
if (worst > 1e-6) die(`the converted model differs from nsfwjs's bundled one: probabilities differ by ${worst}`);
fs.writeFileSync(args.out, JSON.stringify(result));
process.stderr.write(`converted model = nsfwjs bundled model (max |Δp| ${worst}); wrote ${args.out}\n`);
