import type { Backend, Storage } from "../backends/backend.ts";
import type { DType, TypedArray } from "./dtype.ts";
import { formatShape, type Shape, sizeOf } from "./shape.ts";
import { trackTensor } from "./scope.ts";

/** What autograd records for a tensor produced by an op: enough to replay its gradient. */
export interface TapeNode {
  /** Name of the op in the op table. */
  readonly op: string;
  /** The op's inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** Computes the input gradients from the output gradient (null where not needed). */
  readonly backward: (grad: Tensor, needs: readonly boolean[]) => (Tensor | null)[];
}

/** Tensors sharing a storage (only counted once a view exists). */
const views = new WeakMap<Storage, number>();

/**
 * A dense, contiguous, row-major tensor of float32 (or float64) elements whose storage
 * belongs to one backend. Tensors are values: ops return new tensors; only optimizers
 * and masks write parameters in place, through backend kernels.
 *
 * @example
 * ```ts
 * import { tensor } from "./create.ts";
 * const t = tensor([1, 2, 3, 4], [2, 2]);
 * console.assert(t.shape[0] === 2 && t.toArray()[3] === 4);
 * ```
 */
export class Tensor {
  /** Axis sizes. */
  readonly shape: Shape;
  /** The backend that owns the storage. */
  readonly backend: Backend;
  /** Backend memory holding `size` elements (shared by reshaped views). */
  readonly storage: Storage;
  /** Whether gradients flow to this tensor. Leaves with this set receive `.grad`. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while autograd records. */
  node: TapeNode | null = null;

  /** Wraps existing storage; the storage must hold exactly `sizeOf(shape)` elements. */
  constructor(shape: Shape, storage: Storage, backend: Backend) {
    if (storage.size !== sizeOf(shape)) {
      throw new RangeError(
        `Tensor: shape ${formatShape(shape)} needs ${
          sizeOf(shape)
        } elements, storage has ${storage.size}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.storage = storage;
    this.backend = backend;
    trackTensor(this);
  }

  #disposed = false;

  /** Whether `dispose` was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Returns the storage to the backend now, or once every view sharing it is disposed
   * too; the tensor must not be used afterwards.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const n = views.get(this.storage);
    if (n === undefined) this.backend.free(this.storage);
    else if (n > 1) views.set(this.storage, n - 1);
    else {
      views.delete(this.storage);
      this.backend.free(this.storage);
    }
  }

  /**
   * The same elements under another shape of the same size, sharing this tensor's
   * storage (outside autograd: `reshape` records the op). Writes to one show in the other.
   *
   * @example
   * ```ts
   * import { tensor } from "./create.ts";
   * const t = tensor([1, 2, 3, 4]);
   * const v = t.view([2, 2]);
   * t.dispose(); // the storage lives on in v
   * console.assert(v.toArray()[3] === 4);
   * ```
   */
  view(shape: Shape): Tensor {
    if (this.#disposed) throw new TypeError(`Tensor.view: ${this} was disposed`);
    const v = new Tensor(shape, this.storage, this.backend);
    views.set(this.storage, (views.get(this.storage) ?? 1) + 1);
    return v;
  }

  /** Element type. */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** Number of elements. */
  get size(): number {
    return this.storage.size;
  }
  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** A copy of the elements (CPU backends). */
  toArray(): TypedArray {
    if (!this.backend.capabilities.syncRead) {
      throw new TypeError(
        `Tensor.toArray: backend "${this.backend.name}" reads asynchronously; use await tensor.data()`,
      );
    }
    return this.backend.readSync(this.storage);
  }

  /** A copy of the elements, on any backend. */
  data(): Promise<TypedArray> {
    return this.backend.read(this.storage);
  }

  /** The single element of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new RangeError(
        `Tensor.item: tensor of shape ${formatShape(this.shape)} is not a scalar`,
      );
    }
    return this.toArray()[0];
  }

  /** A tensor sharing nothing with this one, outside autograd. */
  clone(): Tensor {
    const s = this.backend.alloc(this.dtype, this.size);
    this.backend.copy(this.storage, s);
    return new Tensor(this.shape, s, this.backend);
  }

  /** `Tensor[2,3] float32 (js)`. */
  toString(): string {
    return `Tensor${formatShape(this.shape)} ${this.dtype} (${this.backend.name})`;
  }
}
