/**
 * GPU benchmark in one short command: matmul GFLOP/s at several sizes and training
 * images/s (LeNet-300-100, the mini ConvNeXt) on the WebGPU backend, with the Wasm
 * backend of the same machine beside it. Prints a table. On a software adapter the
 * WebGPU figures mean nothing (it says so).
 *
 *   deno task bench:gpu            # or: deno run -A bench/gpu_bench.ts --seconds 2
 */
import { parseArgs } from "node:util";
import type { Backend } from "../src/backends/backend.ts";
import { createWasmBackend } from "../src/backends/wasm/wasm_backend.ts";
import { createWebGpuBackend, type WebGpuBackend } from "../src/backends/webgpu/webgpu_backend.ts";
import { fromGraph, toGraph } from "../src/graph/convert.ts";
import { convnext } from "../src/nn/image_models.ts";
import { lenet300100 } from "../src/nn/models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { stepTensors } from "../src/nn/train.ts";
import { matmul } from "../src/ops/matmul.ts";
import { randn } from "../src/tensor/create.ts";
import { Rng } from "../src/tensor/random.ts";
import { tidy } from "../src/tensor/scope.ts";
import type { Tensor } from "../src/tensor/tensor.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string", default: "1.5" } },
});
const budget = Number(values.seconds) * 1000;
const gpu = await createWebGpuBackend();
const wasm = createWasmBackend();
const backends: Backend[] = [gpu, wasm];

/** Waits for the backend's queued work (a 1-element read suffices on every backend). */
async function sync(t: Tensor): Promise<void> {
  await t.data();
}

/** Mean milliseconds per call of `step` (each returns a tensor to sync on), within the time budget. */
async function time(step: () => Tensor): Promise<number> {
  const warm = step();
  await sync(warm);
  warm.dispose();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budget || n < 3) {
    const out = step();
    n++;
    if (n % 8 === 0 || performance.now() - t0 >= budget) await sync(out);
    out.dispose();
  }
  const last = step();
  await sync(last);
  last.dispose();
  return (performance.now() - t0) / (n + 1);
}

const rows: string[][] = [];
for (
  const [m, k, n] of [[128, 784, 300], [512, 512, 512], [1024, 1024, 1024], [2048, 2048, 2048]]
) {
  const cells = [`matmul ${m}×${k}×${n} (GFLOP/s)`];
  for (const be of backends) {
    const a = randn([m, k], new Rng(1), { backend: be }),
      b = randn([k, n], new Rng(2), { backend: be });
    const ms = await time(() => matmul(a, b));
    cells.push((2 * m * k * n / ms / 1e6).toFixed(1));
    a.dispose();
    b.dispose();
  }
  rows.push(cells);
}
for (
  const [name, make, shape, batch] of [
    ["LeNet-300-100 step, batch 128 (images/s)", () => lenet300100({ seed: 0 }), [1, 28, 28], 128],
    [
      "mini ConvNeXt step, batch 128 (images/s)",
      () => convnext({ stemPatch: 4 }),
      [1, 28, 28],
      128,
    ],
  ] as const
) {
  const cells: string[] = [name];
  for (const be of backends) {
    const { graph, params } = toGraph(make(), [...shape]);
    const cpu = fromGraph(graph, params);
    const { moveModel } = await import("../src/graph/move.ts");
    const model = await moveModel(cpu, be);
    const opt = new AdamW(model.parameters(), { lr: 1e-3 });
    const x = randn([batch, ...shape], new Rng(3), { backend: be });
    const y = Int32Array.from({ length: batch }, (_, i) => i % 10);
    const ms = await time(() => {
      const [ce, logits] = tidy(() => stepTensors(model, { x, y }, { optimizer: opt }));
      logits.dispose();
      return ce;
    });
    cells.push((batch * 1000 / ms).toFixed(0));
    opt.dispose();
    model.dispose();
  }
  rows.push(cells);
}
const head = ["case", `webgpu (${(gpu as WebGpuBackend).adapter})`, "wasm (this CPU)"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (c: string[]) =>
  `| ${c.map((x, i) => (i ? x.padStart(w[i]) : x.padEnd(w[i]))).join(" | ")} |`;
console.log(line(head));
console.log(`|${w.map((n, i) => (i ? "-".repeat(n + 1) + ":" : "-".repeat(n + 2))).join("|")}|`);
for (const r of rows) console.log(line(r));
if (gpu.fallback) {
  console.log("\nwebgpu ran on a software adapter: its figures say nothing about GPU speed.");
}
gpu.dispose?.();
