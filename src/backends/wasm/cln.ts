/**
 * CompensatedLayerNorm of the Wasm backend: the forward and its gradient as one kernel
 * each (`kernels/wasm/norm.ts`), split across threads by images (each image's arithmetic
 * is the same on any thread count).
 *
 * @module
 */
import type { Backend, ClnParams } from "../backend.ts";
import { callJob } from "./jobs.ts";
import type { WasmContext } from "./context.ts";

/** The CompensatedLayerNorm part of the backend. */
export function clnKernels(
  ctx: WasmContext,
): Pick<Required<Backend>, "compensatedLayerNorm" | "compensatedLayerNormGrad"> {
  const { ws } = ctx;
  /** Runs `job(lo, hi, params)` over ranges of images, with the float parameters in memory. */
  const over = (p: ClnParams, job: (lo: number, hi: number, params: number) => number[]) =>
    ctx.scratch(40, (params8) => {
      const params = Math.ceil(params8 / 8) * 8;
      new Float64Array(ctx.memory.buffer, params, 4).set([p.width, p.kbar, p.m2, p.eps]);
      ctx.split(p.n, p.n * p.c * p.p, (lo, hi) => job(lo, hi, params));
    });
  return {
    compensatedLayerNorm: (x, g, b, out, p) => {
      const px = ws(x).ptr, pg = ws(g).ptr, pb = ws(b).ptr, po = ws(out).ptr, img = 4 * p.c * p.p;
      over(p, (lo, hi, params) =>
        callJob("f32_cln_forward", [
          px + lo * img,
          pg,
          pb,
          po + lo * img,
          hi - lo,
          p.c,
          p.p,
          params,
        ]));
    },
    compensatedLayerNormGrad: (x, g, dy, dx, h, p) => {
      const px = ws(x).ptr, pg = ws(g).ptr, pdy = ws(dy).ptr, pdx = ws(dx).ptr, ph = ws(h).ptr;
      const img = 4 * p.c * p.p;
      over(p, (lo, hi, params) =>
        callJob("f32_cln_backward", [
          px + lo * img,
          pg,
          pdy + lo * img,
          pdx + lo * img,
          ph + lo * img,
          hi - lo,
          p.c,
          p.p,
          params,
        ]));
    },
  };
}
