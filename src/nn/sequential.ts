import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import { Module } from "./module.ts";

/**
 * Applies named child modules in order.
 *
 * @example
 * ```ts
 * import { Sequential } from "./sequential.ts";
 * import { Linear } from "./linear.ts";
 * import { Activation } from "./activation.ts";
 * const net = new Sequential([["fc1", new Linear(4, 8)], ["relu1", new Activation("relu")]]);
 * console.assert(net.namedParameters().has("fc1.weight"));
 * ```
 */
export class Sequential extends Module {
  readonly #layers: [string, Module][];

  /** Children as `[name, module]` pairs (names must be unique and contain no dot). */
  constructor(layers: [string, Module][]) {
    super();
    const seen = new Set<string>();
    for (const [name] of layers) {
      if (!name || name.includes(".") || seen.has(name)) {
        throw new RangeError(`Sequential: layer name "${name}" is empty, has a dot, or repeats`);
      }
      seen.add(name);
    }
    this.#layers = layers;
  }

  /** The layers in order. */
  override children(): [string, Module][] {
    return [...this.#layers];
  }

  /** Applies the layers in order. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const [, m] of this.#layers) y = m.forward(y);
    return y;
  }

  /** Emits each layer's nodes in order. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    let v = input;
    for (const [name, m] of this.#layers) v = m.emit(g, v, `${prefix}${name}.`);
    return v;
  }
}
