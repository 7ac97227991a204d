import type { TypedArray } from "../../tensor/dtype.ts";
import { type Shape, sizeOf, stridesOf } from "../../tensor/shape.ts";

/** `out[i0..] = x[perm-ordered index]`; walks the output in order. */
export function permuteLoop(x: TypedArray, shape: Shape, perm: readonly number[], out: TypedArray) {
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const step = perm.map((p) => xs[p]);
  const last = outShape.at(-1) ?? 1, inner = step.at(-1) ?? 1;
  rows(outShape, step, 0, (i, src) => {
    for (let k = 0; k < last; k++) out[i + k] = x[src + k * inner];
  });
}

/** Copies the box `starts + outShape` of `x` into `out`. */
export function sliceLoop(
  x: TypedArray,
  shape: Shape,
  starts: readonly number[],
  out: TypedArray,
  outShape: Shape,
): void {
  const xs = stridesOf(shape);
  const base = starts.reduce((s, v, i) => s + v * xs[i], 0);
  const last = outShape.at(-1) ?? 1;
  rows(outShape, xs, base, (i, src) => {
    for (let k = 0; k < last; k++) out[i + k] = x[src + k];
  });
}

/** Zeros `out` then writes `dy` into the box at `starts`. */
export function sliceGradLoop(
  dy: TypedArray,
  dyShape: Shape,
  starts: readonly number[],
  out: TypedArray,
  shape: Shape,
): void {
  out.fill(0);
  const xs = stridesOf(shape);
  const base = starts.reduce((s, v, i) => s + v * xs[i], 0);
  const last = dyShape.at(-1) ?? 1;
  rows(dyShape, xs, base, (i, dst) => {
    for (let k = 0; k < last; k++) out[dst + k] = dy[i + k];
  });
}

/** Gathers entries `indices` along `axis`. */
export function gatherLoop(
  x: TypedArray,
  shape: Shape,
  axis: number,
  indices: Int32Array,
  out: TypedArray,
): void {
  const outer = sizeOf(shape.slice(0, axis));
  const dim = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * dim + indices[j]) * inner;
      const dst = (o * m + j) * inner;
      for (let q = 0; q < inner; q++) out[dst + q] = x[src + q];
    }
  }
}

/** Zeros `out` then adds slice `j` of `dy` into slice `indices[j]` along `axis`. */
export function scatterAddLoop(
  dy: TypedArray,
  dyShape: Shape,
  axis: number,
  indices: Int32Array,
  out: TypedArray,
  shape: Shape,
): void {
  out.fill(0);
  const outer = sizeOf(shape.slice(0, axis));
  const dim = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const m = dyShape[axis];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * m + j) * inner;
      const dst = (o * dim + indices[j]) * inner;
      for (let q = 0; q < inner; q++) out[dst + q] += dy[src + q];
    }
  }
}

/** Visits every index of `shape` in row-major order with an offset advanced by `strides`. */
/**
 * Visits the rows (all axes but the last) of `shape` in order: `visit(i, offset)` with
 * `i` the flat index of the row's first element and `offset` its place under `strides`
 * (the caller walks the last axis itself, in a tight loop).
 */
function rows(
  shape: Shape,
  strides: readonly number[],
  base: number,
  visit: (i: number, offset: number) => void,
): void {
  if (shape.length === 0) return visit(0, base);
  const last = shape[shape.length - 1];
  if (last === 0) return;
  walk(shape.slice(0, -1), strides.slice(0, -1), base, (r, off) => visit(r * last, off));
}

function walk(
  shape: Shape,
  strides: readonly number[],
  base: number,
  visit: (i: number, offset: number) => void,
): void {
  const rank = shape.length;
  const n = sizeOf(shape);
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    visit(i, off);
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += strides[ax];
      if (idx[ax] < shape[ax]) break;
      off -= strides[ax] * idx[ax];
      idx[ax] = 0;
    }
  }
}
