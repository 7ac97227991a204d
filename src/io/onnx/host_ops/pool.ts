/**
 * Pools: MaxPool (with the optional Indices output, storage_order, dilations),
 * AveragePool (count_include_pad, dilations), both with pads or auto_pad and ceil_mode,
 * and GlobalAveragePool, GlobalMaxPool over every spatial axis.
 *
 * @module
 */
import { allocHost } from "../host_tensor.ts";
import type { HostTensor } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { windowOf } from "./spatial.ts";
import { result } from "./store.ts";

function poolInput(c: OpCall): HostTensor {
  const x = c.input(0, "X");
  if (x.dims.length < 3) c.fail(`X ${fmtDims(x.dims)} must have rank ≥ 3 (N, C, spatial…)`);
  return x;
}

function pool(c: OpCall, max: boolean): HostTensor[] {
  const x = poolInput(c);
  const kernel = c.ints("kernel_shape");
  if (!kernel) c.fail("attribute kernel_shape is required");
  const g = windowOf(c, x.dims.slice(2), kernel, c.int("ceil_mode", 0) !== 0);
  const [ID, IH, IW] = g.input, [KD, KH, KW] = g.kernel, [OD, OH, OW] = g.output;
  const [sd, sh, sw] = g.strides, [dd, dh, dw] = g.dilations, [pd, ph, pw] = g.begin;
  const [ed, eh, ew] = g.end;
  const includePad = c.int("count_include_pad", 0) !== 0;
  const colMajor = c.int("storage_order", 0) !== 0;
  const planes = x.dims[0] * x.dims[1], inSize = ID * IH * IW, outSize = OD * OH * OW;
  const xs = x.data;
  const out = allocHost(planes * outSize, "pool");
  const indices = max ? new Float64Array(planes * outSize) : undefined;
  for (let p = 0; p < planes; p++) {
    const xbase = p * inSize;
    let o = p * outSize;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, o++) {
          const d0 = od * sd - pd, h0 = oh * sh - ph, w0 = ow * sw - pw;
          let acc = max ? -Infinity : 0, count = 0, padded = 0, best = -1;
          for (let kd = 0; kd < KD; kd++) {
            const id = d0 + kd * dd;
            if (id < -pd || id >= ID + ed) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = h0 + kh * dh;
              if (ih < -ph || ih >= IH + eh) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = w0 + kw * dw;
                if (iw < -pw || iw >= IW + ew) continue;
                padded++;
                if (id < 0 || id >= ID || ih < 0 || ih >= IH || iw < 0 || iw >= IW) continue;
                const at = (id * IH + ih) * IW + iw, v = xs[xbase + at];
                if (!max) {
                  acc += v;
                  count++;
                } else if (v > acc || best < 0) {
                  acc = v;
                  best = colMajor ? (iw * IH + ih) * ID + id : at;
                }
              }
            }
          }
          out[o] = max ? acc : acc / (includePad ? padded : count);
          if (indices) indices[o] = xbase + best;
        }
      }
    }
  }
  const dims = [x.dims[0], x.dims[1], ...g.outSpatial];
  const y = result(x.dtype, dims, out);
  return indices ? [y, { dtype: "int64", dims: [...dims], data: indices }] : [y];
}

function globalPool(c: OpCall, max: boolean): HostTensor[] {
  const x = poolInput(c);
  const planes = x.dims[0] * x.dims[1], size = x.data.length / Math.max(planes, 1);
  const src = x.data, out = new Float64Array(planes);
  for (let p = 0; p < planes; p++) {
    const lo = p * size, hi = lo + size;
    if (max) {
      let acc = -Infinity;
      for (let i = lo; i < hi; i++) if (src[i] > acc) acc = src[i];
      out[p] = acc;
    } else {
      let acc = 0;
      for (let i = lo; i < hi; i++) acc += src[i];
      out[p] = acc / size;
    }
  }
  const dims = [x.dims[0], x.dims[1], ...x.dims.slice(2).map(() => 1)];
  return [result(x.dtype, dims, out)];
}

/** The pooling ops by ONNX op type. */
export const POOL_OPS: Readonly<Record<string, HostOp>> = {
  MaxPool: hostOp("MaxPool", (c: OpCall) => pool(c, true)),
  AveragePool: hostOp("AveragePool", (c: OpCall) => pool(c, false)),
  GlobalMaxPool: hostOp("GlobalMaxPool", (c: OpCall) => globalPool(c, true)),
  GlobalAveragePool: hostOp("GlobalAveragePool", (c: OpCall) => globalPool(c, false)),
};
