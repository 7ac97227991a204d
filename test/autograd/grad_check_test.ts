import assert from "node:assert/strict";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { OP_TABLE } from "../../src/ops/table.ts";
import { add, div, mul, scale, sub, unary } from "../../src/ops/elementwise.ts";
import { matmul } from "../../src/ops/matmul.ts";
import { broadcastTo, max, mean, sum } from "../../src/ops/reduce.ts";
import { indexSelect, reshape, slice, transpose } from "../../src/ops/shape_ops.ts";
import { logSoftmax, softmax } from "../../src/ops/softmax.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { apply } from "../../src/ops/op.ts";
import { conv2d } from "../../src/ops/conv.ts";
import { layerNorm } from "../../src/ops/layer_norm.ts";
import { cln } from "../../src/ops/cln.ts";
import { indexAddOp, sliceGradOp } from "../../src/ops/shape_ops.ts";
import { UNARY_KINDS, type UnaryKind } from "../../src/backends/backend.ts";

const rng = new Rng(7);
const x64 = (shape: number[], shift = 0) =>
  randn(shape, rng, { dtype: "float64", requiresGrad: true, mean: shift });

/** One case per differentiable op: inputs and a function applying the op. */
const CASES: Record<string, () => [(xs: Tensor[]) => Tensor, Tensor[]]> = {
  matmul: () => [([a, b]) => matmul(a, b), [x64([3, 5]), x64([5, 4])]],
  add: () => [([a, b]) => add(a, b), [x64([2, 3, 4]), x64([3, 1])]],
  sub: () => [([a, b]) => sub(a, b), [x64([4, 1]), x64([1, 3])]],
  mul: () => [([a, b]) => mul(a, b), [x64([2, 3]), x64([3])]],
  div: () => [([a, b]) => div(a, b), [x64([2, 3]), x64([2, 1], 3)]],
  scale: () => [([a]) => scale(a, -1.5, 0.25), [x64([5])]],
  sum: () => [([a]) => sum(a, { axes: [1], keepdims: true }), [x64([3, 4, 2])]],
  mean: () => [([a]) => mean(a, { axes: [0, 2] }), [x64([3, 4, 2])]],
  max: () => [([a]) => max(a, { axes: [1, 2], keepdims: true }), [x64([3, 4, 2])]],
  broadcast_to: () => [([a]) => broadcastTo(a, [2, 3, 4]), [x64([3, 1])]],
  softmax: () => [([a]) => softmax(a), [x64([3, 5])]],
  log_softmax: () => [([a]) => logSoftmax(a), [x64([3, 5])]],
  cross_entropy: () => [([a]) => crossEntropy(a, Int32Array.of(0, 4, 2)), [x64([3, 5])]],
  reshape: () => [([a]) => reshape(a, [4, -1]), [x64([2, 3, 2])]],
  transpose: () => [([a]) => transpose(a, [2, 0, 1]), [x64([2, 3, 4])]],
  slice: () => [([a]) => slice(a, [1, 0, 2], [2, 3, 1]), [x64([3, 3, 4])]],
  slice_grad: () => [
    ([a]) => apply(sliceGradOp, [a], { starts: [1, 2], sizes: [2, 2], shape: [4, 5] }),
    [x64([2, 2])],
  ],
  index_select: () => [([a]) => indexSelect(a, 1, [3, 0, 3]), [x64([2, 4, 3])]],
  conv2d: () => [([x, w]) => conv2d(x, w, { stride: [2, 1], padding: [1, 2], groups: 2 }), [
    x64([2, 4, 5, 6]),
    x64([6, 2, 3, 2]),
  ]],
  layer_norm:
    () => [([x, g, b]) => layerNorm(x, g, b, { eps: 1e-3 }), [x64([2, 3, 5]), x64([5]), x64([5])]],
  compensated_layer_norm: () => [
    ([x, g, b]) => cln(x, g, b, { width: 7, kbar: 0.3, m2: 0.8, eps: 1e-3 }),
    [x64([2, 4, 3]), x64([4]), x64([4])],
  ],
  index_add: () => [
    ([a]) => apply(indexAddOp, [a], { axis: 0, indices: Int32Array.of(2, 2, 0), shape: [4, 3] }),
    [x64([3, 3])],
  ],
};

const UNARY_DOMAIN: Partial<Record<UnaryKind, number>> = { log: 3, sqrt: 3, reciprocal: 3 };

Deno.test("gradCheck(): every differentiable op in the table matches finite differences (float64)", async (t) => {
  for (const [name, op] of OP_TABLE) {
    if (!op.backward) continue;
    await t.step(name, () => {
      let c = CASES[name];
      if (!c) {
        const kind = name as UnaryKind;
        // abs and relu/step have a kink at 0: random normals avoid it with probability 1.
        c = () => [([a]) => unary(kind, a), [x64([4, 3], UNARY_DOMAIN[kind] ?? 0)]];
      }
      const [fn, inputs] = c();
      const r = gradCheck(fn, inputs);
      assert.ok(r.checked > 0, `${name}: nothing checked`);
      assert.ok(r.maxRelError < 1e-6, `${name}: max rel error ${r.maxRelError}`);
    });
  }
});

Deno.test("gradCheck(): every op without a case is a unary op (so no op goes unchecked)", () => {
  const unaryNames = new Set<string>(UNARY_KINDS);
  for (const [name, op] of OP_TABLE) {
    if (!op.backward) continue;
    assert.ok(name in CASES || unaryNames.has(name), `op ${name} has no gradient-check case`);
  }
});

Deno.test("gradCheck(): detects a wrong gradient rule", () => {
  const x = x64([4]);
  // sqrt's rule applied to square: a deliberately wrong pairing must be caught.
  const r = gradCheck(([a]) => {
    const y = unary("square", a);
    y.node = { ...y.node!, backward: (g) => [mul(g, a)] };
    return y;
  }, [x]);
  assert.ok(r.maxRelError > 1e-3);
});

Deno.test("gradCheck(): composite graph with reuse (x used twice) accumulates gradients", () => {
  const [a, w] = [x64([4, 6]), x64([3, 6])];
  const r = gradCheck(([x, y]) => mul(matmul(x, y, { transB: true }), sum(x)), [a, w]);
  assert.ok(r.maxRelError < 1e-6, String(r.maxRelError));
  const [p, q] = [x64([6, 4]), x64([6, 3])];
  const r2 = gradCheck(([x, y]) => matmul(x, y, { transA: true }), [p, q]);
  assert.ok(r2.maxRelError < 1e-6);
  const [u, v] = [x64([6, 4]), x64([3, 6])];
  const r3 = gradCheck(([x, y]) => matmul(x, y, { transA: true, transB: true }), [u, v]);
  assert.ok(r3.maxRelError < 1e-6);
  const [b1, b2] = [x64([2, 3, 4]), x64([2, 5, 4])];
  const r4 = gradCheck(([x, y]) => matmul(x, y, { transB: true }), [b1, b2]);
  assert.ok(r4.maxRelError < 1e-6);
});
