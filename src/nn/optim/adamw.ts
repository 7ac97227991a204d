import type { Storage } from "../../backends/backend.ts";
import type { Parameter } from "../parameter.ts";
import { Optimizer } from "./optimizer.ts";

/** Options of {@linkcode AdamW}. */
export interface AdamWOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Denominator term (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay (default 0, i.e. Adam). */
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), bias-corrected.
 *
 * @example
 * ```ts
 * import { AdamW } from "./adamw.ts";
 * import { Linear } from "../linear.ts";
 * const opt = new AdamW(new Linear(2, 2).parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * console.assert(opt.steps === 0);
 * ```
 */
export class AdamW extends Optimizer {
  readonly #o: Required<Omit<AdamWOptions, "lr">>;
  readonly #state = new Map<Parameter, [Storage, Storage]>();

  /** AdamW over `params`. */
  constructor(params: readonly Parameter[], opts: AdamWOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.#o = {
      beta1: opts.beta1 ?? 0.9,
      beta2: opts.beta2 ?? 0.999,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
    };
    const { beta1, beta2, eps } = this.#o;
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0)) {
      throw new RangeError(`AdamW: need 0 ≤ beta < 1 and eps > 0, got ${beta1}, ${beta2}, ${eps}`);
    }
  }

  /** Moment buffers per parameter. */
  protected stateBuffers(): Iterable<[Parameter, Storage[]]> {
    return this.#state.entries();
  }

  /** One AdamW update of `p`. */
  protected update(p: Parameter, g: Storage): void {
    let s = this.#state.get(p);
    if (!s) {
      s = [p.backend.alloc(p.dtype, p.size), p.backend.alloc(p.dtype, p.size)];
      this.#state.set(p, s);
    }
    p.backend.adamw(p.storage, g, s[0], s[1], { ...this.#o, lr: this.lr, step: this.steps });
  }
}
