/**
 * Matrix products of the Wasm backend: the packed 6×8 GEMM kernel, split across threads
 * by columns or rows when large (every element sums in the same order either way).
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { type GemmBlock, gemmJob } from "./jobs.ts";
import { PARALLEL_FLOPS, type WasmContext } from "./context.ts";

/** `C = op(A)·op(B)` on arena pointers (`bPacked`: B in the packed-B layout). */
export type Gemm = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  kk: number,
  transA: boolean,
  transB: boolean,
  bPacked?: boolean,
) => void;

/** Whether a product is large enough to split across threads. */
function parallelGemm(m: number, n: number, kk: number): boolean {
  return (m >= 8 || n >= 16) && 2 * m * n * kk >= PARALLEL_FLOPS;
}

/** The GEMM of a context, split across threads when large. */
export function gemmOf(ctx: WasmContext): Gemm {
  const { k } = ctx;
  return (a, b, c, m, n, kk, transA, transB, bPacked = false) => {
    const pool = parallelGemm(m, n, kk) ? ctx.pool.active() : null;
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
    ctx.scratches(
      parts,
      k.gemmScratchFloats(m, n, kk) * 4 + 64,
      (sp) => ctx.parallel(pool, parts, (i) => gemmJob(block(i, sp[i]))),
    );
  };
}

/** The matmul part of the backend. */
export function matmulKernels(ctx: WasmContext, gemm: Gemm): Pick<Backend, "matmul"> {
  const { ws } = ctx;
  return {
    matmul: (a, b, out, p) => {
      const { batch, m, n, k: kk, transA, transB } = p;
      const A = ws(a), B = ws(b), C = ws(out);
      if (batch > 1 && !parallelGemm(m, n, kk)) {
        // Many small products (attention heads): one scratch for all, each product the
        // single-threaded GEMM `gemm` would run (the same results, without per-item setup).
        ctx.scratches(1, ctx.k.gemmScratchFloats(m, n, kk) * 4 + 64, ([sp]) => {
          for (let t = 0; t < batch; t++) {
            ctx.k.f32_gemm(
              A.ptr + 4 * t * m * kk,
              B.ptr + 4 * t * kk * n,
              C.ptr + 4 * t * m * n,
              m,
              n,
              kk,
              +transA,
              +transB,
              sp,
              0,
              m,
              0,
              n,
              0,
            );
          }
        });
        return;
      }
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
  };
}
