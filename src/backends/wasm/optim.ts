/**
 * Optimizer kernels of the Wasm backend: SGD (momentum, Nesterov, L2 decay) and AdamW
 * steps in place.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import type { WasmContext } from "./context.ts";

/** The optimizer part of the backend. */
export function optimKernels(ctx: WasmContext): Pick<Backend, "sgd" | "adamw"> {
  const { k, ws } = ctx;
  return {
    sgd: (w, g, v, p) =>
      k.f32_sgd(
        ws(w).ptr,
        ws(g).ptr,
        v ? ws(v).ptr : 0,
        w.size,
        p.lr,
        p.momentum,
        p.weightDecay,
        p.nesterov ? 1 : 0,
      ),
    adamw: (w, g, m, v, p) =>
      k.f32_adamw(
        ws(w).ptr,
        ws(g).ptr,
        ws(m).ptr,
        ws(v).ptr,
        w.size,
        p.lr,
        p.beta1,
        p.beta2,
        p.eps,
        p.weightDecay,
        1 - Math.pow(p.beta1, p.step),
        1 - Math.pow(p.beta2, p.step),
      ),
  };
}
