/**
 * The `layer_norm` layer op: LayerNorm over channel axis 1 as a CompensatedLayerNorm
 * (METHOD.md). A freshly built LayerNorm has `width` = its channel count and no removed
 * statistics; minimization records the constants it removes as `kbar`/`m2` (their mean
 * and centred sum of squares, with `r = width − C`), and may drop outputs nobody needs
 * (`outputs`: the input channels that keep one).
 *
 * @module
 */
import { compensatedMoments } from "../nn/compensation.ts";
import { compensatedLayerNorm } from "../nn/norm_functional.ts";
import type { AttrValue } from "./ir.ts";
import type { LayerOp } from "./layer_op.ts";
import { expectRankSym, expectVector, numAttr } from "./op_attrs.ts";

type Attrs = Readonly<Record<string, AttrValue>>;

/** The `outputs` attribute of a layer_norm over `c` input channels (default: all). */
export function normOutputs(node: string, a: Attrs, c: number): number[] {
  const o = a.outputs;
  if (o === undefined) return Array.from({ length: c }, (_, i) => i);
  if (
    !Array.isArray(o) ||
    !o.every((v, i) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < c &&
      (i === 0 || (v as number) > (o[i - 1] as number))
    )
  ) {
    throw new RangeError(
      `${node}: attrs.outputs must be increasing channel indices in [0, ${c}), got ${
        JSON.stringify(o)?.slice(0, 80)
      }`,
    );
  }
  return o as number[];
}

/** The removed-constant statistics of a layer_norm node over `c` kept channels. */
export function normStats(a: Attrs, c: number): { width: number; kbar: number; m2: number } {
  return {
    width: (a.width as number | undefined) ?? c,
    kbar: (a.kbar as number | undefined) ?? 0,
    m2: (a.m2 as number | undefined) ?? 0,
  };
}

/**
 * LayerNorm/CLN: weight (γ) and bias (β) `[outputs]`; attrs `eps`, `width`, `kbar`, `m2`,
 * optional `outputs`.
 */
export const layerNormLayer: LayerOp = {
  name: "layer_norm",
  arity: 1,
  params: [{ role: "weight" }, { role: "bias" }],
  channels: "norm",
  slices: [{ role: "weight", axis: 0, of: "output" }, { role: "bias", axis: 0, of: "output" }],
  gain: "weight",
  readsAxis: () => 1,
  infer: (node, [x], p, a) => {
    expectRankSym(node, "layer_norm", x, 2, true);
    const outs = normOutputs(node, a, x[1]).length;
    expectVector(node, "weight", p.weight, outs);
    expectVector(node, "bias", p.bias, outs);
    numAttr(node, a, "width", x[1], { min: Math.max(1, x[1]), int: true });
    numAttr(node, a, "kbar", 0);
    numAttr(node, a, "m2", 0, { min: 0 });
    numAttr(node, a, "eps", 1e-6, { min: 0 });
    return [x[0], outs, ...x.slice(2)];
  },
  constRule: (k, p, a) => {
    const g = p("weight")!, b = p("bias")!;
    const outs = normOutputs("layer_norm", a, k.length);
    if (k.every((v) => v !== null)) {
      const st = normStats(a, k.length);
      const { mean, variance } = compensatedMoments(
        k as number[],
        { r: st.width - k.length, kbar: st.kbar, m2: st.m2 },
        st.width,
      );
      const rstd = 1 / Math.sqrt(variance + ((a.eps as number | undefined) ?? 1e-6));
      return outs.map((j, i) => g.data[i] * (k[j]! - mean) * rstd + b.data[i]);
    }
    return outs.map((_, i) => (g.data[i] === 0 ? b.data[i] : null));
  },
  run: ([x], p, a) =>
    compensatedLayerNorm(x, p.weight, p.bias, {
      ...normStats(a, x.shape[1]),
      outputs: a.outputs === undefined ? undefined : a.outputs as number[],
    }, (a.eps as number | undefined) ?? 1e-6),
};
