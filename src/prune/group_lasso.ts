/**
 * The group-lasso penalty `Σ_g ‖w_g‖₂` of a whole model as one op, for backends that read
 * synchronously (js, Wasm): value and gradient computed in float64 on the host in two
 * passes over the weights, instead of ~30 recorded ops per weight. With ~50 weights (a
 * ConvNeXt) or heads spanning four weights each (a ViT), the op-by-op penalty cost up to
 * as much as the rest of a training step. `structureRegularizer` picks it; the op-by-op
 * form stays for the other backends and as this op's oracle.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { formatShape } from "../tensor/shape.ts";
import { apply, type OpDef, uninitialized } from "../ops/op.ts";

/** A group spread over several weights: flat element indices into some inputs. */
export type SpanGroup = readonly { input: number; indices: Int32Array }[];

/** Attributes of {@linkcode groupLassoOp}. */
export interface GroupLassoAttrs {
  /** Per input: its rows (entries sharing an index on axis 0) are groups. */
  rows: readonly boolean[];
  /** Per input: its columns (entries sharing an index on axis 1) are groups. */
  cols: readonly boolean[];
  /** Groups spanning several inputs (attention heads). */
  spans: readonly SpanGroup[];
  /** Added under each square root (keeps the gradient finite at zero). */
  eps: number;
}

/** Sizes of axis 0, axis 1 and the taps after it. */
function dims(w: Tensor): [number, number, number] {
  const o = w.shape[0] ?? 1, i = w.rank >= 2 ? w.shape[1] : 1;
  return [o, i, w.rank >= 2 ? w.size / (o * i) : 1];
}

/** `1 / ‖group‖` of every group (rows, then columns, per input; then spans). */
interface Norms {
  rows: (Float64Array | null)[];
  cols: (Float64Array | null)[];
  spans: Float64Array;
  total: number;
}

type Floats = Float32Array | Float64Array;

function norms(ws: readonly Floats[], inputs: readonly Tensor[], a: GroupLassoAttrs): Norms {
  const rows: (Float64Array | null)[] = [], cols: (Float64Array | null)[] = [];
  let total = 0;
  for (let k = 0; k < ws.length; k++) {
    const [o, i, t] = dims(inputs[k]);
    const r = a.rows[k] ? new Float64Array(o) : null;
    const c = a.cols[k] ? new Float64Array(i) : null;
    squareSums(ws[k], o, i, t, r, c);
    if (r) total += invertNorms(r, a.eps);
    if (c) total += invertNorms(c, a.eps);
    rows.push(r);
    cols.push(c);
  }
  const spans = new Float64Array(a.spans.length);
  for (let s = 0; s < a.spans.length; s++) {
    for (const { input, indices } of a.spans[s]) {
      const w = ws[input];
      let q2 = 0;
      for (let q = 0; q < indices.length; q++) q2 += w[indices[q]] * w[indices[q]];
      spans[s] += q2;
    }
  }
  total += invertNorms(spans, a.eps);
  return { rows, cols, spans, total };
}

/** Sums of squares per row (`r`) and per column (`c`) of `w` as `[o, i, t]`. */
function squareSums(
  w: Floats,
  o: number,
  i: number,
  t: number,
  r: Float64Array | null,
  c: Float64Array | null,
): void {
  if (t === 1 && c !== null) {
    for (let oo = 0, j = 0; oo < o; oo++) {
      let rs = 0;
      for (let ii = 0; ii < i; ii++, j++) {
        const s = w[j] * w[j];
        rs += s;
        c[ii] += s;
      }
      if (r !== null) r[oo] = rs;
    }
    return;
  }
  for (let oo = 0, j = 0; oo < o; oo++) {
    let rs = 0;
    for (let ii = 0; ii < i; ii++) {
      let s = 0;
      for (const end = j + t; j < end; j++) s += w[j] * w[j];
      rs += s;
      if (c !== null) c[ii] += s;
    }
    if (r !== null) r[oo] = rs;
  }
}

/** Replaces each sum of squares by `1 / sqrt(sum + eps)`; returns the sum of the norms. */
function invertNorms(sq: Float64Array, eps: number): number {
  let total = 0;
  for (let g = 0; g < sq.length; g++) {
    const n = Math.sqrt(sq[g] + eps);
    total += n;
    sq[g] = 1 / n;
  }
  return total;
}

/** `g = d · w · (r[row] + c[column])` of `w` as `[o, i, t]`. */
function scaledByNorms(
  w: Floats,
  g: Floats,
  o: number,
  i: number,
  t: number,
  r: Float64Array | null,
  c: Float64Array | null,
  d: number,
): void {
  if (t === 1 && c !== null) {
    // Dense and 1×1 weights: one element per (row, column).
    for (let oo = 0, j = 0; oo < o; oo++) {
      const fr = r !== null ? r[oo] : 0;
      for (let ii = 0; ii < i; ii++, j++) g[j] = w[j] * (d * (fr + c[ii]));
    }
    return;
  }
  for (let oo = 0, j = 0; oo < o; oo++) {
    const fr = r !== null ? r[oo] : 0;
    for (let ii = 0; ii < i; ii++) {
      const f = d * (fr + (c !== null ? c[ii] : 0));
      for (const end = j + t; j < end; j++) g[j] = w[j] * f;
    }
  }
}

function read(inputs: readonly Tensor[]): Floats[] {
  return inputs.map((t) => t.backend.readSync(t.storage) as Floats);
}

/** `n` zeros of `t`'s dtype. */
function floats(t: Tensor, n: number): Floats {
  return t.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/**
 * The weights as read and their inverse norms, from the forward to the gradient rule (a
 * step reads the weights once; the gradient rule of an output without an entry reads
 * them again).
 */
const SAVED = new WeakMap<Tensor, { ws: Floats[]; n: Norms }>();

/** The fused penalty: inputs are the weights, the output a scalar. */
export const groupLassoOp: OpDef<GroupLassoAttrs> = {
  name: "group_lasso",
  channels: "reduce",
  infer: (inputs, a) => {
    const be = inputs[0].backend;
    if (!be.capabilities.syncRead) {
      throw new TypeError(`group_lasso: backend "${be.name}" cannot read synchronously`);
    }
    inputs.forEach((w, k) => {
      if (w.dtype !== "float32" && w.dtype !== "float64") {
        throw new TypeError(`group_lasso: input ${k} is ${w.dtype}, not a float`);
      }
      if (w.rank < 1 || (a.cols[k] && w.rank < 2)) {
        throw new RangeError(
          `group_lasso: input ${k} of shape ${formatShape(w.shape)} has no ${
            w.rank < 1 ? "rows" : "columns"
          }`,
        );
      }
    });
    for (const g of a.spans) {
      for (const { input, indices } of g) {
        const w = inputs[input];
        if (!w || indices.some((j) => !(j >= 0 && j < w.size))) {
          throw new RangeError(`group_lasso: a spanning group indexes outside input ${input}`);
        }
      }
    }
    if (a.rows.length !== inputs.length || a.cols.length !== inputs.length || !(a.eps >= 0)) {
      throw new RangeError(`group_lasso: rows/cols need one flag per input and eps ≥ 0`);
    }
    return [];
  },
  forward: (be, inputs, out, a) => {
    const ws = read(inputs), n = norms(ws, inputs, a);
    const v = floats(out, 1);
    v[0] = n.total;
    be.write(out.storage, v);
    if (inputs.some((t) => t.requiresGrad)) SAVED.set(out, { ws, n });
  },
  backward: (dy, inputs, out, a, needs) => {
    const saved = SAVED.get(out);
    SAVED.delete(out);
    const ws = saved?.ws ?? read(inputs), n = saved?.n ?? norms(ws, inputs, a);
    const d = dy.backend.readSync(dy.storage)[0];
    const grads: (Floats | null)[] = [];
    for (let k = 0; k < ws.length; k++) {
      if (!needs[k]) {
        grads.push(null);
        continue;
      }
      const g = floats(inputs[k], ws[k].length);
      const [o, i, t] = dims(inputs[k]);
      scaledByNorms(ws[k], g, o, i, t, n.rows[k], n.cols[k], d);
      grads.push(g);
    }
    for (let s = 0; s < a.spans.length; s++) {
      const f = d * n.spans[s];
      for (const { input, indices } of a.spans[s]) {
        const g = grads[input], w = ws[input];
        if (g === null) continue;
        for (let q = 0; q < indices.length; q++) g[indices[q]] += w[indices[q]] * f;
      }
    }
    return grads.map((g, k) => {
      if (!g) return null;
      const t = uninitialized(inputs[k].shape, inputs[k].dtype, inputs[k].backend);
      t.backend.write(t.storage, g);
      return t;
    });
  },
};

/**
 * `Σ` over the groups of `weights`: the rows and/or columns of each (entries sharing an
 * index on axis 0 / axis 1, over all other axes) and the spanning groups, of
 * `sqrt(Σ w² + eps)`. A scalar; differentiable. Only on backends that read synchronously.
 *
 * @example
 * ```ts
 * import { groupLasso } from "./group_lasso.ts";
 * import { tensor } from "../tensor/create.ts";
 * const w = tensor([3, 4, 0, 0], [2, 2]);
 * const v = groupLasso([w], { rows: [true], cols: [false], spans: [], eps: 0 });
 * console.assert(v.item() === 5); // ‖(3, 4)‖ + ‖(0, 0)‖
 * ```
 */
export function groupLasso(weights: readonly Tensor[], attrs: GroupLassoAttrs): Tensor {
  return apply(groupLassoOp, weights, attrs);
}
