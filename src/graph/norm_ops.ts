/**
 * The `layer_norm` layer op: LayerNorm over channel axis 1 as a CompensatedLayerNorm
 * (METHOD.md). A freshly built LayerNorm has `width` = its channel count and `s1 = s2 = 0`;
 * minimization raises `s1`/`s2` when it removes constant channels and keeps `width`.
 *
 * @module
 */
import { compensatedLayerNorm } from "../nn/norm_functional.ts";
import type { LayerOp } from "./layer_op.ts";
import { expectRankSym, expectVector, numAttr } from "./op_attrs.ts";

/** LayerNorm/CLN: weight (γ) and bias (β) `[C]`; attrs `eps`, `width`, `s1`, `s2`. */
export const layerNormLayer: LayerOp = {
  name: "layer_norm",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias" }],
  channels: "norm",
  perChannel: ["weight", "bias"],
  gain: "weight",
  infer: (node, [x], p, a) => {
    expectRankSym(node, "layer_norm", x, 2, true);
    expectVector(node, "weight", p.weight, x[1]);
    expectVector(node, "bias", p.bias, x[1]);
    numAttr(node, a, "width", x[1], { min: x[1], int: true });
    numAttr(node, a, "s1", 0);
    numAttr(node, a, "s2", 0, { min: 0 });
    numAttr(node, a, "eps", 1e-6, { min: 0 });
    return x;
  },
  constRule: (k, p, a) => {
    const g = p("weight")!, b = p("bias")!;
    if (k.every((v) => v !== null)) {
      const d = (a.width as number | undefined) ?? k.length, r = d - k.length;
      const s1 = (a.s1 as number | undefined) ?? 0, s2 = (a.s2 as number | undefined) ?? 0;
      const mu = (k.reduce((s, v) => s! + v!, 0)! + s1) / d;
      const va = (k.reduce((s, v) => s! + (v! - mu) ** 2, 0)! + s2 - 2 * mu * s1 + r * mu * mu) /
        d;
      const rstd = 1 / Math.sqrt(va + ((a.eps as number | undefined) ?? 1e-6));
      return k.map((v, c) => g.data[c] * (v! - mu) * rstd + b.data[c]);
    }
    return k.map((_, c) => (g.data[c] === 0 ? b.data[c] : null));
  },
  run: ([x], p, a) =>
    compensatedLayerNorm(x, p.weight, p.bias, {
      width: (a.width as number | undefined) ?? x.shape[1],
      s1: (a.s1 as number | undefined) ?? 0,
      s2: (a.s2 as number | undefined) ?? 0,
    }, (a.eps as number | undefined) ?? 1e-6),
};
