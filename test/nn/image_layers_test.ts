import assert from "node:assert/strict";
import { gradCheck } from "../../src/autograd/grad_check.ts";
import { full, randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { layerNorm } from "../../src/ops/layer_norm.ts";
import { transpose } from "../../src/ops/shape_ops.ts";
import { batchNorm, compensatedLayerNorm } from "../../src/nn/norm_functional.ts";
import {
  channelAffine,
  conv2dBias,
  dropout,
  dropPath,
  globalAvgPool,
  pool2d,
} from "../../src/nn/image_functional.ts";
import { batchNorm2d, drop, layerNorm2d, pool } from "../../src/nn/layers.ts";
import { convnext, convnextTiny, smallCnn } from "../../src/nn/image_models.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { createBackend } from "../../src/backends/select.ts";

const rng = new Rng(11);
const x64 = (shape: number[], shift = 0) =>
  randn(shape, rng, { dtype: "float64", requiresGrad: true, mean: shift });
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    (m = Math.max(m, Math.abs(a[i] - b[i]))), (s = Math.max(s, Math.abs(b[i])));
  }
  return m / Math.max(1e-30, s);
};

Deno.test("compensatedLayerNorm(): with nothing removed it is LayerNorm (fused kernel, NHWC), ≤ 1e-6 relative", async (t) => {
  for (const name of ["js", "wasm"] as const) {
    await t.step(name, async () => {
      const be = await createBackend(name);
      for (const [n, c, h, w] of [[2, 7, 5, 3], [1, 96, 7, 7], [3, 1, 2, 2], [4, 13, 1, 1]]) {
        const x = randn([n, c, h, w], rng, { backend: be, mean: 0.5 });
        const g = randn([c], rng, { backend: be }), b = randn([c], rng, { backend: be });
        const cln = compensatedLayerNorm(x, g, b, { width: c, kbar: 0, m2: 0 }, 1e-6).toArray();
        const ref = transpose(layerNorm(transpose(x, [0, 2, 3, 1]), g, b, { eps: 1e-6 }), [
          0,
          3,
          1,
          2,
        ])
          .toArray();
        assert.ok(maxRel(cln, ref) <= 1e-6, `${name} ${[n, c, h, w]}: ${maxRel(cln, ref)}`);
      }
    });
  }
});

Deno.test("compensatedLayerNorm(): kept channels of a LayerNorm whose constant channels were removed (width, k̄, M2)", () => {
  const c = 9, removed = [1, 4, 8], keep = [0, 2, 3, 5, 6, 7];
  const k = [0.7, -2.5, 3.25];
  const x = randn([3, c, 2, 2], rng, { dtype: "float64" });
  const xd = x.toArray() as Float64Array;
  for (let n = 0; n < 3; n++) {
    removed.forEach((ch, i) => {
      for (let s = 0; s < 4; s++) xd[(n * c + ch) * 4 + s] = k[i];
    });
  }
  const full9 = tensor(xd, [3, c, 2, 2], { dtype: "float64" });
  const g = randn([c], rng, { dtype: "float64" }), b = randn([c], rng, { dtype: "float64" });
  const want = compensatedLayerNorm(full9, g, b, { width: c, kbar: 0, m2: 0 }).toArray();
  const pick = (t: Tensor, idx: number[], per: number) => {
    const d = t.toArray(), rows = d.length / (c * per), out: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (const ch of idx) for (let s = 0; s < per; s++) out.push(d[(r * c + ch) * per + s]);
    }
    return out;
  };
  const xk = tensor(pick(full9, keep, 4), [3, keep.length, 2, 2], { dtype: "float64" });
  const gk = tensor(pick(g, keep, 1), [keep.length], { dtype: "float64" });
  const bk = tensor(pick(b, keep, 1), [keep.length], { dtype: "float64" });
  const kbar = k.reduce((a, v) => a + v, 0) / k.length;
  const m2 = k.reduce((a, v) => a + (v - kbar) ** 2, 0);
  const got = compensatedLayerNorm(xk, gk, bk, { width: c, kbar, m2 }).toArray();
  const wantKept = pick(tensor(want, [3, c, 2, 2], { dtype: "float64" }), keep, 4);
  assert.ok(maxRel(got, wantKept) < 1e-12, `${maxRel(got, wantKept)}`);
  assert.throws(
    () => compensatedLayerNorm(xk, gk, bk, { width: 4, kbar, m2 }),
    /width 4 is smaller/,
  );
});

Deno.test("image layers: gradients match finite differences", async (t) => {
  const cases: Record<string, () => [(xs: Tensor[]) => Tensor, Tensor[]]> = {
    "compensated layer norm": () => [
      ([x, g, b]) => compensatedLayerNorm(x, g, b, { width: 6, kbar: 0.4, m2: 0.98 }),
      [x64([2, 4, 2, 3]), x64([4], 1), x64([4])],
    ],
    "batch norm (training)": () => [
      ([x, g, b]) =>
        batchNorm(x, g, b, full([3], 0, { dtype: "float64" }), full([3], 1, { dtype: "float64" }), {
          training: true,
        }),
      [x64([4, 3, 2, 2]), x64([3], 1), x64([3])],
    ],
    "batch norm (eval)": () => [
      ([x, g, b]) =>
        batchNorm(
          x,
          g,
          b,
          tensor([0.1, -0.2, 0.3], [3], { dtype: "float64" }),
          tensor([1.5, 0.5, 2], [3], { dtype: "float64" }),
          {
            training: false,
          },
        ),
      [x64([2, 3, 2, 2]), x64([3], 1), x64([3])],
    ],
    "max pool": () => [([x]) => pool2d(x, "max", 2), [x64([2, 3, 5, 4])]],
    "avg pool": () => [([x]) => pool2d(x, "avg", 3), [x64([1, 2, 7, 6])]],
    "global avg pool": () => [([x]) => globalAvgPool(x), [x64([2, 3, 3, 2])]],
    "layer scale": () => [([x, s]) => channelAffine(x, s), [x64([2, 5, 2, 2]), x64([5])]],
    "conv + bias": () => [
      ([x, w, b]) => conv2dBias(x, w, b, { stride: 2, padding: 1 }),
      [x64([2, 3, 5, 5]), x64([4, 3, 3, 3]), x64([4])],
    ],
    "depthwise conv + bias": () => [
      ([x, w, b]) => conv2dBias(x, w, b, { padding: 3, groups: 3 }),
      [x64([2, 3, 6, 5]), x64([3, 1, 7, 7]), x64([3])],
    ],
    "drop path": () => [([x]) => dropPath(x, 0.5, new Rng(3)), [x64([4, 2, 2, 2])]],
  };
  for (const [name, make] of Object.entries(cases)) {
    await t.step(name, () => {
      const [fn, inputs] = make();
      // Random layers must draw the same mask in every evaluation of the check.
      const r = gradCheck(fn, inputs);
      assert.ok(r.maxRelError < 1e-6, `${name}: ${r.maxRelError}`);
    });
  }
});

Deno.test("BatchNorm: training updates the running statistics; eval uses them", () => {
  const bn = batchNorm2d(2);
  const x = randn([8, 2, 3, 3], rng, { mean: 2 });
  bn.forward(x);
  const [, , rm, rv] = bn.parameters().map((p) => p.toArray());
  const d = x.toArray();
  const m0 = [0, 1].map((c) => {
    let s = 0;
    for (let n = 0; n < 8; n++) for (let i = 0; i < 9; i++) s += d[(n * 2 + c) * 9 + i];
    return s / 72;
  });
  m0.forEach((m, c) => assert.ok(Math.abs(rm[c] - 0.1 * m) < 1e-5));
  assert.ok(rv.every((v) => v !== 1));
  assert.ok(bn.parameters().slice(2).every((p) => !p.requiresGrad), "running stats are buffers");
  bn.eval();
  const y = bn.forward(x).toArray();
  const want = (d[0] - rm[0]) / Math.sqrt(rv[0] + 1e-5);
  assert.ok(Math.abs(y[0] - want) < 1e-5);
});

Deno.test("dropout and drop path: seeded, scaled, identity in eval", () => {
  const x = full([200, 50], 1);
  const a = dropout(x, 0.3, new Rng(5)).toArray(), b = dropout(x, 0.3, new Rng(5)).toArray();
  assert.deepEqual(a, b);
  const kept = a.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  assert.ok(Math.abs(kept.length / a.length - 0.7) < 0.02);
  const p = dropPath(full([100, 3, 2, 2], 1), 0.5, new Rng(1)).toArray();
  for (let n = 0; n < 100; n++) {
    const s = p.slice(n * 12, n * 12 + 12);
    assert.ok(s.every((v) => v === s[0]), "one decision per sample");
  }
  const d = drop("drop_path", 0.9);
  assert.deepEqual(d.eval().forward(x).toArray(), x.toArray());
  assert.throws(() => drop("dropout", 1), /p must be in \[0, 1\)/);
});

Deno.test("layer modules and their graphs compute the same; channels-last LayerNorm matches channels-first", () => {
  for (
    const net of [
      smallCnn({ seed: 2, dropout: 0.2 }),
      convnext({ depths: [1, 2], dims: [8, 16], seed: 3, layerScaleInit: 0.5, dropPath: 0.2 }),
    ]
  ) {
    net.eval();
    const { graph, params } = toGraph(net, [1, 28, 28]);
    const m = fromGraph(graph, params).eval();
    const x = randn([3, 1, 28, 28], rng);
    assert.deepEqual(m.forward(x).toArray(), net.forward(x).toArray());
  }
  const cf = layerNorm2d(6), cl = layerNorm2d(6, { channelsLast: true });
  const x = randn([2, 6, 3, 3], rng);
  const a = cf.forward(x).toArray();
  const b = transpose(cl.forward(transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]).toArray();
  assert.ok(maxRel(a, b) < 1e-6);
  assert.equal(pool("max", 2).forward(x).shape.join(), "2,6,1,1");
});

Deno.test("model builders: ConvNeXt-Tiny's real configuration and shapes; bad configurations are named", () => {
  const tiny = convnextTiny({ classes: 1000 });
  assert.equal(tiny.parameterCount(), 28_589_128);
  const { graph } = toGraph(tiny, [3, 224, 224]);
  assert.equal(graph.nodes.filter((n) => n.op === "dwconv2d").length, 18);
  assert.deepEqual(graph.params["head.fc.weight"], [1000, 768]);
  assert.throws(() => convnext({ depths: [1], dims: [8, 16] }), /depths \[1\] and dims \[8,16\]/);
  assert.throws(() => smallCnn({ channels: [4, 4, 4, 4, 4, 4] }), /shrink the image to nothing/);
});
