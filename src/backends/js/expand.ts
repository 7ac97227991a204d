/**
 * Broadcast copy: `src` of shape `srcShape` repeated along its size-1 axes into `dst` of
 * shape `dstShape` (same rank after left-padding with 1s), with native fills and block
 * copies instead of a per-element index walk.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import type { Shape } from "../../tensor/shape.ts";

/**
 * Writes `src` broadcast to `dstShape` into `dst` (every axis of `srcShape`, left-padded,
 * is 1 or equal to `dstShape`'s).
 *
 * @example
 * ```ts
 * import { expandInto } from "./expand.ts";
 * const out = new Float32Array(6);
 * expandInto(Float32Array.of(1, 2), [2, 1], out, [2, 3]);
 * console.assert(out.join() === "1,1,1,2,2,2");
 * ```
 */
export function expandInto(
  src: TypedArray,
  srcShape: Shape,
  dst: TypedArray,
  dstShape: Shape,
): void {
  const r = dstShape.length;
  const s = [...new Array(r - srcShape.length).fill(1), ...srcShape];
  // Elements per step of each axis in dst, and in src (0 on broadcast axes).
  const dStride = new Array<number>(r), sStride = new Array<number>(r);
  for (let i = r - 1, da = 1, sa = 1; i >= 0; i--) {
    dStride[i] = da;
    sStride[i] = s[i] === 1 ? 0 : sa;
    da *= dstShape[i];
    sa *= s[i];
  }
  // The innermost axes where src and dst agree form one contiguous run.
  let inner = r, run = 1;
  while (inner > 0 && s[inner - 1] === dstShape[inner - 1]) run *= dstShape[--inner];
  const walk = (axis: number, so: number, d0: number): void => {
    if (axis === inner) {
      dst.set(src.subarray(so, so + run), d0);
      return;
    }
    const n = dstShape[axis];
    if (axis === r - 1) {
      // The last axis broadcast: one value filled along it.
      dst.fill(src[so], d0, d0 + n);
      return;
    }
    if (s[axis] === 1) {
      // Broadcast axis: fill the first block, then copy it.
      walk(axis + 1, so, d0);
      const block = dStride[axis];
      for (let k = 1; k < n; k++) dst.copyWithin(d0 + k * block, d0, d0 + block);
      return;
    }
    for (let k = 0; k < n; k++) walk(axis + 1, so + k * sStride[axis], d0 + k * dStride[axis]);
  };
  if (dst.length > 0) walk(0, 0, 0);
}
