/**
 * GEMM against the Wasm FMA ceiling, measured in the same run: per thread count, the peak
 * is `f32_fma_peak` (12 register-only vector multiply-adds a round, the GEMM micro-kernel's
 * accumulators without its loads) on that many workers at once, and the GEMM is the Wasm
 * backend's `matmul` of that many threads on square sizes in the three training layouts.
 * Prints a table of GFLOP/s and % of peak, and one JSON line per thread count and case:
 * `{"case": "gemm 1024³ A·B", "threads": 1, "gflops": X, "peak_gflops": P, "percent": Q}`.
 *
 *   deno task bench:gemm                       # 1024³, threads 1 and 2
 *   deno task bench:gemm --sizes 256,1024 --threads 1
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createWasmBackend } from "../src/backends/wasm/wasm_backend.ts";
import type { PeakReply, PeakRequest } from "./gemm_peak_worker.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1024" },
    threads: { type: "string", default: "1,2" },
    seconds: { type: "string", default: "2" },
  },
});

/** A comma list of positive integers, else a RangeError naming the flag. */
function ints(name: "sizes" | "threads"): number[] {
  const raw = String(values[name]), list = raw.split(",").map(Number);
  if (list.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new RangeError(`gemm_bench: --${name} must be positive integers, got "${raw}"`);
  }
  return list;
}
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  throw new RangeError(`gemm_bench: --seconds must be > 0, got ${values.seconds}`);
}

/** GFLOP/s of `threads` workers running the peak kernel at once. */
async function peak(threads: number, variant: PeakRequest["variant"]): Promise<number> {
  const replies = await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<PeakReply>((resolve, reject) => {
        const w = new Worker(new URL("./gemm_peak_worker.ts", import.meta.url), { type: "module" });
        w.onmessage = (e: MessageEvent<PeakReply>) => resolve(e.data);
        w.onerror = (e) => reject(new Error(`gemm_bench: peak worker failed: ${e.message}`));
        w.postMessage({ variant, seconds } satisfies PeakRequest);
      })),
  );
  return replies.reduce((s, r) => s + r.flops / r.seconds, 0) / 1e9;
}

/** GFLOP/s of one matmul layout (median of runs filling `seconds`). */
function gemm(threads: number, n: number, transA: boolean, transB: boolean): number {
  const be = createWasmBackend({ threads });
  try {
    const a = be.alloc("float32", n * n), b = be.alloc("float32", n * n);
    const c = be.alloc("float32", n * n);
    be.write(a, Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)));
    be.write(b, Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)));
    const p = { batch: 1, m: n, n, k: n, transA, transB };
    be.matmul(a, b, c, p);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 3 || (performance.now() - start) / 1000 < seconds) {
      const t0 = performance.now();
      be.matmul(a, b, c, p);
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((x, y) => x - y);
    return 2 * n ** 3 / times[Math.floor(times.length / 2)] / 1e9;
  } finally {
    be.dispose();
  }
}

const probe = createWasmBackend({ threads: 1 });
const variant = probe.variant;
probe.dispose();
const layouts: [string, boolean, boolean][] = [
  ["A·B", false, false],
  ["Aᵀ·B", true, false],
  ["A·Bᵀ", false, true],
];
const table: string[] = [];
for (const threads of ints("threads")) {
  const p = await peak(threads, variant);
  table.push(`| peak (register-only FMA) | ${threads} | ${p.toFixed(1)} | 100 % |`);
  for (const n of ints("sizes")) {
    for (const [label, tA, tB] of layouts) {
      const g = gemm(threads, n, tA, tB), pct = 100 * g / p;
      const name = `gemm ${n}³ ${label}`;
      console.log(JSON.stringify({
        case: name,
        threads,
        gflops: +g.toFixed(2),
        peak_gflops: +p.toFixed(2),
        percent: +pct.toFixed(1),
      }));
      table.push(`| ${name} | ${threads} | ${g.toFixed(1)} | ${pct.toFixed(0)} % |`);
    }
  }
}
console.log(`\nWasm ${variant}, GFLOP/s (median), peak measured in the same run`);
console.log("| case | threads | GFLOP/s | of peak |\n|---|---:|---:|---:|");
console.log(table.join("\n"));
