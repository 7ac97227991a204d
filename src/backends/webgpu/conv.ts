/**
 * Convolutions of the WebGPU backend: forward and both gradients, one shader each.
 *
 * @module
 */
import type { Backend, Conv2dParams } from "../backend.ts";
import type { GpuContext } from "./context.ts";

/** The parameter words of a convolution shader with `n` outputs. */
const convPrm = (n: number, p: Conv2dParams): number[] => [
  n,
  p.n,
  p.c,
  p.h,
  p.w,
  p.o,
  p.kh,
  p.kw,
  p.oh,
  p.ow,
  p.sh,
  p.sw,
  p.ph,
  p.pw,
  p.groups,
];

/** The convolution part of the backend. */
export function convKernels(
  ctx: GpuContext,
): Pick<Backend, "conv2d" | "conv2dGradInput" | "conv2dGradWeight"> {
  const { run, buf } = ctx;
  return {
    conv2d: (x, w, out, p) =>
      run(
        "conv2d",
        [[buf(x), false], [buf(w), false], [buf(out), true]],
        convPrm(out.size, p),
        out.size,
      ),
    conv2dGradInput: (dy, w, dx, p) =>
      run(
        "conv2d_grad_input",
        [[buf(dy), false], [buf(w), false], [buf(dx), true]],
        convPrm(dx.size, p),
        dx.size,
      ),
    conv2dGradWeight: (x, dy, dw, p) =>
      run(
        "conv2d_grad_weight",
        [[buf(x), false], [buf(dy), false], [buf(dw), true]],
        convPrm(dw.size, p),
        dw.size,
      ),
  };
}
