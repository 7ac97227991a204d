/**
 * Matrix product with optional transposed operands, 2-D or batched 3-D.
 *
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { apply, type OpDef } from "./op.ts";

/** Attributes of {@linkcode matmulOp}. */
export interface MatmulAttrs {
  /** Use Aᵀ (A stored `[k, m]`). */
  transA?: boolean;
  /** Use Bᵀ (B stored `[n, k]`). */
  transB?: boolean;
}

function dims(a: Tensor, b: Tensor, attrs: MatmulAttrs) {
  if (a.rank !== b.rank || (a.rank !== 2 && a.rank !== 3)) {
    throw new RangeError(
      `matmul: operands must both be 2-D or both 3-D, got ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  const r = a.rank;
  const batch = r === 3 ? a.shape[0] : 1;
  if (r === 3 && b.shape[0] !== batch) {
    throw new RangeError(`matmul: batch sizes differ: ${a.shape[0]} vs ${b.shape[0]}`);
  }
  const [a0, a1] = a.shape.slice(r - 2), [b0, b1] = b.shape.slice(r - 2);
  const m = attrs.transA ? a1 : a0, k = attrs.transA ? a0 : a1;
  const kb = attrs.transB ? b1 : b0, n = attrs.transB ? b0 : b1;
  if (k !== kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${attrs.transA ? "ᵀ" : ""} · ${
        formatShape(b.shape)
      }${attrs.transB ? "ᵀ" : ""} (${k} vs ${kb})`,
    );
  }
  return { batch, m, n, k, rank: r };
}

/** `op(A)·op(B)`. */
export const matmulOp: OpDef<MatmulAttrs> = {
  name: "matmul",
  channels: "mixing",
  infer: ([a, b], attrs) => {
    const { batch, m, n, rank } = dims(a, b, attrs);
    return rank === 3 ? [batch, m, n] : [m, n];
  },
  forward: (be, [a, b], out, attrs) => {
    const { batch, m, n, k } = dims(a, b, attrs);
    be.matmul(a.storage, b.storage, out.storage, {
      batch,
      m,
      n,
      k,
      transA: !!attrs.transA,
      transB: !!attrs.transB,
    });
  },
  backward: (g, [a, b], _out, { transA = false, transB = false }, needs) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (needs[0]) {
      ga = transA
        ? matmul(b, g, { transA: transB, transB: true })
        : matmul(g, b, { transB: !transB });
    }
    if (needs[1]) {
      gb = transB
        ? matmul(g, a, { transA: true, transB: transA })
        : matmul(a, g, { transA: !transA });
    }
    return [ga, gb];
  },
};

/**
 * Matrix product `op(a)·op(b)`; 3-D operands are batched over their first axis.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { matmul } from "./matmul.ts";
 * const x = tensor([1, 2, 3, 4], [2, 2]);
 * const w = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
 * console.assert(matmul(x, w, { transB: true }).shape[1] === 3);
 * ```
 */
export function matmul(a: Tensor, b: Tensor, attrs: MatmulAttrs = {}): Tensor {
  return apply(matmulOp, [a, b], attrs);
}
