/**
 * The recording switch of reverse-mode autograd, re-exported where autograd lives. It is
 * defined in `src/tensor/grad_mode.ts`, below the ops, so that forward ops (and the
 * inference entry, `src/runtime/mod.ts`) need nothing from `src/autograd/`.
 *
 * @module
 */
export { isGradEnabled, noGrad } from "../tensor/grad_mode.ts";
export type { TapeNode } from "../tensor/tensor.ts";
