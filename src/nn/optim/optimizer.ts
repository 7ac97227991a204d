import type { Storage } from "../../backends/backend.ts";
import type { Parameter } from "../parameter.ts";

/**
 * Base of optimizers: holds parameters, the current learning rate, and per-parameter
 * state buffers. Masked parameters: the gradient is masked before the update and the
 * mask is re-applied after it, so pruned entries stay exactly zero.
 */
export abstract class Optimizer {
  /** Parameters updated by `step`. */
  readonly params: readonly Parameter[];
  /** Learning rate used by the next `step` (schedules set it). */
  lr: number;
  /** Number of steps taken. */
  steps = 0;

  /** An optimizer over `params` with learning rate `lr`. */
  constructor(params: readonly Parameter[], lr: number) {
    if (!(lr >= 0) || !Number.isFinite(lr)) {
      throw new RangeError(`optimizer: lr must be finite and ≥ 0, got ${lr}`);
    }
    if (params.length === 0) throw new RangeError("optimizer: no parameters to optimize");
    this.params = params;
    this.lr = lr;
  }

  /** Updates every parameter that has a gradient, then clears gradients. */
  step(): void {
    this.steps++;
    for (const p of this.params) {
      if (!p.grad) continue;
      const be = p.backend;
      let g: Storage = p.grad.storage;
      if (p.mask) {
        const masked = be.alloc(p.dtype, p.size);
        be.binary("mul", g, p.shape, p.mask.storage, p.shape, masked, p.shape);
        g = masked;
      }
      this.update(p, g);
      if (g !== p.grad.storage) be.free(g);
      if (p.mask) be.binary("mul", p.storage, p.shape, p.mask.storage, p.shape, p.storage, p.shape);
      p.grad = null;
    }
    // One submit of queued device work per training step (WebGPU collects a step's commands).
    for (const be of new Set(this.params.map((p) => p.backend))) be.submit?.();
  }

  /** Frees the optimizer's state buffers (moments, velocities); it must not step afterwards. */
  dispose(): void {
    for (const [p, storages] of this.stateBuffers()) for (const s of storages) p.backend.free(s);
  }

  /** The state buffers per parameter (for `dispose`). */
  protected abstract stateBuffers(): Iterable<[Parameter, Storage[]]>;

  /** Clears gradients without updating. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Applies one update to `p` with gradient storage `g`. */
  protected abstract update(p: Parameter, g: Storage): void;
}
