/**
 * Cross-entropy over integer class labels, and one-hot encoding.
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { mul, sub } from "./elementwise.ts";
import { apply, expectRank, type OpDef } from "./op.ts";
import { mean, sum } from "./reduce.ts";
import { reshape } from "./shape_ops.ts";
import { softmax } from "./softmax.ts";

/** Integer class labels, one per row. */
export interface LabelAttrs {
  labels: Int32Array;
}

function checkLabels(op: string, labels: Int32Array, rows: number, classes: number): void {
  if (!(labels instanceof Int32Array)) {
    throw new TypeError(`${op}: labels must be an Int32Array, got ${labels}`);
  }
  if (labels.length !== rows) {
    throw new RangeError(`${op}: ${labels.length} labels for ${rows} rows`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw new RangeError(`${op}: label ${labels[i]} at row ${i} is outside 0..${classes - 1}`);
    }
  }
}

/** `[rows]` one-hot rows of `[rows, classes]`; the op's input only fixes the class count. */
export const oneHotOp: OpDef<LabelAttrs & { classes: number }> = {
  name: "one_hot",
  channels: "source",
  infer: (_x, a) => {
    checkLabels("one_hot", a.labels, a.labels.length, a.classes);
    return [a.labels.length, a.classes];
  },
  forward: (be, _x, out, a) => be.oneHot(a.labels, a.labels.length, a.classes, out.storage),
};

/**
 * Per-row cross-entropy `logsumexp(x_r) − x_r[label_r]` of `[rows, classes]` logits.
 * Throws a `RangeError` naming the row when a logit is NaN or infinite.
 */
export const crossEntropyOp: OpDef<LabelAttrs> = {
  name: "cross_entropy",
  channels: "coupled",
  infer: ([x], a) => {
    expectRank("cross_entropy", "logits", x, 2);
    checkLabels("cross_entropy", a.labels, x.shape[0], x.shape[1]);
    if (x.shape[1] === 0) {
      throw new RangeError(`cross_entropy: logits ${formatShape(x.shape)} have no classes`);
    }
    return [x.shape[0]];
  },
  forward: (be, [x], out, a) => {
    be.crossEntropy(x.storage, a.labels, x.shape[0], x.shape[1], out.storage);
    if (be.capabilities.syncRead) {
      const l = be.readSync(out.storage);
      for (let r = 0; r < l.length; r++) {
        if (!Number.isFinite(l[r])) {
          throw new RangeError(
            `cross_entropy: loss of row ${r} is ${
              l[r]
            }: the logits contain NaN or ±Infinity (diverged training or bad input)`,
          );
        }
      }
    }
  },
  backward: (g, [x], _y, a) => {
    const oh = apply(oneHotOp, [x], { labels: a.labels, classes: x.shape[1] });
    return [mul(sub(softmax(x), oh), reshape(g, [x.shape[0], 1]))];
  },
};

/** Options of {@linkcode crossEntropy}. */
export interface CrossEntropyOptions {
  /** `mean` (default), `sum`, or `none` (per-row losses). */
  reduction?: "mean" | "sum" | "none";
}

/**
 * Cross-entropy of `[rows, classes]` logits against integer labels.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { crossEntropy } from "./loss.ts";
 * const loss = crossEntropy(tensor([0, 0], [1, 2]), Int32Array.of(1));
 * console.assert(Math.abs(loss.item() - Math.LN2) < 1e-6);
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  labels: Int32Array,
  opts: CrossEntropyOptions = {},
): Tensor {
  const rows = apply(crossEntropyOp, [logits], { labels });
  const reduction = opts.reduction ?? "mean";
  if (reduction === "none") return rows;
  return reduction === "sum" ? sum(rows) : mean(rows);
}
