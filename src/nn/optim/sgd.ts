import type { Storage } from "../../backends/backend.ts";
import type { Parameter } from "../parameter.ts";
import { Optimizer } from "./optimizer.ts";

/** Options of {@linkcode SGD}. */
export interface SgdOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with momentum and weight decay (PyTorch semantics).
 *
 * @example
 * ```ts
 * import { SGD } from "./sgd.ts";
 * import { Linear } from "../linear.ts";
 * const opt = new SGD(new Linear(2, 2).parameters(), { lr: 0.1, momentum: 0.9 });
 * console.assert(opt.lr === 0.1);
 * ```
 */
export class SGD extends Optimizer {
  readonly #momentum: number;
  readonly #weightDecay: number;
  readonly #nesterov: boolean;
  readonly #velocity = new Map<Parameter, Storage>();

  /** SGD over `params`. */
  constructor(params: readonly Parameter[], opts: SgdOptions = {}) {
    super(params, opts.lr ?? 0.01);
    this.#momentum = opts.momentum ?? 0;
    this.#weightDecay = opts.weightDecay ?? 0;
    this.#nesterov = opts.nesterov ?? false;
    if (this.#momentum < 0 || this.#weightDecay < 0) {
      throw new RangeError(`SGD: momentum and weightDecay must be ≥ 0`);
    }
  }

  /** Velocity buffers per parameter. */
  protected stateBuffers(): Iterable<[Parameter, Storage[]]> {
    return [...this.#velocity].map(([p, v]) => [p, [v]] as [Parameter, Storage[]]);
  }

  /** One SGD update of `p`. */
  protected update(p: Parameter, g: Storage): void {
    let v: Storage | null = null;
    if (this.#momentum > 0) {
      v = this.#velocity.get(p) ?? p.backend.alloc(p.dtype, p.size);
      this.#velocity.set(p, v);
    }
    p.backend.sgd(p.storage, g, v, {
      lr: this.lr,
      momentum: this.#momentum,
      weightDecay: this.#weightDecay,
      nesterov: this.#nesterov,
    });
  }
}
