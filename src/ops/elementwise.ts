/**
 * Elementwise ops: broadcasting binary arithmetic, unary math and activations, and the
 * scalar affine map. Gradients of broadcast inputs are summed back to their shapes.
 *
 * @module
 */
import type { BinaryKind, UnaryKind } from "../backends/backend.ts";
import { broadcastShapes, sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, type OpDef } from "./op.ts";
import { sumTo } from "./reduce.ts";

function binaryOp(
  kind: BinaryKind,
  grads: (g: Tensor, a: Tensor, b: Tensor) => [Tensor, Tensor],
): OpDef<void> {
  return {
    name: kind,
    channels: "pointwise",
    infer: ([a, b]) => broadcastShapes(a.shape, b.shape, kind),
    forward: (be, [a, b], out) =>
      be.binary(kind, a.storage, a.shape, b.storage, b.shape, out.storage, out.shape),
    backward: (g, [a, b], _out, _attrs, needs) => {
      const [ga, gb] = grads(g, a, b);
      return [needs[0] ? sumTo(ga, a.shape) : null, needs[1] ? sumTo(gb, b.shape) : null];
    },
  };
}

/** `a + b` with broadcasting. */
export const addOp: OpDef<void> = binaryOp("add", (g) => [g, g]);
/** `a − b` with broadcasting. */
export const subOp: OpDef<void> = binaryOp("sub", (g) => [g, neg(g)]);
/** `a · b` elementwise with broadcasting. */
export const mulOp: OpDef<void> = binaryOp("mul", (g, a, b) => [mul(g, b), mul(g, a)]);
/** `a / b` elementwise with broadcasting. */
export const divOp: OpDef<void> = binaryOp("div", (g, a, b) => {
  const ga = div(g, b);
  return [ga, neg(mul(ga, div(a, b)))];
});

/**
 * Elementwise sum with NumPy broadcasting.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { add } from "./elementwise.ts";
 * const y = add(tensor([1, 2, 3, 4], [2, 2]), tensor([10, 20], [2]));
 * console.assert(y.toArray()[3] === 24);
 * ```
 */
export function add(a: Tensor, b: Tensor): Tensor {
  return apply(addOp, [a, b], undefined);
}
/** Elementwise difference with broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return apply(subOp, [a, b], undefined);
}
/** Elementwise product with broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return apply(mulOp, [a, b], undefined);
}
/** Elementwise quotient with broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  return apply(divOp, [a, b], undefined);
}

function unaryOp(
  kind: UnaryKind,
  grad?: (g: Tensor, x: Tensor, y: Tensor) => Tensor,
): OpDef<void> {
  return {
    name: kind,
    channels: "pointwise",
    infer: ([x]) => x.shape,
    forward: (be, [x], out) => be.unary(kind, x.storage, out.storage),
    backward: grad ? (g, [x], y) => [grad(g, x, y)] : undefined,
  };
}

/** Unary ops by kernel kind; `step` and the `*_grad` kernels are not differentiable. */
export const UNARY_OPS: Readonly<Record<UnaryKind, OpDef<void>>> = {
  neg: unaryOp("neg", (g) => neg(g)),
  exp: unaryOp("exp", (g, _x, y) => mul(g, y)),
  log: unaryOp("log", (g, x) => div(g, x)),
  sqrt: unaryOp("sqrt", (g, _x, y) => scale(div(g, y), 0.5)),
  abs: unaryOp("abs", (g, x) => mul(g, sub(unary("step", x), unary("step", neg(x))))),
  square: unaryOp("square", (g, x) => mul(g, scale(x, 2))),
  reciprocal: unaryOp("reciprocal", (g, _x, y) => neg(mul(g, unary("square", y)))),
  relu: unaryOp("relu", (g, x) => mul(g, unary("step", x))),
  step: unaryOp("step"),
  gelu: unaryOp("gelu", (g, x) => mul(g, unary("gelu_grad", x))),
  gelu_grad: unaryOp("gelu_grad"),
  tanh: unaryOp("tanh", (g, _x, y) => mul(g, scale(unary("square", y), -1, 1))),
  sigmoid: unaryOp("sigmoid", (g, _x, y) => mul(g, mul(y, scale(y, -1, 1)))),
  silu: unaryOp("silu", (g, x) => mul(g, unary("silu_grad", x))),
  silu_grad: unaryOp("silu_grad"),
  hardswish: unaryOp("hardswish", (g, x) => mul(g, unary("hardswish_grad", x))),
  hardswish_grad: unaryOp("hardswish_grad"),
};

/** Applies the unary op `kind` elementwise. */
export function unary(kind: UnaryKind, x: Tensor): Tensor {
  return apply(UNARY_OPS[kind], [x], undefined);
}
/** `−x`. */
export function neg(x: Tensor): Tensor {
  return unary("neg", x);
}
/** `max(x, 0)` (NaN stays NaN). */
export function relu(x: Tensor): Tensor {
  return unary("relu", x);
}
/** GELU, tanh approximation: `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`. */
export function gelu(x: Tensor): Tensor {
  return unary("gelu", x);
}
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary("tanh", x);
}
/** Logistic sigmoid `1 / (1 + e^−x)`, computed without overflow. */
export function sigmoid(x: Tensor): Tensor {
  return unary("sigmoid", x);
}
/** Natural exponential. */
export function exp(x: Tensor): Tensor {
  return unary("exp", x);
}
/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unary("log", x);
}

/** Attributes of {@linkcode scaleOp}. */
export interface ScaleAttrs {
  mul: number;
  add: number;
}

/** `x·mul + add` with scalar constants. */
export const scaleOp: OpDef<ScaleAttrs> = {
  name: "scale",
  channels: "pointwise",
  infer: ([x], { mul, add }) => {
    if (!Number.isFinite(mul) || !Number.isFinite(add)) {
      throw new RangeError(`scale: constants must be finite, got mul=${mul} add=${add}`);
    }
    return x.shape;
  },
  forward: (be, [x], out, a) => be.scalar(x.storage, a.mul, a.add, out.storage),
  backward: (g, _x, _y, a) => [scale(g, a.mul)],
};

/** `x·mul + add` for scalar constants. */
export function scale(x: Tensor, mul: number, add = 0): Tensor {
  return apply(scaleOp, [x], { mul, add });
}

/** True when two tensors have the same shape. */
export function sameShapeAs(a: Tensor, b: Tensor): boolean {
  return sameShape(a.shape, b.shape);
}
