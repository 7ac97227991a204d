/**
 * Backend benchmark, reference (js) and Wasm SIMD side by side in one run: matmul GFLOP/s
 * (three training layouts) and the LeNet-300-100 training step (images/s, batch 128, AdamW).
 *
 *   deno task bench            # table
 *   deno task bench --json     # also a JSON line
 */
import { parseArgs } from "node:util";
import type { Backend } from "../src/backends/backend.ts";
import { createReferenceBackend } from "../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../src/backends/wasm/wasm_backend.ts";
import { tidy } from "../src/tensor/scope.ts";
import { tensor } from "../src/tensor/create.ts";
import { Rng } from "../src/tensor/random.ts";
import { matmul } from "../src/ops/matmul.ts";
import { noGrad } from "../src/autograd/tape.ts";
import { lenet300100 } from "../src/nn/models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { trainStep } from "../src/nn/train.ts";

const { values } = parseArgs({ args: Deno.args, options: { json: { type: "boolean" } } });

function randT(shape: number[], rng: Rng, backend: Backend) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal()), shape, { backend });
}

/** Median seconds of `fn` over runs filling at least `minSeconds`. */
function time(fn: () => void, minSeconds = 1): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start) / 1000 < minSeconds) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const backends: Backend[] = [createReferenceBackend(), createWasmBackend()];
const rows: { case: string; values: number[]; unit: string }[] = [];
const gemms: [number, number, number, boolean, boolean, string][] = [
  [128, 784, 300, false, true, "A·Bᵀ (linear forward)"],
  [128, 300, 784, false, false, "A·B (grad input)"],
  [300, 128, 784, true, false, "Aᵀ·B (grad weight)"],
  [128, 300, 100, false, true, "A·Bᵀ"],
  [512, 512, 512, false, false, "A·B"],
];
for (const [m, k, n, tA, tB, label] of gemms) {
  const values = backends.map((backend) => {
    const rng = new Rng(0);
    const a = randT(tA ? [k, m] : [m, k], rng, backend),
      b = randT(tB ? [n, k] : [k, n], rng, backend);
    const s = time(() => tidy(() => void noGrad(() => matmul(a, b, { transA: tA, transB: tB }))));
    return (2 * m * k * n) / s / 1e9;
  });
  rows.push({ case: `gemm ${m}×${k}×${n} ${label}`, values, unit: "GFLOP/s" });
}
const train = backends.map((backend) => {
  const rng = new Rng(0);
  const model = lenet300100({ seed: 0, backend });
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const x = randT([128, 1, 28, 28], rng, backend);
  const y = Int32Array.from({ length: 128 }, () => rng.int(10));
  return 128 / time(() => tidy(() => trainStep(model, { x, y }, { optimizer: opt })), 3);
});
rows.push({ case: "LeNet-300-100 train step, batch 128", values: train, unit: "images/s" });

console.log(
  `Deno ${Deno.version.deno}; js: 1 thread; wasm: ${backends[1].capabilities.threads} thread(s), ${
    (backends[1] as ReturnType<typeof createWasmBackend>).variant
  }`,
);
console.log(`| case | ${backends.map((b) => b.name).join(" | ")} | unit | wasm ÷ js |`);
console.log(`|---|${backends.map(() => "---:").join("|")}|---|---:|`);
for (const r of rows) {
  const f = (v: number) => v.toFixed(r.unit === "GFLOP/s" ? 2 : 0);
  console.log(
    `| ${r.case} | ${r.values.map(f).join(" | ")} | ${r.unit} | ${
      (r.values[1] / r.values[0]).toFixed(1)
    }× |`,
  );
}
if (values.json) console.log(JSON.stringify({ backends: backends.map((b) => b.name), rows }));
