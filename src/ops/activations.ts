/**
 * The unary kernels that serve as layer activations: one list, read by the layer-op
 * table (a graph op per kind), the `Activation` module, the CLI's `--activation` and the
 * minimization fuzz. Adding an activation = its unary kernel (see kernels/manifest.ts)
 * plus its name here.
 *
 * @module
 */
import type { UnaryKind } from "../backends/backend.ts";

/** Activation kinds, in the order the CLI lists them. */
export const ACTIVATION_KINDS = [
  "relu",
  "gelu",
  "tanh",
  "sigmoid",
  "silu",
  "hardswish",
] as const satisfies readonly UnaryKind[];

/** A unary kernel available as an activation layer. */
export type ActivationFn = (typeof ACTIVATION_KINDS)[number];
