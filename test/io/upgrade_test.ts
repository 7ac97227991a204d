/**
 * Model files of graph version 1 keep loading. The fixtures were written at commit cedfc20
 * (a small ConvNeXt on 12×12 inputs with three stream channels pruned, and its minimized
 * form, whose CompensatedLayerNorms stored raw sums `s1`, `s2`).
 */
import assert from "node:assert/strict";
import { loadModel } from "../../src/io/model_file.ts";
import { GRAPH_VERSION, upgradeGraph } from "../../src/graph/upgrade.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

Deno.test("loadModel(): a version-1 file with CompensatedLayerNorm sums converts on load and still equals its masked source", async () => {
  const min = await loadModel(fixture("cln_v1_minimized.safetensors"));
  const masked = await loadModel(fixture("cln_v1_masked.safetensors"));
  assert.equal(min.graph.version, GRAPH_VERSION);
  assert.equal(min.training, false, "loaded in inference mode");
  const trainable = await loadModel(fixture("cln_v1_minimized.safetensors"), undefined, {
    training: true,
  });
  assert.equal(trainable.training, true, "training mode when asked for");
  const norms = min.graph.nodes.filter((n) => n.op === "layer_norm");
  assert.ok(norms.every((n) => !("s1" in n.attrs) && !("s2" in n.attrs)));
  assert.equal(norms.filter((n) => "kbar" in n.attrs).length, 3, "three compensated norms");
  const x = randn([8, 1, 12, 12], new Rng(3), { mean: 0.5 });
  const r = verify(masked, min, x);
  assert.ok(r.ok, `contract ${r.maxRel}`);
  // Minimizing the masked source again gives the same statistics as the converted file.
  const again = minimize(masked).model;
  const agained = again.graph.nodes.filter((n) => n.op === "layer_norm" && "kbar" in n.attrs);
  agained.forEach((n, i) => {
    const old = norms.filter((q) => "kbar" in q.attrs)[i];
    assert.equal(n.attrs.width, old.attrs.width);
    assert.ok(Math.abs((n.attrs.kbar as number) - (old.attrs.kbar as number)) < 1e-6);
    assert.ok(Math.abs((n.attrs.m2 as number) - (old.attrs.m2 as number)) < 1e-6);
  });
});

Deno.test("upgradeGraph(): leaves current graphs alone and converts only version 1", () => {
  const current = { version: GRAPH_VERSION, nodes: [], params: {} };
  assert.equal(upgradeGraph(current), current);
  assert.equal(upgradeGraph("junk"), "junk");
  const v1 = {
    version: 1,
    params: { g: [1], b: [1] },
    nodes: [{
      op: "layer_norm",
      params: { weight: "g", bias: "b" },
      attrs: { eps: 1e-6, width: 3, s1: 4, s2: 10 },
    }],
  };
  const up = upgradeGraph(v1) as typeof v1;
  assert.deepEqual(up.nodes[0].attrs, { eps: 1e-6, width: 3, kbar: 2, m2: 2 });
  assert.equal(v1.nodes[0].attrs.s1, 4, "the input is not modified");
});
