/**
 * The op definition and the one function that applies an op: validate inputs, infer
 * the output shape, allocate, run the backend kernel, and record the gradient rule.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { isGradEnabled } from "../tensor/grad_mode.ts";
import { formatShape, type Shape, sizeOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { DType } from "../tensor/dtype.ts";

/**
 * How an op's output channels relate to its inputs' channels (the channel axis is the
 * last axis for dense features, axis 1 for NCHW images). Minimization relies on it.
 * - `pointwise`: channel c of the output depends only on channel c of each input.
 * - `mixing`: every output channel may depend on every input channel (matmul).
 * - `reindex`: elements move, channels map through an index map (reshape, permute,
 *   slice, index-select).
 * - `reduce`: reduces over axes; channels on kept axes map to themselves.
 * - `coupled`: a normalization over the channel axis couples all channels (softmax).
 * - `source`: produces a tensor from non-tensor data (one-hot).
 */
export type ChannelMap = "pointwise" | "mixing" | "reindex" | "reduce" | "coupled" | "source";

/** An entry of the closed op table. */
export interface OpDef<A> {
  /** Unique op name. */
  readonly name: string;
  /** Channel mapping, see {@linkcode ChannelMap}. */
  readonly channels: ChannelMap;
  /** Validates inputs and attributes, returns the output shape. Throws on bad input. */
  infer(inputs: readonly Tensor[], attrs: A): Shape;
  /**
   * The output is input 0's elements under a new shape (reshape): it shares their storage
   * and no kernel runs (`forward` is not called).
   */
  readonly view?: boolean;
  /** Runs the backend kernel(s) into `out`. */
  forward(backend: Backend, inputs: readonly Tensor[], out: Tensor, attrs: A): void;
  /**
   * Gradient of each input given the output gradient, written with ops (so every
   * backend gets it). Omitted for ops that are not differentiable.
   */
  backward?(
    grad: Tensor,
    inputs: readonly Tensor[],
    out: Tensor,
    attrs: A,
    needs: readonly boolean[],
  ): (Tensor | null)[];
}

/** Applies `op` to `inputs`: the single path every tensor computation goes through. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const backend = checkInputs(op.name, inputs);
  const shape = op.infer(inputs, attrs);
  let out: Tensor;
  if (op.view) {
    out = inputs[0].view(shape);
  } else {
    out = uninitialized(shape, inputs[0].dtype, backend);
    // An empty output (a layer whose channels minimization removed) needs no kernel.
    if (out.size > 0) op.forward(backend, inputs, out, attrs);
  }
  if (op.backward && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    const backward = op.backward;
    out.requiresGrad = true;
    out.node = {
      op: op.name,
      inputs,
      backward: (grad, needs) => backward(grad, inputs, out, attrs, needs),
    };
  }
  return out;
}

/**
 * A tensor whose contents a kernel is about to overwrite entirely (op outputs, and the
 * buffers of gradient rules that call a kernel directly): no zero fill.
 */
export function uninitialized(shape: Shape, dtype: DType, backend: Backend): Tensor {
  const size = sizeOf(shape);
  const storage = backend.allocUninitialized?.(dtype, size) ?? backend.alloc(dtype, size);
  return new Tensor(shape, storage, backend);
}

/** Checks that inputs are tensors on one backend with one dtype; returns the backend. */
export function checkInputs(op: string, inputs: readonly Tensor[]): Backend {
  if (inputs.length === 0) throw new TypeError(`${op}: no inputs`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`${op}: input ${i} must be a Tensor, got ${describe(t)}`);
    }
  });
  const { backend, dtype } = inputs[0];
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].backend !== backend) {
      throw new TypeError(
        `${op}: input ${i} lives on backend "${
          inputs[i].backend.name
        }", input 0 on "${backend.name}"`,
      );
    }
    if (inputs[i].dtype !== dtype) {
      throw new TypeError(`${op}: input ${i} is ${inputs[i].dtype}, input 0 is ${dtype}`);
    }
  }
  return backend;
}

/** Throws a `RangeError` unless `t` has rank `rank`. */
export function expectRank(op: string, what: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) {
    throw new RangeError(
      `${op}: ${what} must have rank ${rank}, got shape ${formatShape(t.shape)}`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return v.constructor?.name ?? "object";
  return typeof v;
}
