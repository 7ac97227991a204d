/**
 * Convolutions of the Wasm backend: ungrouped ones as one GEMM over a chunk of images
 * (conv_batched.ts), grouped ones as im2col + GEMM per image and group (batch-parallel on
 * the thread pool when large), depthwise ones by direct SIMD kernels (conv_depthwise.ts), and both
 * gradients.
 *
 * @module
 */
import type { Backend, Conv2dParams } from "../backend.ts";
import { BINARY_IDS } from "../_gen/kernel_ids.ts";
import { conv2dGradInputLoop, conv2dGradWeightLoop } from "../js/conv.ts";
import { convGradInputJob, convImagesJob, isDirectConv } from "./jobs.ts";
import type { ThreadPool } from "./thread_pool.ts";
import { PARALLEL_FLOPS, type WasmContext } from "./context.ts";
import type { Gemm } from "./matmul.ts";
import { batchedConv } from "./conv_batched.ts";
import { depthwiseConv } from "./conv_depthwise.ts";

/** A 1×1, stride-1, unpadded convolution reads its input as the im2col matrix. */
const direct = (p: Conv2dParams) => isDirectConv(p.kh, p.kw, p.sh, p.sw, p.ph, p.pw);

/** The convolution part of the backend. */
export function convKernels(
  ctx: WasmContext,
  gemm: Gemm,
): Pick<Backend, "conv2d" | "conv2dGradInput" | "conv2dGradWeight"> {
  const { k, ws, view, flushed, scratch, scratches, parallel } = ctx;
  const batched = batchedConv(ctx, gemm);
  const depthwise = depthwiseConv(ctx);
  const im2col = (x: number, col: number, cn: number, p: Conv2dParams) =>
    k.f32_im2col(
      x,
      col,
      cn,
      p.h,
      p.w,
      p.kh,
      p.kw,
      p.oh,
      p.ow,
      p.sh,
      p.sw,
      p.ph,
      p.pw,
      p.oh * p.ow,
      1,
    );
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
    const pool = p.n >= 2 && flops >= PARALLEL_FLOPS ? ctx.pool.active() : null;
    return [pool, pool ? Math.min(pool.size + 1, p.n) : 1];
  };
  return {
    conv2d: (x, wt, out, p) => {
      const X = ws(x), W = ws(wt), Y = ws(out);
      if (p.groups === 1) return batched.forward(X.ptr, W.ptr, Y.ptr, p);
      if (p.groups === p.c && p.o === p.c) return depthwise.forward(X.ptr, W.ptr, Y.ptr, p);
      const cg = p.c / p.groups, og = p.o / p.groups, kk = cg * p.kh * p.kw, ohw = p.oh * p.ow;
      const [pool, parts] = imageParts(p, 2 * p.n * p.o * ohw * kk);
      const per = Math.ceil(p.n / parts);
      const range = (i: number) => [Math.min(p.n, i * per), Math.min(p.n, (i + 1) * per)];
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
        if (!depthwise.gradInputFits(p)) {
          conv2dGradInputLoop(view(dy), view(wt), view(dx), p);
          return flushed(dx);
        }
        return depthwise.gradInput(ws(dy).ptr, ws(wt).ptr, ws(dx).ptr, p);
      }
      const D = ws(dy), W = ws(wt), DX = ws(dx);
      if (p.groups === 1) return batched.gradInput(D.ptr, W.ptr, DX.ptr, p);
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
        return depthwise.gradWeight(ws(x).ptr, ws(dy).ptr, ws(dw).ptr, p);
      }
      const X = ws(x), D = ws(dy), DW = ws(dw);
      if (p.groups === 1) return batched.gradWeight(X.ptr, D.ptr, DW.ptr, p);
      view(dw).fill(0);
      const og0 = p.o / p.groups, kk0 = (p.c / p.groups) * p.kh * p.kw;
      scratch(og0 * kk0 * 4, (tmp) => {
        convGroups(p, (b, g, cg, og, kk, ohw, col) => {
          const xg = X.ptr + 4 * (b * p.c + g * cg) * p.h * p.w;
          const src = direct(p) ? xg : (im2col(xg, col, cg, p), col);
          const dwg = DW.ptr + 4 * g * og * kk;
          gemm(D.ptr + 4 * (b * p.o + g * og) * ohw, src, tmp, og, kk, ohw, false, true);
          k.f32_vbinary__wasmsimd(BINARY_IDS.add, dwg, tmp, dwg, og * kk, og * kk, 0);
        });
      });
    },
  };
}
