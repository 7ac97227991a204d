/**
 * silu and hardswish (issue 13, item 7: the ops added through the "adding a layer op"
 * path): their definitions, the layer and graph round trip, and exact minimization of
 * channels they hold constant or dead. Kernels against the reference: conformance_test.ts;
 * gradients: grad_check_test.ts (both pick every unary kind up from the manifest).
 */
import assert from "node:assert/strict";
import { UNARY_FNS } from "../../src/backends/js/elementwise.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { Activation } from "../../src/nn/activation.ts";
import { mlp } from "../../src/nn/models.ts";
import { ACTIVATION_KINDS } from "../../src/ops/activations.ts";
import { LAYER_OPS } from "../../src/graph/layer_ops.ts";
import { tensor } from "../../src/tensor/create.ts";
import { maskParam, probes, randomMlp } from "../minimize/helpers.ts";

const GRID = [-1e4, -7, -3.5, -3, -2.999, -1, -0.25, 0, 0.25, 1, 2.999, 3, 3.5, 7, 1e4];

Deno.test("silu and hardswish follow their definitions (PyTorch's forms), NaN kept", () => {
  for (const x of GRID) {
    const silu = x === -1e4 ? 0 : x / (1 + Math.exp(-x));
    assert.ok(Math.abs(UNARY_FNS.silu(x) - silu) <= 1e-15 * Math.max(1, Math.abs(x)), `silu(${x})`);
    const hs = x * Math.min(Math.max(x + 3, 0), 6) / 6;
    assert.ok(
      Math.abs(UNARY_FNS.hardswish(x) - hs) <= 1e-12 * Math.max(1, Math.abs(x)),
      `hs(${x})`,
    );
  }
  // Gradients at the kinks as PyTorch: x < −3 → 0, −3 ≤ x ≤ 3 → x/3 + 1/2, x > 3 → 1.
  assert.deepEqual([-3.5, -3, 3, 3.5].map(UNARY_FNS.hardswish_grad), [0, -0.5, 1.5, 1]);
  for (const k of ["silu", "hardswish", "silu_grad", "hardswish_grad"] as const) {
    assert.ok(Number.isNaN(UNARY_FNS[k](NaN)), `${k}(NaN)`);
  }
});

Deno.test("every activation kind is a layer op and an Activation; unknown kinds are named", () => {
  for (const kind of ACTIVATION_KINDS) {
    assert.ok(LAYER_OPS.has(kind), `layer op ${kind}`);
    const y = new Activation(kind).forward(tensor([-4, -1, 0, 2, 5])).toArray();
    assert.deepEqual([...y], [-4, -1, 0, 2, 5].map((v) => Math.fround(UNARY_FNS[kind](v))));
  }
  assert.throws(
    () => new Activation("swish" as never),
    /unknown kind "swish" \(one of relu, .*silu, hardswish, identity\)/,
  );
});

Deno.test("silu / hardswish MLPs: graph round trip bit for bit, and exact minimization of dead and constant units", () => {
  const backend = createWasmBackend({ threads: 1 });
  for (const activation of ["silu", "hardswish"] as const) {
    const net = mlp([5, 7, 6, 3], { seed: 3, activation, backend });
    const { graph, params } = toGraph(net, [5], "m");
    const x = probes(9, 5, 1);
    const xs = tensor(x.toArray(), x.shape, { backend });
    assert.deepEqual(fromGraph(graph, params).forward(xs).toArray(), net.forward(xs).toArray());

    const m = randomMlp([5, 7, 6, 3], activation, 4);
    maskParam(m, "fc1.weight", (r) => r === 1 || r === 4); // units 1, 4: constant act(bias)
    maskParam(m, "fc2.weight", (r, c) => r === 2 || c === 6); // unit 2 constant, input 6 unread
    const { model: small, stats } = minimize(m);
    const r = verify(m, small, probes(64, 5, 2));
    assert.ok(r.ok, `${activation}: contract ${r.maxRel}`);
    assert.deepEqual(stats.widths, [5, 4, 5, 3], activation);
  }
  backend.dispose();
});
