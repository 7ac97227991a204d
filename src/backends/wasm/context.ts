/**
 * What every kernel family of the Wasm backend shares: the memory and its arena, the
 * instantiated kernels, storage checks and views, scratch blocks, and the thread pool.
 * The families (matmul.ts, conv.ts, elementwise.ts, …) each turn a context into their
 * part of the `Backend`; wasm_backend.ts assembles them.
 *
 * @module
 */
import type { Storage } from "../backend.ts";
import type { DType } from "../../tensor/dtype.ts";
import { Arena } from "./arena.ts";
import { instantiateKernels, type KernelExports, type KernelVariant } from "./loader.ts";
import { MAX_PAGES } from "./_gen/kernels.ts";
import type { ThreadPool } from "./thread_pool.ts";
import { runJob } from "./jobs.ts";
import { PoolKeeper, threadCount } from "./threads.ts";
import { WasmStorage } from "./storage.ts";

/** GEMMs and convolutions below this many flops stay on the calling thread. */
export const PARALLEL_FLOPS = 1 << 21;

/** Elementwise work below this many elements stays on the calling thread. */
export const PARALLEL_ELEMENTS = 1 << 16;

/** The shared state and helpers of one Wasm backend. */
export interface WasmContext {
  /** The kernel build that runs. */
  readonly variant: KernelVariant;
  /** Threads (1: no pool, and a non-shared memory). */
  readonly threads: number;
  /** The backend's memory (shared when `threads > 1`). */
  readonly memory: WebAssembly.Memory;
  /** The kernels, instantiated on `memory`. */
  readonly k: KernelExports;
  /** The allocator of `memory`. */
  readonly arena: Arena;
  /** The worker pool (starts and stops on its own). */
  readonly pool: PoolKeeper;
  /** Kernel calls split across threads so far. */
  parallelCalls: number;
  /** `s` as this backend's live storage, or a `TypeError`. */
  ws(s: Storage): WasmStorage;
  /** A float32 view of `s` in the memory (valid until the memory grows). */
  view(s: Storage): Float32Array;
  /** Flushes subnormals of `out` to zero (for kernels that run as JS loops). */
  flushed(out: Storage): void;
  /** New storage, zero-filled unless `zero` is false. */
  alloc(dtype: DType, size: number, zero?: boolean): WasmStorage;
  /** Returns `s` to the arena. */
  free(s: Storage): void;
  /** Temporary arena block of `bytes` for the duration of `fn`. */
  scratch<T>(bytes: number, fn: (ptr: number) => T): T;
  /** `count` 16-byte-aligned arena blocks of `bytes` for the duration of `fn`. */
  scratches<T>(count: number, bytes: number, fn: (ptrs: number[]) => T): T;
  /** `ints` copied into a temporary arena block for the duration of `fn`. */
  withInts<T>(ints: Int32Array, fn: (ptr: number) => T): T;
  /** Runs `jobFor(i)` for i in [0, parts): part 0 here, the others on pool workers. */
  parallel(pool: ThreadPool | null, parts: number, jobFor: (i: number) => number[]): void;
  /**
   * Splits [0, n) into one range per thread (bounds multiples of `align`) when `work` is at
   * least `min`, else one range, and runs the job record `jobFor(lo, hi)` of each.
   */
  split(
    n: number,
    work: number,
    jobFor: (lo: number, hi: number) => number[],
    align?: number,
    min?: number,
  ): void;
}

/** Options of a context (see `WasmBackendOptions`). */
export interface WasmContextOptions {
  /** Plain-SIMD build (exactness mode) instead of relaxed SIMD. */
  variant: KernelVariant;
  /** Requested threads (default: the hardware's). */
  threads?: number;
}

/** A fresh memory, kernels and arena. */
export function createWasmContext(opts: WasmContextOptions): WasmContext {
  const { variant } = opts;
  let threads = threadCount(opts.threads);
  let memory: WebAssembly.Memory | null = null;
  if (threads > 1) {
    try {
      memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
    } catch {
      threads = 1; // shared memory refused (e.g. a page that is not cross-origin isolated)
    }
  }
  memory ??= new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES });
  const mem = memory;
  const k = instantiateKernels(variant, mem);
  const arena = new Arena(mem, k.heapBase());
  const pool = new PoolKeeper(threads, mem, arena, variant);
  const owner = {};
  const registry = new FinalizationRegistry<[number, number]>(([ptr, bytes]) =>
    arena.free(ptr, bytes)
  );

  const ws = (s: Storage): WasmStorage => {
    if (!(s instanceof WasmStorage) || s.owner !== owner) {
      throw new TypeError(
        `wasm backend: storage ${s?.constructor?.name} belongs to another backend`,
      );
    }
    if (s.freed) throw new TypeError("wasm backend: storage used after it was freed");
    return s;
  };
  const scratch = <T>(bytes: number, fn: (ptr: number) => T): T => {
    const ptr = arena.alloc(bytes, false);
    try {
      return fn(ptr);
    } finally {
      arena.free(ptr, bytes);
    }
  };
  const ctx: WasmContext = {
    variant,
    threads,
    memory: mem,
    k,
    arena,
    pool,
    parallelCalls: 0,
    ws,
    view: (s) => {
      const w = ws(s);
      return new Float32Array(mem.buffer, w.ptr, w.size);
    },
    // Flush to zero (kernels/wasm/flush.ts): the arena never holds a subnormal float.
    // Uploads, writes and the kernels that run as JS loops on arena views pass through
    // here; the Wasm kernels flush what they store themselves.
    flushed: (out) => k.f32_ftz(ws(out).ptr, out.size),
    alloc: (dtype, size, zero = true) => {
      if (dtype !== "float32") {
        throw new TypeError(`wasm backend: dtype ${dtype} is not supported (float32 only)`);
      }
      const ptr = arena.alloc(size * 4, zero);
      const s = new WasmStorage(ptr, size, owner);
      registry.register(s, [ptr, size * 4], s);
      return s;
    },
    free: (s) => {
      const w = ws(s);
      w.freed = true;
      registry.unregister(w);
      arena.free(w.ptr, w.size * 4);
    },
    scratch,
    scratches: <T>(count: number, bytes: number, fn: (ptrs: number[]) => T): T => {
      const ptrs = Array.from({ length: count }, () => arena.alloc(bytes, false));
      try {
        return fn(ptrs.map((p) => Math.ceil(p / 16) * 16));
      } finally {
        for (const p of ptrs) arena.free(p, bytes);
      }
    },
    withInts: <T>(ints: Int32Array, fn: (ptr: number) => T): T =>
      scratch(ints.length * 4, (ptr) => {
        new Int32Array(mem.buffer, ptr, ints.length).set(ints);
        return fn(ptr);
      }),
    parallel: (pool, parts, jobFor) => {
      if (!pool || parts === 1) return runJob(k, jobFor(0));
      ctx.parallelCalls++;
      pool.run(
        Array.from({ length: parts - 1 }, (_, i) => jobFor(i + 1)),
        () => runJob(k, jobFor(0)),
      );
    },
    split: (n, work, jobFor, align = 1, min = PARALLEL_ELEMENTS) => {
      const pool = work >= min && n >= 2 * align ? ctx.pool.active() : null;
      const parts = pool ? Math.min(pool.size + 1, Math.floor(n / align)) : 1;
      const step = Math.ceil(n / parts / align) * align;
      ctx.parallel(pool, parts, (i) => jobFor(Math.min(n, i * step), Math.min(n, (i + 1) * step)));
    },
  };
  return ctx;
}
