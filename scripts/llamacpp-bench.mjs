// llama.cpp measured the way `sift bench` measures Sift, through node-llama-cpp's prebuilt CPU build:
// each run clears the sequence, evaluates a prompt of pseudo-random token ids in one call (prefill),
// then decodes greedily one token at a time (decode). The first SKIP decoded tokens of every run are
// left out of the decode time: llama.cpp repacks some weight types for its CPU kernels on first use.
//
// usage: node llamacpp-bench.mjs MODEL.gguf THREADS PROMPT_TOKENS GEN_TOKENS RUNS VOCABULARY_SIZE
// prints one JSON object: {"llamaCpp": release, "prefill": [tokens/s per run], "decode": [...]}
import {getLlama} from "node-llama-cpp";

const SKIP = 16;
/** Token ids start after <unk>, <s>, </s> and the 256 byte tokens, as in Sift's generated models. */
const FIRST_ID = 259;
const BATCH = 512;

const [modelPath, threads, promptTokens, genTokens, runs, vocabulary] =
    [process.argv[2], ...process.argv.slice(3, 8).map(Number)];
if (!modelPath || [threads, promptTokens, genTokens, runs, vocabulary].some(n => !Number.isInteger(n) || n < 1)) {
    console.error("usage: node llamacpp-bench.mjs MODEL.gguf THREADS PROMPT_TOKENS GEN_TOKENS RUNS VOCABULARY_SIZE");
    process.exit(2);
}

const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: threads});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext({
    contextSize: promptTokens + SKIP + genTokens + 1, batchSize: Math.min(BATCH, promptTokens), threads, sequences: 1
});
const sequence = context.getSequence();

let state = 1;
function nextId() {
    state = (state * 1103515245 + 12345) % 2147483648;
    return FIRST_ID + state % (vocabulary - FIRST_ID);
}

/** One run: prefill tokens/s and decode tokens/s. */
async function run(prompt, decoded) {
    await sequence.clearHistory();
    const start = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const prefillSeconds = (performance.now() - start) / 1000;
    let count = 0;
    let decodeStart = 0;
    for await (const token of sequence.evaluate([nextId()], {temperature: 0})) {
        count++;
        if (count === SKIP) {
            decodeStart = performance.now();
        } else if (count === SKIP + decoded) {
            break;
        }
    }
    return [prompt.length / prefillSeconds, decoded / ((performance.now() - decodeStart) / 1000)];
}

// Warm-up, as sift bench has: a short prompt and a few decoded tokens.
await run(Array.from({length: 16}, nextId), 4);
const result = {llamaCpp: llama.llamaCppRelease.release, prefill: [], decode: []};
for (let r = 0; r < runs; r++) {
    const [prefill, decode] = await run(Array.from({length: promptTokens}, nextId), genTokens);
    result.prefill.push(prefill);
    result.decode.push(decode);
    console.error(`llama.cpp run ${r + 1}/${runs}: prefill ${prefill.toFixed(2)} tokens/s, decode ${decode.toFixed(2)} tokens/s`);
}
console.log(JSON.stringify(result));
await context.dispose();
await model.dispose();
await llama.dispose();
