/**
 * Convolutions of the Wasm backend: ungrouped ones as one GEMM over a chunk of images
 * (conv_batched.ts), grouped ones as im2col + GEMM per image and group (batch-parallel on
 * the thread pool when large), direct SIMD kernels for depthwise convolutions, and both
 * gradients.
 *
 * @module
 */
import type { Backend, Conv2dParams } from "../backend.ts";
import { BINARY_IDS } from "../_gen/kernel_ids.ts";
import { conv2dGradInputLoop, conv2dGradWeightLoop } from "../js/conv.ts";
import { convGradInputJob, convImagesJob, dwconvJob, isDirectConv } from "./jobs.ts";
import type { ThreadPool } from "./thread_pool.ts";
import { PARALLEL_FLOPS, type WasmContext } from "./context.ts";
import type { Gemm } from "./matmul.ts";
import { batchedConv } from "./conv_batched.ts";

/** A 1×1, stride-1, unpadded convolution reads its input as the im2col matrix. */
const direct = (p: Conv2dParams) => isDirectConv(p.kh, p.kw, p.sh, p.sw, p.ph, p.pw);

/** The convolution part of the backend. */
export function convKernels(
  ctx: WasmContext,
  gemm: Gemm,
): Pick<Backend, "conv2d" | "conv2dGradInput" | "conv2dGradWeight"> {
  const { k, ws, view, flushed, scratch, scratches, parallel, memory } = ctx;
  const batched = batchedConv(ctx, gemm);
  const im2col = (x: number, col: number, cn: number, p: Conv2dParams) =>
    k.f32_im2col(x, col, cn, p.h, p.w, p.kh, p.kw, p.oh, p.ow, p.sh, p.sw, p.ph, p.pw, p.oh * p.ow);
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
