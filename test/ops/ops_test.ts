import assert from "node:assert/strict";
import { randn, tensor, zeros } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { add, div, mul, scale, sub, unary } from "../../src/ops/elementwise.ts";
import { matmul } from "../../src/ops/matmul.ts";
import { broadcastTo, max, mean, sum, sumTo } from "../../src/ops/reduce.ts";
import { indexSelect, reshape, slice, transpose } from "../../src/ops/shape_ops.ts";
import { logSoftmax, softmax } from "../../src/ops/softmax.ts";
import { crossEntropy } from "../../src/ops/loss.ts";

const rng = new Rng(3);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])),
      `index ${i}: ${a[i]} vs ${b[i]}`,
    );
  }
};

function naiveMatmul(a: Tensor, b: Tensor, tA: boolean, tB: boolean): Float64Array {
  const A = a.toArray(), B = b.toArray();
  const m = tA ? a.shape[1] : a.shape[0], k = tA ? a.shape[0] : a.shape[1];
  const n = tB ? b.shape[0] : b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) {
        s += (tA ? A[q * m + i] : A[i * k + q]) * (tB ? B[j * k + q] : B[q * n + j]);
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

Deno.test("matmul() matches a naive product in all four layouts over edge sizes", () => {
  for (
    const [m, k, n] of [[1, 1, 1], [1, 7, 3], [5, 1, 4], [13, 17, 11], [64, 33, 1], [31, 64, 29]]
  ) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = randn(tA ? [k, m] : [m, k], rng), b = randn(tB ? [n, k] : [k, n], rng);
        const c = matmul(a, b, { transA: tA, transB: tB });
        assert.deepEqual(c.shape, [m, n]);
        close(c.toArray(), naiveMatmul(a, b, tA, tB));
      }
    }
  }
});

Deno.test("matmul() batches 3-D operands and rejects bad shapes with the op name", () => {
  const a = randn([3, 4, 5], rng), b = randn([3, 5, 2], rng);
  const c = matmul(a, b).toArray();
  for (let t = 0; t < 3; t++) {
    const at = slice(a, [t, 0, 0], [1, 4, 5]), bt = slice(b, [t, 0, 0], [1, 5, 2]);
    close(
      c.subarray(t * 8, t * 8 + 8),
      naiveMatmul(reshape(at, [4, 5]), reshape(bt, [5, 2]), false, false),
    );
  }
  assert.throws(
    () => matmul(randn([2, 3], rng), randn([4, 2], rng)),
    /matmul: inner dimensions differ.*3 vs 4/,
  );
  assert.throws(() => matmul(randn([2, 3], rng), randn([3], rng)), RangeError);
  assert.throws(() => matmul(randn([2, 3, 4], rng), randn([3, 4, 2], rng)), /batch sizes differ/);
});

Deno.test("add/sub/mul/div() broadcast like NumPy and reject incompatible shapes", () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const col = tensor([10, 20], [2, 1]);
  const row = tensor([1, 2, 3], [3]);
  assert.deepEqual([...add(a, col).toArray()], [11, 12, 13, 24, 25, 26]);
  assert.deepEqual([...sub(a, row).toArray()], [0, 0, 0, 3, 3, 3]);
  assert.deepEqual([...mul(col, row).toArray()], [10, 20, 30, 20, 40, 60]);
  assert.deepEqual([...div(a, tensor([2], [1])).toArray()], [0.5, 1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(add(randn([4, 1, 3], rng), randn([2, 1], rng)).shape, [4, 2, 3]);
  assert.throws(
    () => add(a, tensor([1, 2], [2])),
    /add: shapes \[2,3\] and \[2\] do not broadcast/,
  );
});

Deno.test("unary ops compute their scalar functions; NaN propagates through relu", () => {
  const xs = [-2, -0.5, 0, 0.7, 3];
  const x = tensor(xs);
  const f: Record<string, (v: number) => number> = {
    neg: (v) => -v,
    relu: (v) => Math.max(v, 0),
    tanh: Math.tanh,
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    abs: Math.abs,
    square: (v) => v * v,
    exp: Math.exp,
    gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
  };
  for (const [k, fn] of Object.entries(f)) close(unary(k as "neg", x).toArray(), xs.map(fn));
  assert.ok(Number.isNaN(unary("relu", tensor([NaN])).item()));
  close(scale(x, 2, 1).toArray(), xs.map((v) => 2 * v + 1));
  assert.equal(unary("sigmoid", tensor([-1000])).item(), 0);
});

Deno.test("sum/mean/max() reduce over axes with keepdims; broadcastTo/sumTo are adjoint", () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.deepEqual([...sum(x, { axes: [0] }).toArray()], [5, 7, 9]);
  assert.deepEqual(sum(x, { axes: [1], keepdims: true }).shape, [2, 1]);
  assert.deepEqual([...mean(x, { axes: [-1] }).toArray()], [2, 5]);
  assert.equal(sum(x).item(), 21);
  assert.equal(max(x).item(), 6);
  assert.deepEqual([...broadcastTo(tensor([1, 2], [2, 1]), [2, 3]).toArray()], [1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...sumTo(x, [1, 3]).toArray()], [5, 7, 9]);
  assert.deepEqual([...sumTo(x, [3]).toArray()], [5, 7, 9]);
  assert.throws(() => sum(x, { axes: [2] }), /sum: axis 2 out of range for rank 2/);
  assert.throws(() => broadcastTo(x, [3, 3]), /broadcast_to/);
});

Deno.test("softmax() rows sum to 1, logSoftmax() = log(softmax()), both stable for large logits", () => {
  const x = tensor([1000, 1001, 1002, -5, 0, 5], [2, 3]);
  const p = softmax(x).toArray();
  close([p[0] + p[1] + p[2], p[3] + p[4] + p[5]], [1, 1]);
  close(logSoftmax(x).toArray(), [...p].map(Math.log), 1e-5);
  assert.throws(() => softmax(x, 0), /only the last axis/);
});

Deno.test("crossEntropy() equals −log softmax at the label; validates labels and NaN logits", () => {
  const x = randn([4, 5], rng);
  const y = Int32Array.of(0, 4, 2, 2);
  const lp = logSoftmax(x).toArray();
  const want = -[0, 1, 2, 3].reduce((s, r) => s + lp[r * 5 + y[r]], 0) / 4;
  close([crossEntropy(x, y).item()], [want]);
  close([crossEntropy(x, y, { reduction: "sum" }).item()], [4 * want]);
  assert.equal(crossEntropy(x, y, { reduction: "none" }).shape[0], 4);
  assert.throws(() => crossEntropy(x, Int32Array.of(0, 1, 2)), /3 labels for 4 rows/);
  assert.throws(
    () => crossEntropy(x, Int32Array.of(0, 1, 2, 5)),
    /label 5 at row 3 is outside 0..4/,
  );
  const nan = tensor([0, NaN, 1, 2], [2, 2]);
  assert.throws(
    () => crossEntropy(nan, Int32Array.of(0, 1)),
    /cross_entropy: loss of row 0 is NaN/,
  );
  assert.throws(() => crossEntropy(tensor([Infinity, 0], [1, 2]), Int32Array.of(1)), RangeError);
  assert.throws(
    () => crossEntropy(randn([4], rng), Int32Array.of(0, 1, 2, 3)),
    /logits must have rank 2/,
  );
});

Deno.test("reshape/transpose/slice/indexSelect() move elements correctly and validate", () => {
  const x = tensor([0, 1, 2, 3, 4, 5], [2, 3]);
  assert.deepEqual([...transpose(x).toArray()], [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(reshape(x, [3, -1]).shape, [3, 2]);
  assert.deepEqual([...slice(x, [0, 1], [2, 2]).toArray()], [1, 2, 4, 5]);
  assert.deepEqual([...indexSelect(x, 1, [2, 0]).toArray()], [2, 0, 5, 3]);
  assert.deepEqual([...indexSelect(x, 0, [1, 1]).toArray()], [3, 4, 5, 3, 4, 5]);
  assert.throws(() => reshape(x, [4, 2]), /cannot reshape \[2,3\]/);
  assert.throws(() => reshape(x, [-1, -1]), /more than one -1/);
  assert.throws(() => transpose(x, [0, 0]), /not a permutation/);
  assert.throws(() => slice(x, [1, 2], [2, 1]), /axis 0: \[1, 3\) is outside/);
  assert.throws(() => indexSelect(x, 1, [3]), /index 3 at position 0 is outside 0..2/);
});

Deno.test("ops reject non-tensors, mixed dtypes and mixed backends with TypeError", () => {
  const a = zeros([2, 2]);
  const b = zeros([2, 2], { dtype: "float64" });
  assert.throws(() => add(a, b), /add: input 1 is float64, input 0 is float32/);
  assert.throws(
    () => add(a, [1, 2] as unknown as Tensor),
    /add: input 1 must be a Tensor, got Array/,
  );
  assert.throws(() => tensor([1, 2, 3], [2, 2]), /3 values do not fill shape \[2,2\]/);
  assert.throws(() => zeros([2, -1]), RangeError);
});
