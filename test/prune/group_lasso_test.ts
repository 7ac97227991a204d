import assert from "node:assert/strict";
import { groupLasso } from "../../src/prune/group_lasso.ts";
import { structureRegularizer } from "../../src/prune/regularizers.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import { convnext } from "../../src/nn/image_models.ts";
import { vit } from "../../src/nn/transformer_models.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { backward } from "../../src/autograd/backward.ts";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { Rng } from "../../src/tensor/random.ts";

/** The model's parameters as `dtype` on `backend`, with some rows and columns zeroed. */
function onBackend(m: GraphModule, backend: Backend, dtype: "float32" | "float64") {
  const rng = new Rng(9);
  const moved = new Map(
    [...m.namedParameters()].map(([k, p]) => {
      const v = p.toArray().map((x, i) => (i % 7 === 3 ? 0 : x + 0.1 * rng.normal()));
      return [k, Parameter.of(v, p.shape, backend, dtype)];
    }),
  );
  return fromGraph(m.graph, moved);
}

/** Value and gradients of the regularizer, fused or op by op. */
function regAndGrads(m: GraphModule, opByOp: boolean): { value: number; grads: number[][] } {
  for (const p of m.parameters()) p.grad = null;
  const r = structureRegularizer("group_lasso", 0.3, { opByOp })(m)!;
  const value = r.item();
  backward(r);
  const grads = m.parameters().map((p) => p.grad ? Array.from(p.grad.toArray()) : []);
  return { value, grads };
}

function assertClose(a: number[][], b: number[][], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => {
    assert.equal(x.length, b[i].length, `${what}: parameter ${i}`);
    x.forEach((v, j) => {
      const w = b[i][j];
      assert.ok(Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${what}: p${i}[${j}] ${v} vs ${w}`);
    });
  });
}

const models: [string, () => GraphModule][] = [
  ["convnext", () => {
    const net = convnext({ dims: [8, 12], depths: [1, 1], stemPatch: 4, seed: 2 });
    const { graph, params } = toGraph(net, [1, 28, 28], "c");
    return fromGraph(graph, params);
  }],
  ["vit", () => {
    const net = vit({ dim: 8, depth: 2, heads: 2, mlp: 6, patch: 7, seed: 3 });
    const { graph, params } = toGraph(net, [1, 28, 28], "v");
    return fromGraph(graph, params);
  }],
];

for (const [name, make] of models) {
  Deno.test(`groupLasso(): the fused penalty equals the op-by-op one on a ${name} (value, gradients; js float64, wasm float32)`, () => {
    const js = onBackend(make(), createReferenceBackend(), "float64");
    const f = regAndGrads(js, false), o = regAndGrads(js, true);
    assert.ok(f.value > 0);
    assert.ok(Math.abs(f.value - o.value) <= 1e-12 * o.value, `${f.value} vs ${o.value}`);
    assertClose(f.grads, o.grads, 1e-12, `${name} js`);
    const be = createWasmBackend({ threads: 1 });
    try {
      const w = onBackend(make(), be, "float32");
      const fw = regAndGrads(w, false), ow = regAndGrads(w, true);
      assert.ok(Math.abs(fw.value - ow.value) <= 1e-5 * ow.value, `${fw.value} vs ${ow.value}`);
      assertClose(fw.grads, ow.grads, 1e-4, `${name} wasm`);
      // float32 on Wasm against float64 on js: the same penalty of the same weights.
      assert.ok(Math.abs(fw.value - f.value) <= 1e-5 * f.value);
    } finally {
      be.dispose();
    }
  });
}

Deno.test("groupLasso(): rows, columns over taps, spanning groups and a weight given twice (finite differences)", () => {
  const rng = new Rng(4);
  const a = randn([3, 4, 2, 2], rng, { dtype: "float64", requiresGrad: true });
  const b = randn([5, 3], rng, { dtype: "float64", requiresGrad: true });
  const spans = [
    [{ input: 0, indices: Int32Array.of(0, 5, 17) }, { input: 1, indices: Int32Array.of(2, 3) }],
    [{ input: 1, indices: Int32Array.of(14, 0) }],
  ];
  const attrs = { rows: [true, false, true], cols: [true, true, false], spans, eps: 1e-12 };
  const r = gradCheck(([x, y]) => groupLasso([x, y, y], attrs), [a, b]);
  assert.ok(r.maxRelError < 1e-6, String(r.maxRelError));
  // The value against a direct sum.
  const av = a.toArray(), bv = b.toArray();
  const norm = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) + 1e-12);
  let want = 0;
  for (let o = 0; o < 3; o++) want += norm(Array.from(av.slice(o * 16, o * 16 + 16)));
  for (let i = 0; i < 4; i++) {
    const col: number[] = [];
    for (let o = 0; o < 3; o++) for (let t = 0; t < 4; t++) col.push(av[o * 16 + i * 4 + t]);
    want += norm(col);
  }
  for (let i = 0; i < 3; i++) want += norm([0, 1, 2, 3, 4].map((o) => bv[o * 3 + i]));
  for (let o = 0; o < 5; o++) want += norm(Array.from(bv.slice(o * 3, o * 3 + 3)));
  want += norm([av[0], av[5], av[17], bv[2], bv[3]]) + norm([bv[14], bv[0]]);
  const got = groupLasso([a, b, b], attrs).item();
  assert.ok(Math.abs(got - want) < 1e-12 * want, `${got} vs ${want}`);
});

Deno.test("groupLasso(): bad groups are RangeErrors naming the input", () => {
  const w = tensor([1, 2, 3], [3]);
  assert.throws(
    () => groupLasso([w], { rows: [false], cols: [true], spans: [], eps: 0 }),
    (e: unknown) =>
      e instanceof RangeError && /input 0 of shape \[3\] has no columns/.test(e.message),
  );
  assert.throws(
    () =>
      groupLasso([w], {
        rows: [true],
        cols: [false],
        spans: [[{ input: 0, indices: Int32Array.of(3) }]],
        eps: 0,
      }),
    (e: unknown) => e instanceof RangeError && /outside input 0/.test(e.message),
  );
  assert.throws(
    () => groupLasso([w], { rows: [true, true], cols: [false], spans: [], eps: 0 }),
    RangeError,
  );
});
