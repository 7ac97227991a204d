/**
 * Conv: 1-D, 2-D and 3-D convolution with groups, strides, dilations, pads (or
 * auto_pad) and an optional bias. A direct loop nest: for each output channel and
 * weight, a tight loop along the output row over the inputs that weight touches.
 *
 * @module
 */
import { allocHost } from "../host_tensor.ts";
import type { HostOp } from "./host_op.ts";
import { fmtDims, hostOp, type OpCall } from "./op_call.ts";
import { windowOf } from "./spatial.ts";
import { result } from "./store.ts";

/** The outputs [lo, hi) of `count` whose input `o·stride + off` lies in [0, size). */
export function validRange(
  off: number,
  stride: number,
  size: number,
  count: number,
): [number, number] {
  const lo = off >= 0 ? 0 : Math.ceil(-off / stride);
  const hi = Math.min(count, off >= size ? 0 : Math.floor((size - 1 - off) / stride) + 1);
  return [Math.min(lo, count), Math.max(hi, Math.min(lo, count))];
}

const conv = hostOp("Conv", (c: OpCall) => {
  const x = c.input(0, "X"), w = c.input(1, "W"), b = c.optional(2);
  c.sameType([x, w, b], x.dtype);
  const r = x.dims.length - 2;
  if (r < 1 || w.dims.length !== x.dims.length) {
    c.fail(`X ${fmtDims(x.dims)} and W ${fmtDims(w.dims)} must both have rank 3, 4 or 5`);
  }
  const group = c.int("group", 1);
  const [nb, ch] = x.dims, [m, cg] = w.dims;
  if (group < 1 || ch !== cg * group || m % group !== 0) {
    c.fail(`X ${fmtDims(x.dims)}, W ${fmtDims(w.dims)} and group ${group} do not fit`);
  }
  const kernel = w.dims.slice(2);
  const ks = c.ints("kernel_shape");
  if (ks && ks.some((k, i) => k !== kernel[i])) {
    c.fail(`kernel_shape [${ks}] differs from W ${fmtDims(w.dims)}`);
  }
  if (b && (b.dims.length !== 1 || b.dims[0] !== m)) {
    c.fail(`bias ${fmtDims(b.dims)} must be [${m}]`);
  }
  const g = windowOf(c, x.dims.slice(2), kernel);
  const [ID, IH, IW] = g.input, [KD, KH, KW] = g.kernel, [OD, OH, OW] = g.output;
  const [sd, sh, sw] = g.strides, [dd, dh, dw] = g.dilations, [pd, ph, pw] = g.begin;
  const inSize = ID * IH * IW, outSize = OD * OH * OW, kSize = KD * KH * KW;
  const mg = m / group;
  const xs = x.data, ws = w.data;
  const out = allocHost(nb * m * outSize, "Conv");
  for (let n = 0; n < nb; n++) {
    for (let oc = 0; oc < m; oc++) {
      const obase = (n * m + oc) * outSize, first = Math.floor(oc / mg) * cg;
      if (b) out.fill(b.data[oc], obase, obase + outSize);
      for (let ic = 0; ic < cg; ic++) {
        const xbase = (n * ch + first + ic) * inSize, wbase = (oc * cg + ic) * kSize;
        for (let kd = 0; kd < KD; kd++) {
          const offD = kd * dd - pd;
          const [d0, d1] = validRange(offD, sd, ID, OD);
          for (let kh = 0; kh < KH; kh++) {
            const offH = kh * dh - ph;
            const [h0, h1] = validRange(offH, sh, IH, OH);
            for (let kw = 0; kw < KW; kw++) {
              const offW = kw * dw - pw;
              const [w0, w1] = validRange(offW, sw, IW, OW);
              const wv = ws[wbase + (kd * KH + kh) * KW + kw];
              for (let od = d0; od < d1; od++) {
                const id = od * sd + offD;
                for (let oh = h0; oh < h1; oh++) {
                  const xrow = xbase + (id * IH + oh * sh + offH) * IW + offW;
                  const orow = obase + (od * OH + oh) * OW;
                  if (sw === 1) {
                    for (let ow = w0; ow < w1; ow++) out[orow + ow] += wv * xs[xrow + ow];
                  } else {
                    for (let ow = w0; ow < w1; ow++) out[orow + ow] += wv * xs[xrow + ow * sw];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return [result(x.dtype, [nb, m, ...g.outSpatial], out)];
});

/** The convolution ops by ONNX op type. */
export const CONV_OPS: Readonly<Record<string, HostOp>> = { Conv: conv };
