/**
 * Backend benchmark, reference (js) and Wasm SIMD side by side in one run: matmul GFLOP/s
 * (three training layouts), the LeNet-300-100 training step (images/s, batch 128, AdamW),
 * and GEMM, convolution, depthwise convolution and the AdamW step with subnormal operands
 * beside the same cases with normal ones (the reference backend computes subnormals in
 * exact IEEE arithmetic; Wasm flushes them to zero).
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
import { conv2d } from "../src/ops/conv.ts";
import { noGrad } from "../src/tensor/grad_mode.ts";
import { lenet300100 } from "../src/nn/models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { trainStep } from "../src/nn/train.ts";

const { values } = parseArgs({ args: Deno.args, options: { json: { type: "boolean" } } });

function randT(shape: number[], rng: Rng, backend: Backend, scaleBy = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal() * scaleBy), shape, {
    backend,
  });
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

// Subnormal operands (|x| < 1.18e-38): the same case with normal values, then subnormal ones.
const SUB = 1e-39;
const conv = (shape: number[], w: number[], groups: number) => (s: number, be: Backend) => {
  const rng = new Rng(1);
  const x = randT(shape, rng, be, s), wt = randT(w, rng, be);
  const flops = 2 * shape[0] * w[0] * shape[2] * shape[3] * w[1] * w[2] * w[3];
  return flops / time(() => tidy(() => void conv2d(x, wt, { padding: (w[2] - 1) / 2, groups }))) /
    1e9;
};
const subnormalCases: [string, string, (s: number, be: Backend) => number][] = [
  ["gemm 128×1024×1024, B", "GFLOP/s", (s, be) => {
    const rng = new Rng(0);
    const a = randT([128, 1024], rng, be), b = randT([1024, 1024], rng, be, s);
    return (2 * 128 * 1024 * 1024) / time(() => tidy(() => void matmul(a, b))) / 1e9;
  }],
  ["conv 3×3 B32 32→64 28², input", "GFLOP/s", conv([32, 32, 28, 28], [64, 32, 3, 3], 1)],
  ["depthwise 7×7 B32 C96 28², input", "GFLOP/s", conv([32, 96, 28, 28], [96, 1, 7, 7], 96)],
  ["AdamW step, 1M parameters, weights and state", "Mparams/s", (s, be) => {
    const n = 1 << 20, rng = new Rng(2);
    const st = () => be.upload(Float32Array.from({ length: n }, () => Math.abs(rng.normal()) * s));
    const w = st(), g = st(), m = st(), v = st();
    const p = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 10 };
    return n / time(() => be.adamw(w, g, m, v, p)) / 1e6;
  }],
];
for (const [label, unit, f] of subnormalCases) {
  for (const [kind, s] of [["normal", 1], ["subnormal", SUB]] as const) {
    rows.push({ case: `${label} ${kind}`, values: backends.map((be) => f(s, be)), unit });
  }
}

console.log(
  `Deno ${Deno.version.deno}; js: 1 thread; wasm: ${backends[1].capabilities.threads} thread(s), ${
    (backends[1] as ReturnType<typeof createWasmBackend>).variant
  }`,
);
console.log(`| case | ${backends.map((b) => b.name).join(" | ")} | unit | wasm ÷ js |`);
console.log(`|---|${backends.map(() => "---:").join("|")}|---|---:|`);
for (const r of rows) {
  const f = (v: number) => v.toFixed(r.unit === "images/s" ? 0 : 2);
  console.log(
    `| ${r.case} | ${r.values.map(f).join(" | ")} | ${r.unit} | ${
      (r.values[1] / r.values[0]).toFixed(1)
    }× |`,
  );
}
if (values.json) console.log(JSON.stringify({ backends: backends.map((b) => b.name), rows }));
