/**
 * Multi-head self-attention as a module: separate query, key, value and output
 * projections around an `attention` node (see `graph/token_ops.ts`), so each projection
 * is a plain `linear` node that pruning and minimization handle like any other.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import { multiHeadAttention } from "./attention_functional.ts";
import { checkInt } from "./layer.ts";
import { Linear, type LinearOptions } from "./linear.ts";
import { Module } from "./module.ts";

/** Options of {@linkcode SelfAttention}. */
export interface SelfAttentionOptions extends LinearOptions {
  /** Query `t` attends to keys `0..t` only. @default false */
  causal?: boolean;
}

/**
 * `o(attention(q(x), k(x), v(x)))` over `heads` heads of `dim/heads` channels each, on
 * token streams `[B, T, dim]`. Node names: `q`, `k`, `v`, `attn`, `o` under the prefix.
 *
 * @example
 * ```ts
 * import { SelfAttention } from "./attention.ts";
 * import { zeros } from "../tensor/create.ts";
 * const mha = new SelfAttention(8, 2);
 * console.assert(mha.forward(zeros([3, 5, 8])).shape.join() === "3,5,8");
 * ```
 */
export class SelfAttention extends Module {
  /** Query projection. */
  readonly q: Linear;
  /** Key projection. */
  readonly k: Linear;
  /** Value projection. */
  readonly v: Linear;
  /** Output projection. */
  readonly o: Linear;
  /** Head count. */
  readonly heads: number;
  /** Causal masking. */
  readonly causal: boolean;

  /** Attention over `dim` channels in `heads` equal heads. */
  constructor(dim: number, heads: number, opts: SelfAttentionOptions = {}) {
    super();
    checkInt("SelfAttention", "dim", dim);
    checkInt("SelfAttention", "heads", heads);
    if (dim % heads !== 0) {
      throw new RangeError(`SelfAttention: dim ${dim} is not a multiple of heads ${heads}`);
    }
    const lin = { init: "xavier_normal" as const, ...opts };
    this.q = new Linear(dim, dim, lin);
    this.k = new Linear(dim, dim, lin);
    this.v = new Linear(dim, dim, lin);
    this.o = new Linear(dim, dim, lin);
    this.heads = heads;
    this.causal = opts.causal ?? false;
  }

  /** The attention node's attributes. */
  get attrs(): { qk: number[]; v: number[]; scale: number; causal: boolean } {
    const w = this.q.weight.shape[0] / this.heads;
    const widths = new Array(this.heads).fill(w);
    return { qk: widths, v: [...widths], scale: 1 / Math.sqrt(w), causal: this.causal };
  }

  /** The projections, by name. */
  override children(): [string, Module][] {
    return [["q", this.q], ["k", this.k], ["v", this.v], ["o", this.o]];
  }

  /** Attention of `x [B, T, dim]` with itself. */
  forward(x: Tensor): Tensor {
    const a = multiHeadAttention(
      this.q.forward(x),
      this.k.forward(x),
      this.v.forward(x),
      this.attrs,
    );
    return this.o.forward(a);
  }

  /** Emits the projections and the attention node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    const [q, k, v] = (["q", "k", "v"] as const).map((r) =>
      this[r].emit(g, input, `${prefix}${r}.`)
    );
    const a = g.node(`${prefix}attn`, "attention", [q, k, v], {}, this.attrs);
    return this.o.emit(g, a, `${prefix}o.`);
  }
}
