/**
 * The smallest cases of the bugs the transformer fuzz found (transformer_fuzz_test.ts):
 * - a `linear` on token values of width 0 (`[B, T, 0]`, every channel gone) crashed: it
 *   reshaped with an inferred `-1`, which a shape of 0 elements resolves to 0 rows (fuzz:
 *   vit seed 107730, text encoder seed 116734, …); `patch_embed` of width 0 had the same
 *   reshape and returned `[B, 0, 0]` instead of `[B, T, 0]` (found reading the code);
 * - attention in float64 built its causal mask and the scores of a head of query/key
 *   width 0 in float32 (fuzz: vit seed 107736, text encoder seed 116740, …).
 */
import assert from "node:assert/strict";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { GraphBuilder } from "../../src/graph/builder.ts";
import { multiHeadAttention } from "../../src/nn/attention_functional.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { textEncoder, vit } from "../../src/nn/transformer_models.ts";
import { maskParamWhere } from "../../src/prune/masks.ts";
import { referenceBackend, tensor } from "../../src/tensor/create.ts";
import { noGrad } from "../../src/tensor/grad_mode.ts";

const f64 = createReferenceBackend();

Deno.test("a token MLP whose first layer is masked: the second linear reads [B, T, 0] and folds it", () => {
  const g = new GraphBuilder("token-mlp");
  const x = g.input("x", [-1, 3, 2], 2);
  const p = (name: string, v: number[], shape: number[]) =>
    g.param(name, Parameter.of(v, shape, f64));
  const a = g.node("fc1", "linear", [x], {
    weight: p("w1", [1, -1, 2, 0.5], [2, 2]),
    bias: p("b1", [0.3, -0.7], [2]),
  });
  const h = g.node("act", "gelu", [a]);
  g.output(g.node("fc2", "linear", [h], {
    weight: p("w2", [1, 2, -1, 0.5, 0.25, 3], [3, 2]),
    bias: p("b2", [0.1, 0.2, 0.3], [3]),
  }));
  const m = fromGraph(g.build(), g.parameters);
  maskParamWhere(m.namedParameters().get("w1")!, () => true);
  const { model } = minimize(m);
  assert.equal(
    model.graph.params[model.graph.nodes.find((n) => n.name === "fc2")!.params.weight][1],
    0,
  );
  const probes = tensor([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6], [2, 3, 2], { backend: f64 });
  const r = verify(m, model, probes);
  assert.ok(r.ok, `${r.maxRel}`);
});

Deno.test("patch_embed of width 0 gives [B, T, 0]", () => {
  const g = new GraphBuilder("patch0");
  const x = g.input("x", [-1, 1, 4, 4]);
  const w = g.param("w", Parameter.of([], [0, 1, 2, 2], f64));
  g.output(g.node("embed", "patch_embed", [x], { weight: w }));
  const m = fromGraph(g.build(), g.parameters);
  const y = noGrad(() => m.forward(tensor(new Array(32).fill(1), [2, 1, 4, 4], { backend: f64 })));
  assert.deepEqual(y.shape, [2, 4, 0]);
});

for (const norm of ["layer", "rms"] as const) {
  Deno.test(`a ViT (${norm} norm) whose every stream channel is constant becomes a constant`, () => {
    const net = vit({
      imageSize: 2,
      patch: 1,
      dim: 2,
      heads: 1,
      depth: 1,
      mlp: 2,
      classes: 2,
      norm,
    });
    const { graph, params } = toGraph(net, [1, 2, 2], "vit");
    const m = fromGraph(graph, params);
    for (const [name, p] of m.namedParameters()) {
      if (/bias$/.test(name)) p.assign(Array.from({ length: p.size }, (_, i) => 0.5 - i / 3));
      if (/^(embed|pos)\.weight$|mha\.o\.weight$|fc2\.weight$|norm\.weight$/.test(name)) {
        maskParamWhere(p, () => true);
      }
    }
    m.eval();
    const { model } = minimize(m);
    assert.ok(model.graph.nodes.every((n) => !/norm|attn|mlp/.test(n.name)), model.graph.name);
    const probes = tensor([1, -2, 3, 0.5, -1, 2, 0.25, 4], [2, 1, 2, 2], {
      backend: referenceBackend(),
    });
    const r = verify(m, model, probes);
    assert.ok(r.ok, `${r.maxRel}`);
  });
}

Deno.test("causal attention in float64 on the reference backend (the mask in the input's dtype)", () => {
  const net = textEncoder({ vocab: 4, length: 3, dim: 2, depth: 1, heads: 1, causal: true });
  const { graph, params } = toGraph(net, [3], "text");
  const m = fromGraph(
    graph,
    new Map([...params].map(([k, p]) => [k, Parameter.of(p.toArray(), p.shape, f64, "float64")])),
  );
  const y = noGrad(() =>
    m.forward(tensor([0, 1, 2, 3, 2, 1], [2, 3], { backend: f64, dtype: "float64" }))
  );
  assert.equal(y.dtype, "float64");
  assert.deepEqual(y.shape, [2, 2]);
});

Deno.test("a head of query/key width 0 in float64 (uniform attention in the input's dtype)", () => {
  const z = tensor([], [1, 2, 0], { backend: f64, dtype: "float64" });
  const v = tensor([1, 2, 3, 5], [1, 2, 2], { backend: f64, dtype: "float64" });
  const y = noGrad(() => multiHeadAttention(z, z, v, { qk: [0, 0], v: [1, 1], scale: 1 }));
  assert.equal(y.dtype, "float64");
  assert.deepEqual([...y.toArray()], [2, 3.5, 2, 3.5]);
});
