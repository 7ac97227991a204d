import {
  ALL_KERNELS,
  type Backend,
  type BackendCapabilities,
  type BinaryKind,
  type Conv2dParams,
  type KernelName,
  type Storage,
  type UnaryKind,
} from "../backend.ts";
import type { DType, TypedArray } from "../../tensor/dtype.ts";
import { type Shape, sizeOf } from "../../tensor/shape.ts";
import { binaryLoop, isTrailing } from "../js/elementwise.ts";
import { reduceLoop } from "../js/reduce.ts";
import {
  gatherLoop,
  permuteLoop,
  scatterAddLoop,
  sliceGradLoop,
  sliceLoop,
} from "../js/indexing.ts";
import { conv2dGradInputLoop, conv2dGradWeightLoop } from "../js/conv.ts";
import { Arena, type ArenaStats } from "./arena.ts";
import {
  instantiateKernels,
  type KernelExports,
  type KernelVariant,
  relaxedSimdSupported,
} from "./loader.ts";
import { MAX_PAGES } from "./_gen/kernels.ts";
import { controlInts, ThreadPool } from "./thread_pool.ts";
import {
  convGradInputJob,
  convImagesJob,
  dwconvJob,
  type GemmBlock,
  gemmJob,
  isDirectConv,
  runJob,
} from "./jobs.ts";

/** GEMMs below this many flops stay on the calling thread. */
const PARALLEL_FLOPS = 1 << 21;

const UNARY_IDS: Record<UnaryKind, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  square: 5,
  reciprocal: 6,
  relu: 7,
  step: 8,
  gelu: 9,
  gelu_grad: 10,
  tanh: 11,
  sigmoid: 12,
};
const BINARY_IDS: Record<BinaryKind, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** Storage in the Wasm arena: `size` float32 values at byte offset `ptr`. */
export class WasmStorage implements Storage {
  /** Byte offset in the Wasm memory. */
  readonly ptr: number;
  /** Number of elements. */
  readonly size: number;
  /** Always float32. */
  readonly dtype: DType = "float32";
  /** Set once the block went back to the arena. */
  freed = false;
  /** The backend that owns it. */
  readonly owner: object;
  /** A handle for `size` floats at `ptr`, owned by `owner`. */
  constructor(ptr: number, size: number, owner: object) {
    this.ptr = ptr;
    this.size = size;
    this.owner = owner;
  }
}

/**
 * Broadcasting binary op as runs over the innermost axes where both operands advance
 * together (or one holds still): one SIMD call per run. False when the runs would be too
 * short to pay (the caller then uses the loop).
 */
function broadcastRunsWith(
  k: Pick<KernelExports, "f32_vbinary__wasmsimd" | "f32_vaffine__wasmsimd">,
  heap: Float32Array,
  kind: BinaryKind,
  a: number,
  aShape: Shape,
  b: number,
  bShape: Shape,
  out: number,
  outShape: Shape,
): boolean {
  const r = outShape.length;
  const pad = (s: Shape) => [...new Array(r - s.length).fill(1), ...s];
  const as = pad(aShape), bs = pad(bShape);
  let axis = r, run = 1, mode: "both" | "a" | "b" | null = null;
  while (axis > 0) {
    const d = outShape[axis - 1], fa = as[axis - 1] === d, fb = bs[axis - 1] === d;
    const m = fa && fb
      ? "both"
      : fa && bs[axis - 1] === 1
      ? "a"
      : fb && as[axis - 1] === 1
      ? "b"
      : null;
    if (m === null || (mode !== null && m !== mode && d !== 1)) break;
    if (d !== 1) mode = m;
    run *= d;
    axis--;
  }
  if (run < 8 || mode === null) return false;
  const lead = outShape.slice(0, axis);
  const strides = (s: number[]) => {
    const st = new Array(r).fill(0);
    for (let i = r - 1, acc = 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  const sa = strides(as), sb = strides(bs);
  const count = lead.reduce((p, q) => p * q, 1);
  const idx = new Array(axis).fill(0);
  const op = BINARY_IDS[kind];
  for (let it = 0; it < count; it++) {
    let oa = 0, ob = 0;
    for (let i = 0; i < axis; i++) (oa += idx[i] * sa[i]), (ob += idx[i] * sb[i]);
    const o = out + 4 * it * run;
    if (mode === "both") k.f32_vbinary__wasmsimd(op, a + 4 * oa, b + 4 * ob, o, run, run, 0);
    else if (kind === "div") {
      k.f32_vbinary__wasmsimd(op, a + 4 * oa, b + 4 * ob, o, run, 1, mode === "a" ? 0 : 1);
    } else {
      // One side is a scalar over the run: an exact affine map of the other.
      const sv = heap[(mode === "a" ? b + 4 * ob : a + 4 * oa) >> 2];
      const x = mode === "a" ? a + 4 * oa : b + 4 * ob;
      const [mul, add] = kind === "add"
        ? [1, sv]
        : kind === "mul"
        ? [sv, 0]
        : mode === "a"
        ? [1, -sv]
        : [-1, sv];
      k.f32_vaffine__wasmsimd(x, o, run, mul, add);
    }
    for (let i = axis - 1; i >= 0 && ++idx[i] === lead[i]; i--) idx[i] = 0;
  }
  return true;
}

/** Options of {@linkcode createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Exactness mode: the plain-SIMD build (no fused multiply-add) with its fixed
   * summation order, for verifying minimization bit-for-bit across runs.
   * @default false
   */
  exact?: boolean;
  /**
   * Threads for large GEMMs (the calling thread plus `threads − 1` workers on a shared
   * memory). Small products stay on the calling thread.
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
 * relaxed-SIMD build when the engine validates it, else plain SIMD.
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
  const memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
  const k: KernelExports = instantiateKernels(variant, memory);
  const arena = new Arena(memory, k.heapBase());
  const threads = Math.max(1, Math.floor(opts.threads ?? navigator.hardwareConcurrency ?? 1));
  // Workers start on the first large GEMM and stop after an idle second (a synchronous
  // training loop never idles), so scripts exit without an explicit dispose().
  const ctrlPtr = threads > 1 ? arena.alloc(controlInts(threads - 1) * 4) : 0;
  let pool: ThreadPool | null = null;
  let parallelCalls = 0;
  let reaper: ReturnType<typeof setTimeout> | undefined;
  const stopPool = () => {
    clearTimeout(reaper);
    reaper = undefined;
    pool?.close();
    pool = null;
  };
  const activePool = (): ThreadPool | null => {
    if (threads === 1) return null;
    if (!pool) {
      new Int32Array(memory.buffer, ctrlPtr, controlInts(threads - 1)).fill(0);
      pool = new ThreadPool(threads - 1, memory, ctrlPtr, variant);
    }
    clearTimeout(reaper);
    const timer = setTimeout(stopPool, 1000);
    Deno.unrefTimer(timer);
    reaper = timer;
    return pool.readyCount() ? pool : null;
  };
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
  const view = (s: Storage): Float32Array => {
    const w = ws(s);
    return new Float32Array(memory.buffer, w.ptr, w.size);
  };
  /**
   * Flush to zero (kernels/wasm/flush.ts): the arena never holds a subnormal float. Uploads,
   * writes and the kernels that run as JS loops on arena views pass through here; the Wasm
   * kernels flush what they store themselves.
   */
  const flushed = (out: Storage) => k.f32_ftz(ws(out).ptr, out.size);
  const alloc = (dtype: DType, size: number, zero = true): WasmStorage => {
    if (dtype !== "float32") {
      throw new TypeError(`wasm backend: dtype ${dtype} is not supported (float32 only)`);
    }
    const ptr = arena.alloc(size * 4, zero);
    const s = new WasmStorage(ptr, size, owner);
    registry.register(s, [ptr, size * 4], s);
    return s;
  };

  /** Temporary arena block for the duration of `fn`. */
  const scratch = <T>(bytes: number, fn: (ptr: number) => T): T => {
    const ptr = arena.alloc(bytes, false);
    try {
      return fn(ptr);
    } finally {
      arena.free(ptr, bytes);
    }
  };
  /** Runs `jobFor(i)` for i in [0, parts): part 0 here, the others on pool workers. */
  const parallel = (pool: ThreadPool | null, parts: number, jobFor: (i: number) => number[]) => {
    if (!pool || parts === 1) return runJob(k, jobFor(0));
    parallelCalls++;
    pool.run(
      Array.from({ length: parts - 1 }, (_, i) => jobFor(i + 1)),
      () => runJob(k, jobFor(0)),
    );
  };
  /** Arena blocks for the duration of `fn`. */
  const scratches = <T>(count: number, bytes: number, fn: (ptrs: number[]) => T): T => {
    const ptrs = Array.from({ length: count }, () => arena.alloc(bytes, false));
    try {
      return fn(ptrs.map((p) => Math.ceil(p / 16) * 16));
    } finally {
      for (const p of ptrs) arena.free(p, bytes);
    }
  };
  /** `C = op(A)·op(B)` on arena pointers, split across threads by rows when large. */
  const gemm = (
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    kk: number,
    transA: boolean,
    transB: boolean,
    bPacked = false,
  ) => {
    const pool = (m >= 8 || n >= 16) && 2 * m * n * kk >= PARALLEL_FLOPS ? activePool() : null;
    const parts = pool ? pool.size + 1 : 1;
    // Split columns when there are enough of them (each thread packs only its share of B);
    // else rows. Either way every element sums in the same order: results do not change.
    // Pick the split whose largest share (in whole 8-column / 6-row tiles) is smaller.
    const colStep = Math.ceil(n / parts / 8) * 8, rowStep = Math.ceil(m / parts / 6) * 6;
    const byCols = n >= 16 * parts && (m < 6 * parts || colStep / n <= rowStep / m);
    const step = byCols ? colStep : rowStep;
    const block = (i: number, sp: number): GemmBlock => {
      const lo = i * step, hi = (i + 1) * step;
      return {
        a,
        b,
        c,
        m,
        n,
        k: kk,
        transA,
        transB,
        scratch: sp,
        i0: byCols ? 0 : Math.min(m, lo),
        i1: byCols ? m : Math.min(m, hi),
        j0: byCols ? Math.min(n, lo) : 0,
        j1: byCols ? Math.min(n, hi) : n,
        bPacked,
      };
    };
    scratches(
      parts,
      k.gemmScratchFloats(m, n, kk) * 4 + 64,
      (sp) => parallel(pool, parts, (i) => gemmJob(block(i, sp[i]))),
    );
  };

  /** A 1×1, stride-1, unpadded convolution reads its input as the im2col matrix. */
  const direct = (p: Conv2dParams) => isDirectConv(p.kh, p.kw, p.sh, p.sw, p.ph, p.pw);
  const im2col = (x: number, col: number, cn: number, p: Conv2dParams) =>
    k.f32_im2col(x, col, cn, p.h, p.w, p.kh, p.kw, p.oh, p.ow, p.sh, p.sw, p.ph, p.pw);
  /** Calls `fn` per image and group with a column buffer of `cg·kh·kw × oh·ow` floats. */
  const convGroups = (
    p: Conv2dParams,
    fn: (
      b: number,
      g: number,
      cg: number,
      og: number,
      kk: number,
      ohw: number,
      col: number,
    ) => void,
  ) => {
    const cg = p.c / p.groups, og = p.o / p.groups, kk = cg * p.kh * p.kw, ohw = p.oh * p.ow;
    scratch(direct(p) ? 64 : k.packedBFloats(ohw, kk) * 4, (col) => {
      for (let b = 0; b < p.n; b++) {
        for (let g = 0; g < p.groups; g++) fn(b, g, cg, og, kk, ohw, col);
      }
    });
  };
  /** Images per thread for a batch-parallel convolution (1 part when small). */
  const imageParts = (p: Conv2dParams, flops: number): [ThreadPool | null, number] => {
    const pool = p.n >= 2 && flops >= PARALLEL_FLOPS ? activePool() : null;
    return [pool, pool ? Math.min(pool.size + 1, p.n) : 1];
  };
  const withInts = <T>(ints: Int32Array, fn: (ptr: number) => T): T =>
    scratch(ints.length * 4, (ptr) => {
      new Int32Array(memory.buffer, ptr, ints.length).set(ints);
      return fn(ptr);
    });

  const capabilities: BackendCapabilities = {
    dtypes: ["float32"],
    syncRead: true,
    exact: variant === "simd",
    threads,
    device: "cpu",
    kernels: KERNELS,
  };

  const self: WasmBackend = {
    name: "wasm",
    variant,
    capabilities,
    memoryStats: () => arena.stats(),
    dispose: stopPool,
    parallelCalls: () => parallelCalls,
    alloc: (dtype: DType, size: number) => alloc(dtype, size),
    allocUninitialized: (dtype: DType, size: number) => alloc(dtype, size, false),
    upload: (data: TypedArray) => {
      const s = alloc("float32", data.length, false);
      new Float32Array(memory.buffer, s.ptr, s.size).set(data);
      flushed(s);
      return s;
    },
    readSync: (s) => view(s).slice(),
    read: (s) => Promise.resolve(view(s).slice()),
    write: (s, data) => {
      view(s).set(data);
      flushed(s);
    },
    free: (s) => {
      const w = ws(s);
      w.freed = true;
      registry.unregister(w);
      arena.free(w.ptr, w.size * 4);
    },
    matmul: (a, b, out, p) => {
      const { batch, m, n, k: kk, transA, transB } = p;
      const A = ws(a), B = ws(b), C = ws(out);
      for (let t = 0; t < batch; t++) {
        gemm(
          A.ptr + 4 * t * m * kk,
          B.ptr + 4 * t * kk * n,
          C.ptr + 4 * t * m * n,
          m,
          n,
          kk,
          transA,
          transB,
        );
      }
    },
    conv2d: (x, wt, out, p) => {
      const X = ws(x), W = ws(wt), Y = ws(out);
      const cg = p.c / p.groups, og = p.o / p.groups, kk = cg * p.kh * p.kw, ohw = p.oh * p.ow;
      const [pool, parts] = imageParts(p, 2 * p.n * p.o * ohw * kk);
      const per = Math.ceil(p.n / parts);
      const range = (i: number) => [Math.min(p.n, i * per), Math.min(p.n, (i + 1) * per)];
      if (p.groups === p.c && p.o === p.c) {
        const padBytes = ((p.h + 2 * p.ph) * (p.w + 2 * p.pw) + 16) * 4;
        scratches(parts, padBytes, (pads) =>
          parallel(pool, parts, (i) => {
            const [b0, b1] = range(i);
            const off = 4 * b0 * p.c;
            return dwconvJob(
              p,
              X.ptr + off * p.h * p.w,
              W.ptr,
              Y.ptr + off * ohw,
              (b1 - b0) * p.c,
              pads[i],
            );
          }));
        return;
      }
      const colBytes = direct(p) ? 64 : k.packedBFloats(ohw, kk) * 4;
      const gemmBytes = k.gemmScratchFloats(og, ohw, kk) * 4 + 64;
      scratches(
        parts,
        colBytes,
        (cols) =>
          scratches(parts, gemmBytes, (gs) =>
            parallel(pool, parts, (i) => {
              const [b0, b1] = range(i);
              return convImagesJob(p, X.ptr, W.ptr, Y.ptr, b0, b1, cols[i], gs[i]);
            })),
      );
    },
    conv2dGradInput: (dy, wt, dx, p) => {
      if (p.groups === p.c && p.o === p.c) {
        if (p.sh !== 1 || p.sw !== 1 || p.kh - 1 - p.ph < 0 || p.kw - 1 - p.pw < 0) {
          conv2dGradInputLoop(view(dy), view(wt), view(dx), p);
          return flushed(dx);
        }
        // Stride 1: dx = dy ⋆ rot180(w) with padding k − 1 − p, a depthwise convolution.
        const kk = p.kh * p.kw;
        const rot = view(wt).slice();
        const src = view(wt);
        for (let c = 0; c < p.c; c++) {
          for (let t = 0; t < kk; t++) rot[c * kk + t] = src[c * kk + kk - 1 - t];
        }
        const qh = p.kh - 1 - p.ph, qw = p.kw - 1 - p.pw;
        const padBytes = ((p.oh + 2 * qh) * (p.ow + 2 * qw) + 16) * 4;
        scratch(rot.length * 4, (rp) => {
          new Float32Array(memory.buffer, rp, rot.length).set(rot);
          scratch(
            padBytes,
            (pad) =>
              k.f32_dwconv2d__wasmsimd(
                ws(dy).ptr,
                rp,
                ws(dx).ptr,
                p.n * p.c,
                p.c,
                p.oh,
                p.ow,
                p.kh,
                p.kw,
                p.h,
                p.w,
                1,
                1,
                qh,
                qw,
                pad,
              ),
          );
        });
        return;
      }
      const D = ws(dy), W = ws(wt), DX = ws(dx);
      view(dx).fill(0);
      const cg = p.c / p.groups, og = p.o / p.groups, kk = cg * p.kh * p.kw, ohw = p.oh * p.ow;
      const [pool, parts] = imageParts(p, 2 * p.n * p.o * ohw * kk);
      const per = Math.ceil(p.n / parts);
      scratches(
        parts,
        direct(p) ? 64 : kk * ohw * 4 + 64,
        (cols) =>
          scratches(
            parts,
            k.gemmScratchFloats(kk, ohw, og) * 4 + 64,
            (gs) =>
              parallel(pool, parts, (i) =>
                convGradInputJob(
                  p,
                  D.ptr,
                  W.ptr,
                  DX.ptr,
                  Math.min(p.n, i * per),
                  Math.min(p.n, (i + 1) * per),
                  cols[i],
                  gs[i],
                )),
          ),
      );
    },
    conv2dGradWeight: (x, dy, dw, p) => {
      if (p.groups === p.c && p.o === p.c) {
        if (p.sh !== 1 || p.sw !== 1) {
          conv2dGradWeightLoop(view(x), view(dy), view(dw), p);
          return flushed(dw);
        }
        view(dw).fill(0);
        const padBytes = ((p.h + 2 * p.ph) * (p.w + 2 * p.pw) + 16) * 4;
        scratch(padBytes, (pad) =>
          k.f32_dwconv2d_grad_weight__wasmsimd(
            ws(x).ptr,
            ws(dy).ptr,
            ws(dw).ptr,
            p.n * p.c,
            p.c,
            p.h,
            p.w,
            p.kh,
            p.kw,
            p.oh,
            p.ow,
            p.ph,
            p.pw,
            pad,
          ));
        return;
      }
      const X = ws(x), D = ws(dy), DW = ws(dw);
      view(dw).fill(0);
      const og0 = p.o / p.groups, kk0 = (p.c / p.groups) * p.kh * p.kw;
      scratch(og0 * kk0 * 4, (tmp) => {
        convGroups(p, (b, g, cg, og, kk, ohw, col) => {
          const xg = X.ptr + 4 * (b * p.c + g * cg) * p.h * p.w;
          const src = direct(p) ? xg : (im2col(xg, col, cg, p), col);
          const dwg = DW.ptr + 4 * g * og * kk;
          gemm(D.ptr + 4 * (b * p.o + g * og) * ohw, src, tmp, og, kk, ohw, false, true);
          k.f32_vbinary__wasmsimd(0, dwg, tmp, dwg, og * kk, og * kk, 0);
        });
      });
    },
    unary: (kind, x, out) =>
      k.f32_vunary__wasmsimd(UNARY_IDS[kind], ws(x).ptr, ws(out).ptr, x.size),
    binary: (kind, a, aShape, b, bShape, out, outShape) => {
      const n = sizeOf(outShape);
      const A = ws(a), B = ws(b), O = ws(out);
      if (n > 0 && A.size === n && B.size === n) {
        k.f32_vbinary__wasmsimd(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, n, 0);
      } else if (n > 0 && A.size === n && B.size > 0 && isTrailing(bShape, outShape)) {
        k.f32_vbinary__wasmsimd(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, B.size, 0);
      } else if (n > 0 && B.size === n && A.size > 0 && isTrailing(aShape, outShape)) {
        k.f32_vbinary__wasmsimd(BINARY_IDS[kind], A.ptr, B.ptr, O.ptr, n, A.size, 1);
      } else if (
        n > 0 && kind !== "div" && (A.size === 1 || B.size === 1) && A.size + B.size - 1 <= n
      ) {
        // One operand is a scalar: an affine map of the other, replicated over rows if it is a row.
        const scalarIsB = B.size === 1;
        const s = view(scalarIsB ? b : a)[0];
        const x = scalarIsB ? A : B;
        const xShape = scalarIsB ? aShape : bShape;
        if (x.size !== n && !isTrailing(xShape, outShape)) {
          binaryLoop(kind, view(a), aShape, view(b), bShape, view(out), outShape);
          return flushed(out);
        }
        const [mul, add] = kind === "add"
          ? [1, s]
          : kind === "mul"
          ? [s, 0]
          : scalarIsB
          ? [1, -s]
          : [-1, s];
        k.f32_vaffine__wasmsimd(x.ptr, O.ptr, x.size, mul, add);
        const bytes = new Uint8Array(memory.buffer);
        for (let r = x.size; r < n; r += x.size) {
          bytes.copyWithin(O.ptr + 4 * r, O.ptr, O.ptr + 4 * x.size);
        }
      } else if (
        !broadcastRunsWith(
          k,
          new Float32Array(memory.buffer),
          kind,
          A.ptr,
          aShape,
          B.ptr,
          bShape,
          O.ptr,
          outShape,
        )
      ) {
        binaryLoop(kind, view(a), aShape, view(b), bShape, view(out), outShape);
        flushed(out);
      }
    },
    scalar: (x, mul, add, out) => k.f32_vaffine__wasmsimd(ws(x).ptr, ws(out).ptr, x.size, mul, add),
    reduce: (kind, x, shape: Shape, axes, out) => {
      const sorted = [...axes].sort((p, q) => p - q);
      const contiguous = sorted.every((ax, i) => i === 0 || ax === sorted[i - 1] + 1);
      if (sorted.length === 0) return reduceLoop(kind, view(x), shape, axes, view(out));
      if (!contiguous) {
        // Reduce the last contiguous run of axes into a temporary, then the rest from it.
        let first = sorted.length - 1;
        while (first > 0 && sorted[first - 1] === sorted[first] - 1) first--;
        const tail = sorted.slice(first), mid = shape.map((d, i) => (tail.includes(i) ? 1 : d));
        const tmp = self.alloc("float32", sizeOf(mid));
        self.reduce(kind, x, shape, tail, tmp);
        self.reduce(kind, tmp, mid, sorted.slice(0, first), out);
        self.free(tmp);
        return;
      }
      const outer = sizeOf(shape.slice(0, sorted[0]));
      const mid = sizeOf(shape.slice(sorted[0], sorted.at(-1)! + 1));
      const inner = sizeOf(shape.slice(sorted.at(-1)! + 1));
      scratch(inner * 8 + 8, (acc) => {
        k.f32_reduce_mid(
          kind === "sum" ? 0 : 1,
          ws(x).ptr,
          ws(out).ptr,
          outer,
          mid,
          inner,
          Math.ceil(acc / 8) * 8,
        );
      });
    },
    softmax: (x, rows, cols, log, out) =>
      k.f32_softmax_rows(ws(x).ptr, ws(out).ptr, rows, cols, log ? 1 : 0),
    layerNorm: (x, g, b, rows, cols, eps, out) =>
      k.f32_layer_norm_rows(ws(x).ptr, ws(g).ptr, ws(b).ptr, ws(out).ptr, rows, cols, eps),
    crossEntropy: (x, labels, rows, cols, out) =>
      withInts(labels, (lp) => k.f32_cross_entropy_rows(ws(x).ptr, lp, ws(out).ptr, rows, cols)),
    oneHot: (labels, rows, cols, out) => {
      const o = view(out);
      o.fill(0);
      for (let r = 0; r < rows; r++) o[r * cols + labels[r]] = 1;
    },
    permute: (x, shape, perm, out) => permuteLoop(view(x), shape, perm, view(out)),
    slice: (x, shape, starts, out, outShape) =>
      sliceLoop(view(x), shape, starts, view(out), outShape),
    sliceGrad: (dy, dyShape, starts, out, shape) =>
      sliceGradLoop(view(dy), dyShape, starts, view(out), shape),
    gather: (x, shape, axis, idx, out) => gatherLoop(view(x), shape, axis, idx, view(out)),
    scatterAdd: (dy, dyShape, axis, idx, out, shape) => {
      scatterAddLoop(view(dy), dyShape, axis, idx, view(out), shape);
      flushed(out);
    },
    copy: (x, out) => {
      const X = ws(x), O = ws(out);
      new Uint8Array(memory.buffer).copyWithin(O.ptr, X.ptr, X.ptr + X.size * 4);
    },
    sgd: (w, g, v, p) =>
      k.f32_sgd(
        ws(w).ptr,
        ws(g).ptr,
        v ? ws(v).ptr : 0,
        w.size,
        p.lr,
        p.momentum,
        p.weightDecay,
        p.nesterov ? 1 : 0,
      ),
    adamw: (w, g, m, v, p) =>
      k.f32_adamw(
        ws(w).ptr,
        ws(g).ptr,
        ws(m).ptr,
        ws(v).ptr,
        w.size,
        p.lr,
        p.beta1,
        p.beta2,
        p.eps,
        p.weightDecay,
        1 - Math.pow(p.beta1, p.step),
        1 - Math.pow(p.beta2, p.step),
      ),
  };
  return self;
}
