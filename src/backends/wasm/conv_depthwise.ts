/**
 * Depthwise convolutions of the Wasm backend (one filter per channel): the direct SIMD
 * kernels, split across threads by whole images. The input gradient of a stride-1 one is
 * the forward kernel on `dy` with the filters turned 180° (padding k − 1 − p); the weight
 * gradient sums groups of 16 images into partial filter buffers (threads take whole groups)
 * and adds the partials in order, so every thread count gives the same bits.
 *
 * @module
 */
import type { Conv2dParams } from "../backend.ts";
import { BINARY_IDS } from "../_gen/kernel_ids.ts";
import { callJob, dwconvJob } from "./jobs.ts";
import { PARALLEL_FLOPS, type WasmContext } from "./context.ts";

/** Images per partial sum of a depthwise weight gradient. */
const DW_GROUP_IMAGES = 16;

/** The depthwise kernels on arena pointers. */
export interface DepthwiseConv {
  /** `y = conv2d(x, w)`, any stride and padding. */
  forward(x: number, w: number, y: number, p: Conv2dParams): void;
  /** Whether {@linkcode gradInput} handles `p` (stride 1, padding < kernel). */
  gradInputFits(p: Conv2dParams): boolean;
  /** `dx` of a stride-1 depthwise convolution. */
  gradInput(dy: number, w: number, dx: number, p: Conv2dParams): void;
  /** `dw` (overwritten) of a stride-1 depthwise convolution. */
  gradWeight(x: number, dy: number, dw: number, p: Conv2dParams): void;
}

/** The depthwise kernels of a context. */
export function depthwiseConv(ctx: WasmContext): DepthwiseConv {
  const { k, memory } = ctx;
  /**
   * The thread plan of `p`: ranges of [0, n) (images, or groups of them), one per thread
   * when the work pays, and the pool that runs them. Decided once per call, so the scratch
   * count and the dispatch agree even while the workers are still starting.
   */
  const plan = (p: Conv2dParams, n = p.n) => {
    const flops = 2 * p.n * p.c * p.oh * p.ow * p.kh * p.kw;
    const pool = n >= 2 && flops >= PARALLEL_FLOPS ? ctx.pool.active() : null;
    const parts = pool ? Math.min(pool.size + 1, n) : 1, per = Math.ceil(n / parts);
    const ranges = Array.from(
      { length: parts },
      (_, i): [number, number] => [Math.min(n, i * per), Math.min(n, (i + 1) * per)],
    );
    return { pool, ranges };
  };
  const padBytes = (p: Conv2dParams) => ((p.h + 2 * p.ph) * (p.w + 2 * p.pw) + 16) * 4;
  const forward = (x: number, w: number, y: number, p: Conv2dParams) => {
    const { pool, ranges } = plan(p);
    ctx.scratches(ranges.length, padBytes(p), (pads) =>
      ctx.parallel(pool, ranges.length, (i) => {
        const [b0, b1] = ranges[i], off = 4 * b0 * p.c;
        return dwconvJob(
          p,
          x + off * p.h * p.w,
          w,
          y + off * p.oh * p.ow,
          (b1 - b0) * p.c,
          pads[i],
        );
      }));
  };
  return {
    forward,
    gradInputFits: (p) => p.sh === 1 && p.sw === 1 && p.kh - 1 - p.ph >= 0 && p.kw - 1 - p.pw >= 0,
    gradInput(dy, w, dx, p) {
      const kk = p.kh * p.kw, src = new Float32Array(memory.buffer, w, p.c * kk);
      const rot = new Float32Array(p.c * kk);
      for (let c = 0; c < p.c; c++) {
        for (let t = 0; t < kk; t++) rot[c * kk + t] = src[c * kk + kk - 1 - t];
      }
      // The transposed convolution: dy's maps in, dx's out, padding k − 1 − p, stride 1.
      const q: Conv2dParams = {
        ...p,
        h: p.oh,
        w: p.ow,
        oh: p.h,
        ow: p.w,
        sh: 1,
        sw: 1,
        ph: p.kh - 1 - p.ph,
        pw: p.kw - 1 - p.pw,
      };
      ctx.scratch(rot.length * 4, (rp) => {
        new Float32Array(memory.buffer, rp, rot.length).set(rot);
        forward(dy, rp, dx, q);
      });
    },
    gradWeight(x, dy, dw, p) {
      // Partial sums over fixed groups of images, added in order: the same result on any
      // number of threads (threads take whole groups).
      const size = p.c * p.kh * p.kw, groups = Math.ceil(p.n / DW_GROUP_IMAGES);
      const { pool, ranges: rs } = plan(p, groups);
      ctx.scratches(rs.length, padBytes(p), (pads) =>
        ctx.scratch(groups * size * 4, (partials) => {
          new Float32Array(memory.buffer, partials, groups * size).fill(0);
          ctx.parallel(pool, rs.length, (i) => {
            const [g0, g1] = rs[i];
            const b0 = Math.min(p.n, g0 * DW_GROUP_IMAGES),
              b1 = Math.min(p.n, g1 * DW_GROUP_IMAGES);
            const off = 4 * b0 * p.c;
            return callJob("f32_dwconv2d_grad_weight__wasmsimd", [
              x + off * p.h * p.w,
              dy + off * p.oh * p.ow,
              partials + 4 * g0 * size,
              (b1 - b0) * p.c,
              p.c,
              p.h,
              p.w,
              p.kh,
              p.kw,
              p.oh,
              p.ow,
              p.ph,
              p.pw,
              pads[i],
              DW_GROUP_IMAGES * p.c,
            ]);
          });
          new Float32Array(memory.buffer, dw, size).set(
            new Float32Array(memory.buffer, partials, size),
          );
          for (let g = 1; g < groups; g++) {
            k.f32_vbinary__wasmsimd(BINARY_IDS.add, dw, partials + 4 * g * size, dw, size, size, 0);
          }
        }));
    },
  };
}
