import type { Backend, Storage } from "../backends/backend.ts";
import { formatShape, sameShape, type Shape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { allocArray, type DType } from "../tensor/dtype.ts";
import { untrackTensor } from "../tensor/scope.ts";

/**
 * A trainable tensor. It may carry a `mask` of the same shape (0 = pruned): optimizers
 * keep masked entries exactly zero and ignore their gradients.
 *
 * @example
 * ```ts
 * import { Parameter } from "./parameter.ts";
 * import { zeros } from "../tensor/create.ts";
 * const p = Parameter.from(zeros([2, 3]));
 * console.assert(p.requiresGrad && p.mask === null);
 * ```
 */
export class Parameter extends Tensor {
  #mask: Tensor | null = null;

  /** Wraps storage as a parameter (requiresGrad on). */
  constructor(shape: Shape, storage: Storage, backend: Backend) {
    super(shape, storage, backend);
    untrackTensor(this);
    this.requiresGrad = true;
  }

  /** A parameter holding a copy of `t`'s elements. */
  static from(t: Tensor): Parameter {
    const s = t.backend.alloc(t.dtype, t.size);
    t.backend.copy(t.storage, s);
    return new Parameter(t.shape, s, t.backend);
  }

  /** A parameter holding `values` (no intermediate tensor). */
  static of(
    values: ArrayLike<number>,
    shape: Shape,
    backend: Backend,
    dtype: DType = "float32",
  ): Parameter {
    const data = allocArray(dtype, values.length);
    data.set(values);
    return new Parameter(shape, backend.upload(data), backend);
  }

  /** The pruning mask, or null when every entry is trainable. */
  get mask(): Tensor | null {
    return this.#mask;
  }

  /** Sets (and applies) a mask of the same shape, or clears it with null. */
  set mask(m: Tensor | null) {
    if (m !== null) {
      if (!sameShape(m.shape, this.shape)) {
        throw new RangeError(
          `Parameter.mask: mask shape ${formatShape(m.shape)} differs from parameter ${
            formatShape(this.shape)
          }`,
        );
      }
      if (m.backend !== this.backend) {
        throw new TypeError("Parameter.mask: mask is on another backend");
      }
      this.backend.binary(
        "mul",
        this.storage,
        this.shape,
        m.storage,
        m.shape,
        this.storage,
        this.shape,
      );
      untrackTensor(m);
    }
    this.#mask = m;
  }

  /** Overwrites the elements (same size), keeping the mask applied. */
  assign(values: ArrayLike<number>): void {
    if (values.length !== this.size) {
      throw new RangeError(`Parameter.assign: ${values.length} values for ${this.size} elements`);
    }
    const data = this.backend.readSync(this.storage);
    data.set(values);
    this.backend.write(this.storage, data);
    if (this.#mask) this.mask = this.#mask;
  }
}
