import type { Conv2dParams } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";

/**
 * Visits every (output position, tap) pair of a grouped 2-D convolution that lands inside
 * the input: `visit(xIndex, wIndex, yIndex)`. The three reference kernels are this walk
 * with different accumulations, so their index arithmetic is shared and tested once.
 */
function forEachTap(p: Conv2dParams, visit: (xi: number, wi: number, yi: number) => void): void {
  const { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, groups } = p;
  const cg = c / groups, og = o / groups;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const yi = ((b * o + oc) * oh + y) * ow + x;
          for (let ic = 0; ic < cg; ic++) {
            const cin = g * cg + ic;
            for (let i = 0; i < kh; i++) {
              const iy = y * sh - ph + i;
              if (iy < 0 || iy >= h) continue;
              for (let j = 0; j < kw; j++) {
                const ix = x * sw - pw + j;
                if (ix < 0 || ix >= w) continue;
                visit(((b * c + cin) * h + iy) * w + ix, ((oc * cg + ic) * kh + i) * kw + j, yi);
              }
            }
          }
        }
      }
    }
  }
}

/** Reference convolution (float64 accumulation). */
export function conv2dLoop(x: TypedArray, wt: TypedArray, out: TypedArray, p: Conv2dParams): void {
  const acc = new Float64Array(out.length);
  forEachTap(p, (xi, wi, yi) => (acc[yi] += x[xi] * wt[wi]));
  out.set(acc);
}

/** Reference gradient of the input. */
export function conv2dGradInputLoop(
  dy: TypedArray,
  wt: TypedArray,
  dx: TypedArray,
  p: Conv2dParams,
): void {
  const acc = new Float64Array(dx.length);
  forEachTap(p, (xi, wi, yi) => (acc[xi] += dy[yi] * wt[wi]));
  dx.set(acc);
}

/** Reference gradient of the weight. */
export function conv2dGradWeightLoop(
  x: TypedArray,
  dy: TypedArray,
  dw: TypedArray,
  p: Conv2dParams,
): void {
  const acc = new Float64Array(dw.length);
  forEachTap(p, (xi, wi, yi) => (acc[wi] += x[xi] * dy[yi]));
  dw.set(acc);
}
