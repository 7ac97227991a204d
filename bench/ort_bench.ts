/**
 * The Wasm SIMD backend against onnxruntime-web's Wasm backend, in one run, side by side,
 * at 1 and 2 threads: GEMM 128×784×300, 128×300×100, 1024³, conv 3×3 (B32, 32→64, 28²),
 * depthwise 7×7 (B32, C96, 28²) in GFLOP/s, and the LeNet-300-100 training step (images/s;
 * ORT-web cannot train, so the reference backend is the comparison there).
 *
 *   deno task bench:ort
 */
import { fileURLToPath } from "node:url";
import { createReferenceBackend } from "../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../src/backends/wasm/wasm_backend.ts";
import type { Backend } from "../src/backends/backend.ts";
import { noGrad } from "../src/tensor/grad_mode.ts";
import { conv2d } from "../src/ops/conv.ts";
import { matmul } from "../src/ops/matmul.ts";
import { tensor } from "../src/tensor/create.ts";
import { tidy } from "../src/tensor/scope.ts";
import { Rng } from "../src/tensor/random.ts";
import { lenet300100 } from "../src/nn/models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { trainStep } from "../src/nn/train.ts";
import { BENCH_CASES, timeAsync } from "./bench_cases.ts";

const fill = (shape: number[], f: (i: number) => number, backend: Backend) =>
  tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), shape, {
    backend,
  });

async function ours(threads: number): Promise<number[]> {
  const be = createWasmBackend({ threads });
  const out: number[] = [];
  for (const c of BENCH_CASES) {
    const a = fill(c.a, Math.sin, be), b = fill(c.b, Math.cos, be);
    const run = c.kind === "gemm"
      ? () => tidy(() => void noGrad(() => matmul(a, b)))
      : () => tidy(() => void noGrad(() => conv2d(a, b, { padding: c.pad, groups: c.groups })));
    // Workers start on the first large GEMM; give them a moment before timing.
    run();
    await new Promise((r) => setTimeout(r, 300));
    out.push(c.flops / await timeAsync(run) / 1e9);
    a.dispose();
    b.dispose();
  }
  be.dispose();
  return out;
}

async function ort(threads: number): Promise<number[]> {
  const script = fileURLToPath(new URL("./ort/ort_case.ts", import.meta.url));
  const lock = fileURLToPath(new URL("./ort/deno.lock", import.meta.url));
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `--lock=${lock}`,
      script,
      "--threads",
      String(threads),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const line = new TextDecoder().decode(r.stdout).trim().split("\n").at(-1) ?? "";
  if (!r.success) throw new Error(`onnxruntime-web run failed (threads ${threads})`);
  return JSON.parse(line).gflops;
}

async function trainRate(backend: Backend): Promise<number> {
  const rng = new Rng(0);
  const model = lenet300100({ seed: 0, backend });
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const x = fill([128, 1, 28, 28], () => rng.normal(), backend);
  const y = Int32Array.from({ length: 128 }, () => rng.int(10));
  const step = () => tidy(() => trainStep(model, { x, y }, { optimizer: opt }));
  step();
  await new Promise((r) => setTimeout(r, 300));
  return 128 / await timeAsync(step, 3);
}

const [o1, o2] = [await ours(1), await ours(2)];
const [r1, r2] = [await ort(1), await ort(2)];
const f = (v: number) => v.toFixed(1);
console.log(
  `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores; squeeze wasm (${
    createWasmBackend({ threads: 1 }).variant
  }) vs onnxruntime-web 1.30.0 wasm`,
);
console.log(
  "| case | squeeze 1T | ORT 1T | ratio 1T | squeeze 2T | ORT 2T | ratio 2T | squeeze 2T ÷ 1T |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
BENCH_CASES.forEach((c, i) => {
  console.log(
    `| ${c.name} (GFLOP/s) | ${f(o1[i])} | ${f(r1[i])} | ${(o1[i] / r1[i]).toFixed(2)}× | ${
      f(o2[i])
    } | ${f(r2[i])} | ${(o2[i] / r2[i]).toFixed(2)}× | ${(o2[i] / o1[i]).toFixed(2)}× |`,
  );
});
const js = await trainRate(createReferenceBackend());
const w1 = createWasmBackend({ threads: 1 }), w2 = createWasmBackend({ threads: 2 });
const t1 = await trainRate(w1), t2 = await trainRate(w2);
w2.dispose();
console.log(
  `\nLeNet-300-100 training step, batch 128: js ${Math.round(js)} images/s, wasm 1T ${
    Math.round(t1)
  } (${(t1 / js).toFixed(1)}×), wasm 2T ${Math.round(t2)} (${(t2 / js).toFixed(1)}×)`,
);
