import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import { add } from "../ops/elementwise.ts";
import { Module } from "./module.ts";

/**
 * A residual connection `x + branch(x)` (the branch must keep the shape).
 *
 * @example
 * ```ts
 * import { Residual } from "./residual.ts";
 * import { Activation } from "./activation.ts";
 * import { tensor } from "../tensor/create.ts";
 * const r = new Residual(new Activation("relu"));
 * console.assert(r.forward(tensor([-1, 2], [1, 2])).toArray()[1] === 4);
 * ```
 */
export class Residual extends Module {
  /** The branch. */
  readonly branch: Module;

  /** Wraps `branch`. */
  constructor(branch: Module) {
    super();
    this.branch = branch;
  }

  /** The branch as the only child. */
  override children(): [string, Module][] {
    return [["branch", this.branch]];
  }

  /** `x + branch(x)`. */
  forward(x: Tensor): Tensor {
    return add(x, this.branch.forward(x));
  }

  /** Emits the branch and an `add` node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    const b = this.branch.emit(g, input, `${prefix}branch.`);
    return g.node(`${prefix}add`, "add", [input, b]);
  }
}
