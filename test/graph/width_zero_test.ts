/**
 * Values of width 0 end to end: a graph whose layers lost every channel (what minimization
 * leaves of a dead branch or a constant network) validates, runs forward on every backend,
 * trains, saves and reloads, prunes, and reports.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { GraphModule } from "../../src/graph/graph_module.ts";
import type { Graph } from "../../src/graph/ir.ts";
import { GRAPH_VERSION } from "../../src/graph/upgrade.ts";
import { decodeModel, encodeModel } from "../../src/io/model_file.ts";
import { denseWidths } from "../../src/minimize/rewrite.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { trainStep } from "../../src/nn/train.ts";
import { importanceScores } from "../../src/prune/importance.ts";
import { pruneToBudget, pruneWeakestUnits } from "../../src/prune/prune.ts";
import { structureRegularizer } from "../../src/prune/regularizers.ts";
import { pruneUnits } from "../../src/prune/units.ts";
import { tensor } from "../../src/tensor/create.ts";
import { tidy } from "../../src/tensor/scope.ts";
import { tryWebGpu } from "../backends/webgpu_helpers.ts";

/** Every layer kind with no channels: select [] → conv (0 in) → … → heads that keep a bias. */
const GRAPH: Graph = {
  format: "squeeze.graph",
  version: GRAPH_VERSION,
  name: "empty",
  inputs: [{ name: "x", shape: [-1, 2, 4, 4] }],
  nodes: [
    { name: "sel", op: "select", inputs: ["x"], params: {}, attrs: { indices: [] } },
    {
      name: "conv",
      op: "conv2d",
      inputs: ["sel"],
      params: { weight: "cw", bias: "cb" },
      attrs: { padding: 1 },
    },
    { name: "sel2", op: "select", inputs: ["conv"], params: {}, attrs: { indices: [] } },
    {
      name: "dw",
      op: "dwconv2d",
      inputs: ["sel2"],
      params: { weight: "dw" },
      attrs: { padding: 1 },
    },
    {
      name: "ln",
      op: "layer_norm",
      inputs: ["dw"],
      params: { weight: "g", bias: "b" },
      attrs: { width: 4, kbar: 0.5, m2: 1 },
    },
    {
      name: "bn",
      op: "batch_norm",
      inputs: ["ln"],
      params: { weight: "bw", bias: "bb", running_mean: "rm", running_var: "rv" },
      attrs: {},
    },
    { name: "pool", op: "max_pool", inputs: ["bn"], params: {}, attrs: { kernel: 2 } },
    { name: "sum", op: "add", inputs: ["pool", "pool"], params: {}, attrs: {} },
    { name: "gap", op: "global_avg_pool", inputs: ["sum"], params: {}, attrs: {} },
    { name: "fc0", op: "linear", inputs: ["gap"], params: { weight: "w0", bias: "b0" }, attrs: {} },
    { name: "flat", op: "flatten", inputs: ["conv"], params: {}, attrs: {} },
    {
      name: "fc",
      op: "linear",
      inputs: ["flat"],
      params: { weight: "w", bias: "bias" },
      attrs: {},
    },
    { name: "out", op: "add", inputs: ["fc", "fc0"], params: {}, attrs: {} },
  ],
  outputs: ["out"],
  params: {
    cw: [3, 0, 3, 3],
    cb: [3],
    dw: [0, 1, 3, 3],
    g: [0],
    b: [0],
    bw: [0],
    bb: [0],
    rm: [0],
    rv: [0],
    w0: [3, 0],
    b0: [3],
    w: [3, 48],
    bias: [3],
  },
};

function model(be: Backend): GraphModule {
  const params = new Map(
    Object.entries(GRAPH.params).map(([k, s]) => {
      const n = s.reduce((a, b) => a * b, 1);
      const v = Array.from({ length: n }, (_, i) => (k === "w" ? (i % 5) / 10 : 0.25));
      return [k, Parameter.of(v, s, be)];
    }),
  );
  return new GraphModule(structuredClone(GRAPH), params);
}

// conv writes its bias (0.25) everywhere; fc sums 48 of them with weights (i % 5)/10, plus
// its bias; fc0 adds its bias. Row r: 0.25·Σ_j ((48r + j) % 5)/10 + 0.25 + 0.25.
const WANT = [0, 1, 2].map((r) => {
  let s = 0;
  for (let j = 0; j < 48; j++) s += ((48 * r + j) % 5) / 10;
  return 0.25 * s + 0.5;
});

const gpu = await tryWebGpu();
const BACKENDS: Backend[] = [createReferenceBackend(), createWasmBackend(), ...(gpu ? [gpu] : [])];

for (const be of BACKENDS) {
  Deno.test(`width 0 [${be.name}]: every layer kind runs with no channels; the heads keep their biases`, async () => {
    const m = model(be).eval();
    const x = tensor(Array.from({ length: 64 }, (_, i) => i), [2, 2, 4, 4], { backend: be });
    const y = await m.forward(x).data();
    assert.equal(y.length, 6);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(y[i] - WANT[i % 3]) < 1e-5, `${i}: ${y[i]}`);
  });
}

for (const be of BACKENDS.filter((b) => b.capabilities.syncRead)) {
  Deno.test(`width 0 [${be.name}]: trains with the regularizer, saves and reloads, prunes and reports`, () => {
    const m = model(be);
    const x = tensor(Array.from({ length: 64 }, (_, i) => i / 64), [2, 2, 4, 4], { backend: be });
    const opt = new AdamW(m.parameters(), { lr: 0.01 });
    const regularizer = structureRegularizer("group_lasso", 1e-3);
    const before = m.namedParameters().get("w")!.toArray().slice();
    tidy(() => trainStep(m, { x, y: Int32Array.of(0, 1) }, { optimizer: opt, regularizer }));
    assert.notDeepEqual(m.namedParameters().get("w")!.toArray(), before, "the head trained");
    m.eval();
    const back = decodeModel(encodeModel(m), "empty.safetensors", be);
    assert.deepEqual(back.graph, m.graph);
    assert.deepEqual([...back.forward(x).toArray()], [...m.forward(x).toArray()]);
    assert.deepEqual(denseWidths(m), [0, 3, 3, 3]);
    assert.ok(pruneUnits(m).units.length > 0);
    pruneWeakestUnits(m, 0.5, 0.5);
    const kept = pruneToBudget(m, 20, importanceScores(m, "unit"));
    assert.ok(kept <= 20);
  });
}
