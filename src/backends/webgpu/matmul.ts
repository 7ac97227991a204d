/**
 * Matrix products of the WebGPU backend: one tiled shader over batch, rows and columns.
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
        [Math.ceil(p.n / 16), Math.ceil(p.m / 16), p.batch],
      ),
  };
}
