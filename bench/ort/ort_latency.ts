/**
 * onnxruntime-web (Wasm backend, one thread) latency of one ONNX model, for
 * bench/runtime_bench.ts, in a process of its own (ORT fixes its threads once). Prints
 * one JSON line: `{ "ms": [...] }`, milliseconds per forward, one per batch size.
 *
 *   deno run --lock=bench/ort/deno.lock --allow-read bench/ort/ort_latency.ts M.onnx INPUT 784 1,64
 */
import { configureOrt, ort } from "./ort_env.ts";
import { timeAsync } from "../bench_cases.ts";

configureOrt(1);

const [path, input, sample, batches] = Deno.args;
const dims = sample.split("x").map(Number);
const session = await ort.InferenceSession.create(await Deno.readFile(path), {
  executionProviders: ["wasm"],
  logSeverityLevel: 3,
});
const ms: number[] = [];
for (const b of batches.split(",").map(Number)) {
  const n = b * dims.reduce((p, q) => p * q, 1);
  const x = new ort.Tensor("float32", Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [
    b,
    ...dims,
  ]);
  const run = async () => {
    const out = await session.run({ [input]: x });
    for (const t of Object.values(out)) t.dispose();
  };
  await run();
  ms.push(1000 * await timeAsync(run));
}
await session.release();
console.log(JSON.stringify({ ms }));
