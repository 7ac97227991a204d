/**
 * Optimizer kernels of the WebGPU backend: SGD and AdamW steps in place.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { f32bits, type GpuContext } from "./context.ts";

/** The optimizer part of the backend. */
export function optimKernels(ctx: GpuContext): Pick<Backend, "sgd" | "adamw"> {
  const { run, buf, dummy } = ctx;
  return {
    sgd: (w, g, v, p) =>
      run("sgd", [[buf(w), true], [buf(g), false], [v ? buf(v) : dummy, true]], [
        w.size,
        f32bits(p.lr),
        f32bits(p.momentum),
        f32bits(p.weightDecay),
        +p.nesterov,
        v ? 1 : 0,
      ], w.size),
    adamw: (w, g, m, v, p) =>
      run("adamw", [[buf(w), true], [buf(g), false], [buf(m), true], [buf(v), true]], [
        w.size,
        f32bits(p.lr),
        f32bits(p.beta1),
        f32bits(p.beta2),
        f32bits(p.eps),
        f32bits(p.weightDecay),
        f32bits(1 - Math.pow(p.beta1, p.step)),
        f32bits(1 - Math.pow(p.beta2, p.step)),
      ], w.size),
  };
}
