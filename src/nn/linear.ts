import { type CreateOptions, referenceBackend } from "../tensor/create.ts";
import { Rng } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import { linear } from "./functional.ts";
import { reshape } from "../ops/shape_ops.ts";
import { type InitKind, initWeights } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@linkcode Linear}. */
export interface LinearOptions {
  /** Include a bias (default true). */
  bias?: boolean;
  /** Weight initializer (default `kaiming_normal`); biases start at zero. */
  init?: InitKind;
  /** Generator for the initial weights (default `new Rng(0)`). */
  rng?: Rng;
  /** Backend for the parameters. */
  backend?: CreateOptions["backend"];
}

/**
 * Fully-connected layer `y = x·Wᵀ + b`, weight `[out, in]`.
 *
 * @example
 * ```ts
 * import { Linear } from "./linear.ts";
 * import { Rng } from "../tensor/random.ts";
 * import { zeros } from "../tensor/create.ts";
 * const fc = new Linear(784, 300, { rng: new Rng(1) });
 * console.assert(fc.forward(zeros([2, 784])).shape[1] === 300);
 * ```
 */
export class Linear extends Module {
  /** `[out, in]`. */
  readonly weight: Parameter;
  /** `[out]` or null. */
  readonly bias: Parameter | null;

  /** A layer from `inFeatures` to `outFeatures`. */
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [k, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`Linear: ${k} must be an integer ≥ 1, got ${v}`);
      }
    }
    const rng = opts.rng ?? new Rng(0);
    const w = initWeights([outFeatures, inFeatures], opts.init ?? "kaiming_normal", rng);
    const backend = opts.backend ?? referenceBackend();
    this.weight = Parameter.of(w, [outFeatures, inFeatures], backend);
    this.bias = opts.bias === false
      ? null
      : Parameter.of(new Float32Array(outFeatures), [outFeatures], backend);
  }

  /** `weight` and, if present, `bias`. */
  override ownParameters(): [string, Parameter][] {
    return this.bias ? [["weight", this.weight], ["bias", this.bias]] : [["weight", this.weight]];
  }

  /** `x·Wᵀ + b` on the last axis (`x` of rank ≥ 2). */
  forward(x: Tensor): Tensor {
    if (x.rank <= 2) return linear(x, this.weight, this.bias);
    const lead = x.shape.slice(0, -1);
    const rows = reshape(x, [lead.reduce((a, b) => a * b, 1), x.shape[x.rank - 1]]);
    return reshape(linear(rows, this.weight, this.bias), [...lead, this.weight.shape[0]]);
  }

  /** Emits one `linear` node. */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    const params: Record<string, string> = { weight: g.param(`${prefix}weight`, this.weight) };
    if (this.bias) params.bias = g.param(`${prefix}bias`, this.bias);
    return g.node(prefix.replace(/\.$/, "") || "linear", "linear", [input], params);
  }
}
