/**
 * Normalizations: BatchNormalization (inference form; training_mode=1 of opset ≥ 14 too,
 * with batch statistics and the running mean and variance outputs), LayerNormalization
 * (opset 17: Y, and the optional Mean and InvStdDev outputs) and InstanceNormalization.
 * Statistics are computed in float64 in two passes.
 *
 * @module
 */
import { ELEM_TYPES, type HostTensor, sizeOf } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { broadcastsTo, expandTo } from "./broadcast.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { result } from "./store.ts";

function perChannel(c: OpCall, t: HostTensor, name: string, ch: number): Float64Array {
  if (t.data.length !== ch) {
    c.fail(`${name} ${fmtDims(t.dims)} must hold ${ch} values`);
  }
  return t.data;
}

/** Mean and population variance of each group `g` of data laid out as [outer, groups, inner]. */
function moments(
  xs: Float64Array,
  outer: number,
  groups: number,
  inner: number,
): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(groups), variance = new Float64Array(groups);
  const count = outer * inner;
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * groups + g) * inner;
      for (let i = 0; i < inner; i++) s += xs[base + i];
    }
    const mu = s / count;
    let q = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * groups + g) * inner;
      for (let i = 0; i < inner; i++) q += (xs[base + i] - mu) ** 2;
    }
    mean[g] = mu;
    variance[g] = q / count;
  }
  return { mean, variance };
}

const batchNorm = hostOp("BatchNormalization", (c: OpCall) => {
  const x = c.input(0, "X");
  if (x.dims.length < 1) c.fail("X must have rank ≥ 1");
  const spatial = c.opset < 9 ? c.int("spatial", 1) !== 0 : true;
  const nb = x.dims[0] ?? 1;
  const ch = spatial ? (x.dims[1] ?? 1) : sizeOf(x.dims.slice(1));
  const inner = spatial ? sizeOf(x.dims.slice(2)) : 1;
  const scale = perChannel(c, c.input(1, "scale"), "scale", ch);
  const bias = perChannel(c, c.input(2, "B"), "B", ch);
  let mean = perChannel(c, c.input(3, "input_mean"), "input_mean", ch);
  let variance = perChannel(c, c.input(4, "input_var"), "input_var", ch);
  const eps = c.float("epsilon", 1e-5);
  const training = c.opset >= 14 && c.int("training_mode", 0) !== 0;
  const extra: HostTensor[] = [];
  if (training) {
    const m = c.float("momentum", 0.9), stats = moments(x.data, nb, ch, inner);
    const run = (old: Float64Array, now: Float64Array) =>
      result(c.inputs[3]!.dtype, [ch], old.map((v, i) => v * m + now[i] * (1 - m)));
    extra.push(run(mean, stats.mean), run(variance, stats.variance));
    mean = stats.mean;
    variance = stats.variance;
  }
  const src = x.data, out = new Float64Array(src.length);
  for (let n = 0; n < nb; n++) {
    for (let k = 0; k < ch; k++) {
      const a = scale[k] / Math.sqrt(variance[k] + eps), b = bias[k] - mean[k] * a;
      const base = (n * ch + k) * inner;
      for (let i = base; i < base + inner; i++) out[i] = src[i] * a + b;
    }
  }
  return [result(x.dtype, [...x.dims], out), ...extra];
});

const layerNorm = hostOp("LayerNormalization", (c: OpCall) => {
  const x = c.input(0, "X"), scale = c.input(1, "Scale"), bias = c.optional(2);
  const r = x.dims.length, axis = c.axis(c.int("axis", -1), r);
  const eps = c.float("epsilon", 1e-5);
  const stash = ELEM_TYPES[c.int("stash_type", 1)] ?? c.fail(`stash_type ${c.attr("stash_type")}`);
  const tail = x.dims.slice(axis), outer = sizeOf(x.dims.slice(0, axis)), inner = sizeOf(tail);
  for (const [name, t] of [["Scale", scale], ["B", bias]] as const) {
    if (t && !broadcastsTo(t.dims, tail)) {
      c.fail(`${name} ${fmtDims(t.dims)} does not broadcast to ${fmtDims(tail)}`);
    }
  }
  const s = expandTo(scale, tail), b = bias ? expandTo(bias, tail) : undefined;
  const src = x.data, out = new Float64Array(src.length);
  const means = new Float64Array(outer), inv = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let sum = 0;
    for (let i = 0; i < inner; i++) sum += src[base + i];
    const mu = sum / inner;
    let q = 0;
    for (let i = 0; i < inner; i++) q += (src[base + i] - mu) ** 2;
    const k = 1 / Math.sqrt(q / inner + eps);
    means[o] = mu;
    inv[o] = k;
    for (let i = 0; i < inner; i++) {
      out[base + i] = (src[base + i] - mu) * k * s[i] + (b ? b[i] : 0);
    }
  }
  const statDims = [...x.dims.slice(0, axis), ...tail.map(() => 1)];
  return [
    result(x.dtype, [...x.dims], out),
    result(stash, statDims, means),
    result(stash, [...statDims], inv),
  ];
});

const instanceNorm = hostOp("InstanceNormalization", (c: OpCall) => {
  const x = c.input(0, "input");
  if (x.dims.length < 3) c.fail(`input ${fmtDims(x.dims)} must have rank ≥ 3`);
  const [nb, ch] = x.dims, inner = sizeOf(x.dims.slice(2));
  const scale = perChannel(c, c.input(1, "scale"), "scale", ch);
  const bias = perChannel(c, c.input(2, "B"), "B", ch);
  const eps = c.float("epsilon", 1e-5);
  const src = x.data, out = new Float64Array(src.length);
  for (let p = 0; p < nb * ch; p++) {
    const k = p % ch, base = p * inner;
    const { mean, variance } = moments(src.subarray(base, base + inner), 1, 1, inner);
    const a = scale[k] / Math.sqrt(variance[0] + eps);
    for (let i = base; i < base + inner; i++) out[i] = (src[i] - mean[0]) * a + bias[k];
  }
  return [result(x.dtype, [...x.dims], out)];
});

/** The normalization ops by ONNX op type. */
export const NORM_OPS: Readonly<Record<string, HostOp>> = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  InstanceNormalization: instanceNorm,
};
