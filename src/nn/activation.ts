import { ACTIVATION_KINDS, type ActivationFn } from "../ops/activations.ts";
import { unary } from "../ops/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import { flatten } from "./functional.ts";
import { Module } from "./module.ts";

/** Activation kinds available as layers. */
export type ActivationKind = ActivationFn | "identity";

/**
 * A parameter-free elementwise activation layer.
 *
 * @example
 * ```ts
 * import { Activation } from "./activation.ts";
 * import { tensor } from "../tensor/create.ts";
 * console.assert(new Activation("relu").forward(tensor([-1, 2])).toArray()[0] === 0);
 * ```
 */
export class Activation extends Module {
  /** Which function. */
  readonly kind: ActivationKind;
  /** An activation of `kind`. */
  constructor(kind: ActivationKind) {
    super();
    if (kind !== "identity" && !(ACTIVATION_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(
        `Activation: unknown kind "${kind}" (one of ${ACTIVATION_KINDS.join(", ")}, identity)`,
      );
    }
    this.kind = kind;
  }
  /** Applies the activation. */
  forward(x: Tensor): Tensor {
    return this.kind === "identity" ? x : unary(this.kind, x);
  }
  /** Emits one activation node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    return g.node(prefix.replace(/\.$/, "") || this.kind, this.kind, [input]);
  }
}

/** `[N, ...] → [N, prod(...)]`. */
export class Flatten extends Module {
  /** Flattens all but the batch axis. */
  forward(x: Tensor): Tensor {
    return flatten(x);
  }
  /** Emits one flatten node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    return g.node(prefix.replace(/\.$/, "") || "flatten", "flatten", [input]);
  }
}
