/**
 * Strided reads of row-major data: the one loop behind broadcasting, transposes and
 * slices. `strides[a]` is how far the source moves per step of output axis `a` (0 for
 * a broadcast axis); the innermost axis runs as a tight loop.
 *
 * @module
 */
import { allocHost, sizeOf } from "../host_tensor.ts";

import { stridesOf } from "../../../tensor/shape.ts";

export { stridesOf };

/**
 * Calls `row(o, src, len, step)` for each innermost row of an `outDims` walk: output
 * offset `o`, source offset `src` of the row's first element, `len` elements, source
 * `step` between them.
 */
function walkRows(
  outDims: readonly number[],
  strides: readonly number[],
  offset: number,
  row: (o: number, src: number, len: number, step: number) => void,
): void {
  const r = outDims.length, n = sizeOf(outDims);
  if (n === 0) return;
  if (r === 0) return row(0, offset, 1, 0);
  const len = outDims[r - 1], step = strides[r - 1];
  const idx = new Array<number>(r).fill(0);
  let src = offset;
  for (let o = 0; o < n; o += len) {
    row(o, src, len, step);
    for (let a = r - 2; a >= 0; a--) {
      src += strides[a];
      if (++idx[a] < outDims[a]) break;
      src -= strides[a] * outDims[a];
      idx[a] = 0;
    }
  }
}

/** `out[i] = data[offset + Σ idx_a·strides[a]]` over the row-major walk of `outDims`. */
export function stridedCopy(
  data: Float64Array,
  outDims: readonly number[],
  strides: readonly number[],
  offset = 0,
): Float64Array {
  const out = allocHost(sizeOf(outDims), "strided copy");
  walkRows(outDims, strides, offset, (o, src, len, step) => {
    if (step === 1) out.set(data.subarray(src, src + len), o);
    else if (step === 0) out.fill(data[src], o, o + len);
    else for (let j = 0; j < len; j++) out[o + j] = data[src + j * step];
  });
  return out;
}

/** The source offsets a {@linkcode stridedCopy} would read, one per output element. */
export function stridedOffsets(
  outDims: readonly number[],
  strides: readonly number[],
  offset = 0,
): Int32Array {
  const out = new Int32Array(sizeOf(outDims));
  walkRows(outDims, strides, offset, (o, src, len, step) => {
    for (let j = 0; j < len; j++) out[o + j] = src + j * step;
  });
  return out;
}
