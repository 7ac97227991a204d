/**
 * Multi-head scaled dot-product attention with heads of unequal widths, written with
 * tensor ops (batched matmul, softmax, slices), so autograd gives its gradient on every
 * backend. A minimized model has heads whose query/key width and value width differ from
 * head to head (and from each other); a head of query/key width 0 attends uniformly, a
 * head of value width 0 contributes nothing.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { full, tensor } from "../tensor/create.ts";
import { formatShape } from "../tensor/shape.ts";
import { add, scale } from "../ops/elementwise.ts";
import { matmul } from "../ops/matmul.ts";
import { softmax } from "../ops/softmax.ts";
import { slice, sliceGradOp } from "../ops/shape_ops.ts";
import { apply } from "../ops/op.ts";
import { isGradEnabled } from "../tensor/grad_mode.ts";
import { tidy } from "../tensor/scope.ts";

/** Head layout and settings of {@linkcode multiHeadAttention}. */
export interface AttentionSpec {
  /** Query/key width of each head (its channels of `q` and `k`, in order). */
  qk: readonly number[];
  /** Value width of each head (its channels of `v` and of the output, in order). */
  v: readonly number[];
  /** Factor on the scores (fixed when the model is built: `1/sqrt(head width)`). */
  scale: number;
  /** Query `t` sees keys `0..t` only. */
  causal?: boolean;
}

/** Value added to masked scores: exp of it underflows to exactly 0 next to any real score. */
export const MASKED_SCORE: number = -1e9;

/** Validates `q [B,T,Σqk]`, `k [B,S,Σqk]`, `v [B,S,Σv]` against `spec`; returns B, T, S. */
export function attentionDims(
  who: string,
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  spec: AttentionSpec,
): { b: number; t: number; s: number } {
  const sq = spec.qk.reduce((a, c) => a + c, 0), sv = spec.v.reduce((a, c) => a + c, 0);
  const bad = (what: string) =>
    new RangeError(
      `${who}: ${what}; got q ${formatShape(q)}, k ${formatShape(k)}, v ${
        formatShape(v)
      } for heads qk [${spec.qk}] v [${spec.v}]`,
    );
  if (spec.qk.length !== spec.v.length) throw bad("qk and v list one width per head each");
  if (![...spec.qk, ...spec.v].every((w) => Number.isInteger(w) && w >= 0)) {
    throw bad("head widths must be integers ≥ 0");
  }
  if (q.length !== 3 || k.length !== 3 || v.length !== 3) throw bad("q, k, v must be [B,T,C]");
  if (q[2] !== sq || k[2] !== sq || v[2] !== sv) throw bad("channel counts differ from the heads");
  if (k[0] !== q[0] || v[0] !== q[0] || v[1] !== k[1]) throw bad("batch or key lengths differ");
  if (spec.causal && q[1] !== k[1]) throw bad("causal attention needs as many keys as queries");
  if (!(Number.isFinite(spec.scale))) throw bad(`scale must be finite, got ${spec.scale}`);
  return { b: q[0], t: q[1], s: k[1] };
}

/** The additive causal mask `[T, S]`: 0 where key ≤ query, {@linkcode MASKED_SCORE} above. */
function causalMask(t: number, s: number, like: Tensor): Tensor {
  const m = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < s; j++) m[i * s + j] = MASKED_SCORE;
  return tensor(m, [t, s], { backend: like.backend, dtype: like.dtype });
}

/**
 * `concat_h softmax(scale · q_h k_hᵀ + mask) v_h` over heads `h`, for `q [B,T,Σqk]`,
 * `k [B,S,Σqk]`, `v [B,S,Σv]`; returns `[B,T,Σv]`.
 *
 * @example
 * ```ts
 * import { multiHeadAttention } from "./attention_functional.ts";
 * import { tensor } from "../tensor/create.ts";
 * const q = tensor([1, 0, 0, 1], [1, 2, 2]);
 * const v = tensor([1, 2, 3, 4], [1, 2, 2]);
 * // Two heads of query/key width 1 and value width 1.
 * const y = multiHeadAttention(q, q, v, { qk: [1, 1], v: [1, 1], scale: 1 });
 * console.assert(y.shape.join() === "1,2,2");
 * ```
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, spec: AttentionSpec): Tensor {
  const { b, t, s } = attentionDims("attention", q.shape, k.shape, v.shape, spec);
  const sv = v.shape[2];
  const mask = spec.causal ? causalMask(t, s, q) : null;
  let out: Tensor | null = null;
  let qo = 0, vo = 0;
  // Without gradients (inference), each head's scores are freed as soon as it is done:
  // they are `B·T·S` values per head, the largest tensors of a long sequence.
  const scoped = isGradEnabled() ? <R>(f: () => R) => f() : tidy;
  for (let h = 0; h < spec.qk.length; h++) {
    const dq = spec.qk[h], dv = spec.v[h], q0 = qo, v0 = vo;
    if (dv > 0) {
      const placed = scoped(() => {
        let scores: Tensor;
        if (dq > 0) {
          const qh = slice(q, [0, 0, q0], [b, t, dq]), kh = slice(k, [0, 0, q0], [b, s, dq]);
          scores = scale(matmul(qh, kh, { transB: true }), spec.scale);
        } else {
          scores = full([b, t, s], 0, { backend: q.backend, dtype: q.dtype });
        }
        if (mask) scores = add(scores, mask);
        const oh = matmul(softmax(scores), slice(v, [0, 0, v0], [b, s, dv]));
        return dv === sv ? oh : apply(sliceGradOp, [oh], {
          starts: [0, 0, v0],
          sizes: [b, t, dv],
          shape: [b, t, sv],
        });
      });
      out = out ? add(out, placed) : placed;
    }
    qo += dq;
    vo += dv;
  }
  return out ?? full([b, t, sv], 0, { backend: q.backend, dtype: q.dtype });
}
