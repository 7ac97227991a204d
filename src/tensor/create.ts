import type { Backend } from "../backends/backend.ts";
import { createReferenceBackend } from "../backends/js/reference_backend.ts";
import { allocArray, type DType, type TypedArray } from "./dtype.ts";
import type { Rng } from "./random.ts";
import { checkShape, formatShape, type Shape, sizeOf } from "./shape.ts";
import { Tensor } from "./tensor.ts";

let shared: Backend | null = null;

/**
 * The reference backend instance used when no backend is passed. Created on first call
 * (nothing is set up on import).
 */
export function referenceBackend(): Backend {
  shared ??= createReferenceBackend();
  return shared;
}

/** Options shared by tensor factories. */
export interface CreateOptions {
  /** Backend that will own the storage (default: the reference backend). */
  backend?: Backend;
  /** Element type (default `float32`). */
  dtype?: DType;
  /** Mark the tensor as a leaf that receives gradients. */
  requiresGrad?: boolean;
}

function make(shape: Shape, data: TypedArray, opts: CreateOptions): Tensor {
  const backend = opts.backend ?? referenceBackend();
  if (!backend.capabilities.dtypes.includes(opts.dtype ?? "float32")) {
    throw new TypeError(`backend "${backend.name}" does not support dtype ${opts.dtype}`);
  }
  const t = new Tensor(shape, backend.upload(data), backend);
  t.requiresGrad = opts.requiresGrad ?? false;
  return t;
}

/**
 * A tensor from values (nested arrays are not accepted: pass flat values and a shape).
 *
 * @example
 * ```ts
 * import { tensor } from "./create.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.assert(x.size === 6);
 * ```
 */
export function tensor(
  values: ArrayLike<number>,
  shape: Shape = [values.length],
  opts: CreateOptions = {},
): Tensor {
  checkShape(shape, "tensor");
  if (values.length !== sizeOf(shape)) {
    throw new RangeError(
      `tensor: ${values.length} values do not fill shape ${formatShape(shape)} (${
        sizeOf(shape)
      } elements)`,
    );
  }
  const data = allocArray(opts.dtype ?? "float32", values.length);
  data.set(values as ArrayLike<number>);
  return make(shape, data, opts);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  checkShape(shape, "full");
  const data = allocArray(opts.dtype ?? "float32", sizeOf(shape));
  if (value !== 0) data.fill(value);
  return make(shape, data, opts);
}

/** A tensor of independent `N(mean, std²)` samples from `rng`. */
export function randn(
  shape: Shape,
  rng: Rng,
  opts: CreateOptions & { mean?: number; std?: number } = {},
): Tensor {
  checkShape(shape, "randn");
  const data = allocArray(opts.dtype ?? "float32", sizeOf(shape));
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return make(shape, data, opts);
}

/** A tensor of independent uniform samples in `[low, high)` from `rng`. */
export function uniform(
  shape: Shape,
  rng: Rng,
  opts: CreateOptions & { low?: number; high?: number } = {},
): Tensor {
  checkShape(shape, "uniform");
  const data = allocArray(opts.dtype ?? "float32", sizeOf(shape));
  const low = opts.low ?? 0, high = opts.high ?? 1;
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return make(shape, data, opts);
}

/** Copies `t` to another backend or dtype (a new leaf, outside autograd). */
export function toBackend(t: Tensor, backend: Backend, dtype: DType = t.dtype): Tensor {
  const src = t.toArray();
  const data = allocArray(dtype, src.length);
  data.set(src);
  return make(t.shape, data, { backend, dtype });
}
