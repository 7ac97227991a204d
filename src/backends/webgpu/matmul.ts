/**
 * Matrix products of the WebGPU backend: one shader over batch, rows and columns, 64×64
 * output tiles per workgroup, 4×4 per thread in registers (kernels/wgsl/matmul.wgsl).
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import type { GpuContext } from "./context.ts";

/** The matmul part of the backend. */
export function matmulKernels(ctx: GpuContext): Pick<Backend, "matmul"> {
  const { run, buf } = ctx;
  return {
    matmul: (a, b, out, p) =>
      run(
        "matmul",
        [[buf(a), false], [buf(b), false], [buf(out), true]],
        [p.m, p.n, p.k, +p.transA, +p.transB],
        0,
        [Math.ceil(p.n / 64), Math.ceil(p.m / 64), p.batch],
      ),
  };
}
