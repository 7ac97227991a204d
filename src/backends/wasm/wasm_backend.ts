/**
 * The WebAssembly SIMD backend, assembled from one file per kernel family over a shared
 * context (context.ts): memory.ts, matmul.ts, conv.ts, elementwise.ts, reduce.ts,
 * indexing.ts and optim.ts.
 *
 * @module
 */
import {
  ALL_KERNELS,
  type Backend,
  type BackendCapabilities,
  type KernelName,
} from "../backend.ts";
import type { ArenaStats } from "./arena.ts";
import { type KernelVariant, relaxedSimdSupported } from "./loader.ts";
import { createWasmContext } from "./context.ts";
import { memoryKernels } from "./memory.ts";
import { gemmOf, matmulKernels } from "./matmul.ts";
import { convKernels } from "./conv.ts";
import { elementwiseKernels } from "./elementwise.ts";
import { reduceKernels } from "./reduce.ts";
import { indexingKernels } from "./indexing.ts";
import { clnKernels } from "./cln.ts";
import { optimKernels } from "./optim.ts";

/** Options of {@linkcode createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Exactness mode: the plain-SIMD build (no fused multiply-add) with its fixed
   * summation order, for verifying minimization bit-for-bit across runs.
   * @default false
   */
  exact?: boolean;
  /**
   * Threads for large GEMMs and convolutions (the calling thread plus `threads − 1`
   * workers on a shared memory). Small products stay on the calling thread. Where the
   * runtime has no `SharedArrayBuffer` or `Worker` (browsers without cross-origin
   * isolation, edge runtimes) the backend runs on one thread, on a plain memory.
   * @default navigator.hardwareConcurrency
   */
  threads?: number;
}

/** The Wasm backend: a {@linkcode Backend} plus memory statistics. */
export interface WasmBackend extends Backend {
  /** Arena usage (for leak checks). */
  memoryStats(): ArenaStats;
  /** Which kernel build runs. */
  readonly variant: KernelVariant;
  /** Stops the worker threads now (they restart on the next large GEMM). */
  dispose(): void;
  /** Kernel calls (GEMMs, convolutions) split across threads so far. */
  parallelCalls(): number;
}

const KERNELS: ReadonlySet<KernelName> = new Set(ALL_KERNELS);

/**
 * Creates the WebAssembly SIMD backend: AssemblyScript kernels (packed 6×8 GEMM in the
 * three training layouts, elementwise, reductions, softmax/cross-entropy, optimizer
 * updates) over tensors that live in one Wasm memory arena, so a training step copies
 * nothing across the JS boundary. Less hot kernels (permute, slice, gather) run the
 * reference loops on zero-copy views of the same memory. float32 only. Picks the
 * relaxed-SIMD build when the engine validates it, else plain SIMD. At one thread it needs
 * no `SharedArrayBuffer`, no workers and no Deno API, so it runs in browsers and edge
 * runtimes too.
 *
 * Subnormal floats (|x| < 2⁻¹²⁶ ≈ 1.18e-38) are flushed to zero, as on GPUs and with
 * `torch.set_flush_denormal(True)`: uploads and writes are flushed, and every kernel
 * flushes what it stores, so no kernel reads or returns one (x86 computes them up to 100×
 * slower). The reference backend keeps exact IEEE arithmetic.
 *
 * @example
 * ```ts
 * import { createWasmBackend } from "./wasm_backend.ts";
 * import { tensor } from "../../tensor/create.ts";
 * import { matmul } from "../../ops/matmul.ts";
 * const wasm = createWasmBackend();
 * const a = tensor([1, 2, 3, 4], [2, 2], { backend: wasm });
 * console.assert(matmul(a, a).toArray()[3] === 22);
 * ```
 */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  const variant: KernelVariant = !opts.exact && relaxedSimdSupported() ? "relaxed-simd" : "simd";
  const ctx = createWasmContext({ variant, threads: opts.threads });
  const gemm = gemmOf(ctx);
  const capabilities: BackendCapabilities = {
    dtypes: ["float32"],
    syncRead: true,
    exact: variant === "simd",
    threads: ctx.threads,
    device: "cpu",
    kernels: KERNELS,
  };
  return {
    name: "wasm",
    variant,
    capabilities,
    memoryStats: () => ctx.arena.stats(),
    dispose: () => ctx.pool.stop(),
    submit: () => {}, // kernels run synchronously: nothing is ever queued
    parallelCalls: () => ctx.parallelCalls,
    ...memoryKernels(ctx),
    ...matmulKernels(ctx, gemm),
    ...convKernels(ctx, gemm),
    ...elementwiseKernels(ctx),
    ...reduceKernels(ctx),
    ...indexingKernels(ctx),
    ...optimKernels(ctx),
    ...clnKernels(ctx),
  } satisfies Required<WasmBackend>;
}
