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
 * The layer factories in `layers.ts` build these. An op of several inputs (a residual
 * `add`) runs with {@linkcode Layer.apply} and emits with {@linkcode Layer.emitNode};
 * `forward`/`emit` are the one-input forms.
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

  /** Runs the op on its one input (throws a `RangeError` for an op of several). */
  forward(x: Tensor): Tensor {
    return this.apply([x]);
  }

  /** Runs the op on its inputs (as many as the op's arity). */
  apply(inputs: readonly Tensor[]): Tensor {
    this.#arity(inputs.length);
    return LAYER_OPS.get(this.op)!.run(
      inputs,
      Object.fromEntries(this.#params),
      this.attrs,
      { training: this.training, rng: this.rng },
    );
  }

  /** Emits one node reading `input`. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    return this.emitNode(g, [input], prefix);
  }

  /** Emits one node reading `inputs` (as many as the op's arity). */
  emitNode(g: GraphBuilder, inputs: readonly string[], prefix: string): string {
    this.#arity(inputs.length);
    const params: Record<string, string> = {};
    for (const [role, p] of this.#params) params[role] = g.param(`${prefix}${role}`, p);
    return g.node(prefix.replace(/\.$/, "") || this.op, this.op, [...inputs], params, {
      ...this.attrs,
    });
  }

  #arity(n: number): void {
    const want = LAYER_OPS.get(this.op)!.arity;
    if (n !== want) {
      throw new RangeError(`Layer "${this.op}": takes ${want} input(s), got ${n}`);
    }
  }
}

/** Throws a `RangeError` unless `x` is an integer ≥ `min`. */
export function checkInt(layer: string, what: string, x: number, min = 1): void {
  if (!Number.isInteger(x) || x < min) {
    throw new RangeError(`${layer}: ${what} must be an integer ≥ ${min}, got ${x}`);
  }
}
