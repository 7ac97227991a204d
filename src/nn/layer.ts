import type { Tensor } from "../tensor/tensor.ts";
import { Rng } from "../tensor/random.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import type { AttrValue } from "../graph/ir.ts";
import { LAYER_OPS } from "../graph/layer_ops.ts";
import { Module } from "./module.ts";
import type { Parameter } from "./parameter.ts";

/**
 * A module that is one node of a layer op (see `graph/layer_ops.ts`): its forward pass
 * is the op's, so the module and its graph node compute the same thing by construction.
 * The layer factories in `layers.ts` build these.
 *
 * @example
 * ```ts
 * import { Layer } from "./layer.ts";
 * import { zeros } from "../tensor/create.ts";
 * const pool = new Layer("max_pool", {}, { kernel: 2 });
 * console.assert(pool.forward(zeros([1, 3, 8, 8])).shape[2] === 4);
 * ```
 */
export class Layer extends Module {
  /** Layer op name. */
  readonly op: string;
  /** Op attributes. */
  readonly attrs: Record<string, AttrValue>;
  /** Generator of the random layers (dropout, stochastic depth). */
  rng: Rng;
  readonly #params: [string, Parameter][];

  /** A layer of op `op` with parameters by role and attributes. */
  constructor(
    op: string,
    params: Record<string, Parameter> = {},
    attrs: Record<string, AttrValue> = {},
    rng: Rng = new Rng(0),
  ) {
    super();
    const def = LAYER_OPS.get(op);
    if (!def) throw new RangeError(`Layer: unknown layer op "${op}"`);
    if (def.arity !== 1) throw new RangeError(`Layer: "${op}" takes ${def.arity} inputs`);
    this.op = op;
    this.attrs = attrs;
    this.rng = rng;
    this.#params = Object.entries(params);
    for (const slot of def.params) {
      const p = params[slot.role];
      if (p && slot.buffer) p.requiresGrad = false;
    }
  }

  /** Parameters by role. */
  override ownParameters(): [string, Parameter][] {
    return [...this.#params];
  }

  /** Runs the op. */
  forward(x: Tensor): Tensor {
    return LAYER_OPS.get(this.op)!.run(
      [x],
      Object.fromEntries(this.#params),
      this.attrs,
      { training: this.training, rng: this.rng },
    );
  }

  /** Emits one node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    const params: Record<string, string> = {};
    for (const [role, p] of this.#params) params[role] = g.param(`${prefix}${role}`, p);
    return g.node(prefix.replace(/\.$/, "") || this.op, this.op, [input], params, {
      ...this.attrs,
    });
  }
}

/** Throws a `RangeError` unless `x` is an integer ≥ `min`. */
export function checkInt(layer: string, what: string, x: number, min = 1): void {
  if (!Number.isInteger(x) || x < min) {
    throw new RangeError(`${layer}: ${what} must be an integer ≥ ${min}, got ${x}`);
  }
}
