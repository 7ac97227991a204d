/**
 * Activation functions: Relu, LeakyRelu, PRelu, Sigmoid, HardSigmoid, HardSwish, Tanh,
 * Gelu (approximate none or tanh), Elu, Selu, Celu, Softplus, Softsign, Mish,
 * ThresholdedRelu, Shrink and Clip (bounds as attributes before opset 11, as optional
 * inputs from 11). Results keep the input's element type.
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { broadcastDims, expandTo } from "./broadcast.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";
import { erf, unaryOp } from "./unary.ts";

/** The logistic function, without overflow for large |v|. */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** log(1 + exp(v)), without overflow for large v. */
function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const prelu = hostOp("PRelu", (c: OpCall) => {
  const x = c.input(0, "X"), slope = c.input(1, "slope");
  const dims = broadcastDims(c, [x.dims, slope.dims]);
  if (dims.length !== x.dims.length || dims.some((d, i) => d !== x.dims[i])) {
    c.fail(`slope ${fmtDims(slope.dims)} does not broadcast to X ${fmtDims(x.dims)}`);
  }
  const s = expandTo(slope, dims), src = x.data, out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] < 0 ? src[i] * s[i] : src[i];
  return [result(x.dtype, dims, out)];
});

const clip = hostOp("Clip", (c: OpCall) => {
  const x = c.input(0, "input");
  const lo = c.opset < 11 ? c.float("min", -Infinity) : c.scalarInput(1, "min") ?? -Infinity;
  const hi = c.opset < 11 ? c.float("max", Infinity) : c.scalarInput(2, "max") ?? Infinity;
  const src = x.data, out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    out[i] = v < lo ? lo : v;
    if (out[i] > hi) out[i] = hi;
  }
  return [result(x.dtype, [...x.dims], out)];
});

/** The activation ops by ONNX op type. */
export const ACTIVATION_OPS: Readonly<Record<string, HostOp>> = {
  Relu: unaryOp("Relu", () => (v) => (v > 0 ? v : v === v ? 0 : v)),
  LeakyRelu: unaryOp("LeakyRelu", (c) => {
    const alpha = c.float("alpha", 0.01);
    return (v) => (v >= 0 ? v : alpha * v);
  }),
  PRelu: prelu,
  Sigmoid: unaryOp("Sigmoid", () => sigmoid),
  HardSigmoid: unaryOp("HardSigmoid", (c) => {
    const alpha = c.float("alpha", 0.2), beta = c.float("beta", 0.5);
    return (v) => Math.max(0, Math.min(1, alpha * v + beta));
  }),
  HardSwish: unaryOp("HardSwish", () => (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))),
  Tanh: unaryOp("Tanh", () => Math.tanh),
  Gelu: unaryOp("Gelu", (c) => {
    const approx = c.str("approximate", "none");
    if (approx === "tanh") {
      return (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    }
    if (approx !== "none") c.fail(`approximate "${approx}" is not none or tanh`);
    return (v) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  }),
  Elu: unaryOp("Elu", (c) => {
    const alpha = c.float("alpha", 1);
    return (v) => (v >= 0 ? v : alpha * Math.expm1(v));
  }),
  Selu: unaryOp("Selu", (c) => {
    const alpha = c.float("alpha", 1.67326319217681884765625);
    const gamma = c.float("gamma", 1.05070102214813232421875);
    return (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v));
  }),
  Celu: unaryOp("Celu", (c) => {
    const alpha = c.float("alpha", 1);
    return (v) => Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha));
  }),
  Softplus: unaryOp("Softplus", () => softplus),
  Softsign: unaryOp("Softsign", () => (v) => v / (1 + Math.abs(v))),
  Mish: unaryOp("Mish", () => (v) => v * Math.tanh(softplus(v))),
  ThresholdedRelu: unaryOp("ThresholdedRelu", (c) => {
    const alpha = c.float("alpha", 1);
    return (v) => (v > alpha ? v : 0);
  }),
  Shrink: unaryOp("Shrink", (c) => {
    const bias = c.float("bias", 0), lambd = c.float("lambd", 0.5);
    return (v) => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);
  }),
  Clip: clip,
};
