/**
 * Elementwise kernels of the WebGPU backend: unary ops, broadcasting binary ops (strides
 * 0 on broadcast axes) and the scalar affine map.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { BINARY_IDS, UNARY_IDS } from "../_gen/kernel_ids.ts";
import type { Shape } from "../../tensor/shape.ts";
import { f32bits, type GpuContext, MAX_RANK, pad6, stridesOf } from "./context.ts";

/** The elementwise part of the backend. */
export function elementwiseKernels(
  ctx: GpuContext,
): Pick<Backend, "unary" | "binary" | "scalar"> {
  const { run, buf } = ctx;
  return {
    unary: (kind, x, out) =>
      run(
        "unary",
        [[buf(x), false], [buf(out), true]],
        [out.size, UNARY_IDS[kind]],
        out.size,
      ),
    binary: (kind, a, aShape, b, bShape, out, outShape) => {
      const r = outShape.length;
      if (r > MAX_RANK) throw new RangeError(`webgpu: binary ops support rank ≤ ${MAX_RANK}`);
      const bstr = (s: Shape) => {
        const full = [...new Array(r - s.length).fill(1), ...s];
        const st = stridesOf(full);
        return full.map((d, i) => (d === 1 ? 0 : st[i]));
      };
      run("binary", [[buf(a), false], [buf(b), false], [buf(out), true]], [
        out.size,
        BINARY_IDS[kind],
        r,
        ...pad6([...outShape], 1),
        ...pad6(bstr(aShape), 0),
        ...pad6(bstr(bShape), 0),
      ], out.size);
    },
    scalar: (x, mul, add, out) =>
      run(
        "scalar",
        [[buf(x), false], [buf(out), true]],
        [out.size, f32bits(mul), f32bits(add)],
        out.size,
      ),
  };
}
