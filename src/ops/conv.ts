/**
 * 2-D convolution over NCHW tensors (cross-correlation, zero padding, stride, groups —
 * depthwise when groups = channels), and its two gradient ops.
 *
 * @module
 */
import type { Conv2dParams } from "../backends/backend.ts";
import { formatShape, type Shape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, expectRank, type OpDef } from "./op.ts";

/** Attributes of {@linkcode conv2dOp}. */
export interface Conv2dAttrs {
  /** `[sh, sw]` or one number. @default 1 */
  stride?: number | readonly [number, number];
  /** `[ph, pw]` zero padding or one number. @default 0 */
  padding?: number | readonly [number, number];
  /** Channel groups. @default 1 */
  groups?: number;
}

const pair = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [v[0], v[1]];

/** Validates shapes and attributes; returns the kernel geometry. */
export function conv2dParams(
  op: string,
  xShape: Shape,
  wShape: Shape,
  a: Conv2dAttrs,
): Conv2dParams {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const [sh, sw] = pair(a.stride, 1);
  const [ph, pw] = pair(a.padding, 0);
  // A depthwise convolution whose channels all went (groups = channels = 0) is empty.
  const groups = a.groups === 0 && c === 0 && o === 0 && cg === 1 ? 1 : a.groups ?? 1;
  const empty = a.groups === 0 && groups === 1;
  for (
    const [k, v, min] of [["stride", sh, 1], ["stride", sw, 1], ["padding", ph, 0], [
      "padding",
      pw,
      0,
    ], ["groups", groups, 1]] as const
  ) {
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(`${op}: ${k} must be an integer ≥ ${min}, got ${v}`);
    }
  }
  if (c % groups !== 0 || o % groups !== 0) {
    throw new RangeError(
      `${op}: ${c} input and ${o} output channels are not divisible by groups ${groups}`,
    );
  }
  if (cg !== c / groups && !empty) {
    throw new RangeError(
      `${op}: weight ${formatShape(wShape)} needs ${
        c / groups
      } input channels per group for input ${formatShape(xShape)}`,
    );
  }
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1, ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `${op}: kernel ${kh}×${kw} does not fit input ${h}×${w} with padding ${ph},${pw}`,
    );
  }
  return { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, groups };
}

/** Throws unless `dy` has the convolution's output shape. */
function checkGradShape(op: string, dy: Shape, p: Conv2dParams): void {
  const want = [p.n, p.o, p.oh, p.ow];
  if (dy.join() !== want.join()) {
    throw new RangeError(
      `${op}: dy ${formatShape(dy)} does not match the output ${formatShape(want)}`,
    );
  }
}

/** `y = conv2d(x, w)`: x `[N,C,H,W]`, w `[O,C/groups,KH,KW]` → `[N,O,OH,OW]`. */
export const conv2dOp: OpDef<Conv2dAttrs> = {
  name: "conv2d",
  channels: "mixing",
  infer: ([x, w], a) => {
    expectRank("conv2d", "input", x, 4);
    expectRank("conv2d", "weight", w, 4);
    const p = conv2dParams("conv2d", x.shape, w.shape, a);
    return [p.n, p.o, p.oh, p.ow];
  },
  forward: (be, [x, w], out, a) =>
    be.conv2d(x.storage, w.storage, out.storage, conv2dParams("conv2d", x.shape, w.shape, a)),
  backward: (g, [x, w], _y, a, needs) => [
    needs[0] ? apply(conv2dGradInputOp, [g, w], { ...a, inputShape: x.shape }) : null,
    needs[1] ? apply(conv2dGradWeightOp, [x, g], { ...a, weightShape: w.shape }) : null,
  ],
};

/** Gradient of conv2d with respect to its input (inputs: dy, w). */
export const conv2dGradInputOp: OpDef<Conv2dAttrs & { inputShape: Shape }> = {
  name: "conv2d_grad_input",
  channels: "mixing",
  infer: ([dy, w], a) => {
    checkGradShape(
      "conv2d_grad_input",
      dy.shape,
      conv2dParams("conv2d_grad_input", a.inputShape, w.shape, a),
    );
    return a.inputShape;
  },
  forward: (be, [dy, w], out, a) =>
    be.conv2dGradInput(
      dy.storage,
      w.storage,
      out.storage,
      conv2dParams("conv2d_grad_input", a.inputShape, w.shape, a),
    ),
};

/** Gradient of conv2d with respect to its weight (inputs: x, dy). */
export const conv2dGradWeightOp: OpDef<Conv2dAttrs & { weightShape: Shape }> = {
  name: "conv2d_grad_weight",
  channels: "mixing",
  infer: ([x, dy], a) => {
    checkGradShape(
      "conv2d_grad_weight",
      dy.shape,
      conv2dParams("conv2d_grad_weight", x.shape, a.weightShape, a),
    );
    return a.weightShape;
  },
  forward: (be, [x, dy], out, a) =>
    be.conv2dGradWeight(
      x.storage,
      dy.storage,
      out.storage,
      conv2dParams("conv2d_grad_weight", x.shape, a.weightShape, a),
    ),
};

/**
 * 2-D convolution of NCHW `x` with weight `[O, C/groups, KH, KW]`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { conv2d } from "./conv.ts";
 * const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * const w = tensor([1, 1, 1, 1], [1, 1, 2, 2]);
 * console.assert(conv2d(x, w).item() === 10);
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, attrs: Conv2dAttrs = {}): Tensor {
  return apply(conv2dOp, [x, w], attrs);
}
