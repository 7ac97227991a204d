/**
 * Model files of graph versions 1 and 2 keep loading. The version-1 fixtures were written
 * at commit cedfc20 (a small ConvNeXt on 12×12 inputs with three stream channels pruned,
 * and its minimized form, whose CompensatedLayerNorms stored raw sums `s1`, `s2`). The
 * version-2 fixtures were written at commit af2324d (the last version-2 writer): the
 * masked model re-saved, and its minimized form from that commit's `minimize`.
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

function bits(a: ArrayLike<number>): string {
  return Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
}

Deno.test("loadModel(): version-2 files convert on load; minimizing the masked one again gives the very same model and outputs", async () => {
  const min = await loadModel(fixture("cln_v2_minimized.safetensors"));
  const masked = await loadModel(fixture("cln_v2_masked.safetensors"));
  assert.equal(min.graph.version, GRAPH_VERSION);
  assert.equal(masked.graph.version, GRAPH_VERSION);
  assert.ok(masked.parameters().some((p) => p.mask !== null), "masks kept");
  const x = randn([8, 1, 12, 12], new Rng(5), { mean: 0.5 });
  const r = verify(masked, min, x);
  assert.ok(r.ok, `contract ${r.maxRel}`);
  // Today's minimize reproduces the version-2 result exactly: graph, parameter bits, outputs.
  const again = minimize(masked).model;
  assert.equal(JSON.stringify(again.graph), JSON.stringify(min.graph));
  for (const [name, p] of min.namedParameters()) {
    assert.equal(bits(again.namedParameters().get(name)!.toArray()), bits(p.toArray()), name);
  }
  assert.equal(bits(again.forward(x).toArray()), bits(min.forward(x).toArray()));
  // And the version-1 file of the same model computes the same as the version-2 one.
  const v1 = await loadModel(fixture("cln_v1_minimized.safetensors"));
  const d = verify(v1, min, x);
  assert.ok(d.ok, `v1 vs v2 ${d.maxRel}`);
});

Deno.test("upgradeGraph(): leaves current graphs alone and converts versions 1 and 2", () => {
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
  assert.equal(up.version, GRAPH_VERSION);
  assert.deepEqual(up.nodes[0].attrs, { eps: 1e-6, width: 3, kbar: 2, m2: 2 });
  const v2 = { version: 2, nodes: [], params: {}, inputs: [{ name: "x", shape: [-1, 4] }] };
  const up2 = upgradeGraph(v2) as typeof v2;
  assert.equal(up2.version, GRAPH_VERSION);
  assert.deepEqual(up2.inputs, v2.inputs, "channel axis 1 (absent) as version 2 meant");
  assert.equal(v2.version, 2, "the input is not modified");
  assert.equal(v1.nodes[0].attrs.s1, 4, "the input is not modified");
});
