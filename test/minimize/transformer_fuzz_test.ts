/**
 * The transformer minimization fuzz: random ViTs, text encoders, tied LM heads and
 * attention with queries, keys and values from different values (transformer_fuzz_graphs.ts),
 * in float32 on the 1-thread Wasm backend at trained magnitudes and, every fourth graph, in
 * float64 on the reference backend. Each graph must keep METHOD.md's contract, be a
 * fixpoint (`removableChannels()` is 0, a second minimize changes nothing, and the
 * independent token-graph leftover check finds nothing), leave its input untouched, save
 * and reload bit-identically and come back in inference mode. Heads, query/key dims, value
 * dims, MLP units and stream channels must each have been removed in many graphs. Prints a
 * table per family.
 */
import assert from "node:assert/strict";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import type { Graph } from "../../src/graph/ir.ts";
import { validateGraph } from "../../src/graph/validate.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { type Place, TRANSFORMER_FAMILIES, transformerCase } from "./transformer_fuzz_graphs.ts";
import { transformerLeftovers } from "./transformer_leftover.ts";
import { checkFixpointAndReload, modelSnapshot } from "./helpers.ts";

const f32: Place = { backend: createWasmBackend({ threads: 1 }), dtype: "float32" };
const f64: Place = { backend: createReferenceBackend(), dtype: "float64" };

/** What a graph holds of each structure: heads, query/key dims, value dims, MLP units, stream width. */
function structure(g: Graph): [number, number, number, number, number] {
  const shapes = validateGraph(g).shapes;
  let heads = 0, qk = 0, v = 0, mlp = 0;
  for (const n of g.nodes) {
    if (n.op === "attention") {
      heads += (n.attrs.qk as number[]).length;
      qk += (n.attrs.qk as number[]).reduce((a, b) => a + b, 0);
      v += (n.attrs.v as number[]).reduce((a, b) => a + b, 0);
    }
    if (n.op === "linear" && n.name.endsWith("fc1")) mlp += g.params[n.params.weight][0];
  }
  return [heads, qk, v, mlp, shapes.get("embed")?.at(-1) ?? 0];
}

/** What the leftover check reports, by kind. */
const LEFTOVER_KINDS: [string, RegExp][] = [
  ["head of value width 0", /has value width 0/],
  ["constant value dim", /value dim \d+ is constant/],
  ["dead value dim", /value dim \d+ is dead/],
  ["constant key", /constant key/],
  ["query 0", /query of constant 0/],
  ["constant unit", /unit \d+ is constant/],
  ["dead unit", /unit \d+ is dead/],
  ["dead norm output", /output \d+ is dead/],
  ["constant norm output", /is constant \(γ = 0\)/],
  ["constant stream channel", /stream channel/],
];

const KINDS = ["heads", "QK dims", "V dims", "MLP units", "stream channels"] as const;

Deno.test("minimize() transformer fuzz: ViT, text encoder, tied LM head, cross attention in float32 and float64 — contract, fixpoint, leftovers, untouched input, save/reload, inference mode", async (t) => {
  const table: string[] = [];
  let total = 0;
  /** Per kind: graphs where some were removed, and how many in all. */
  const graphsWith = KINDS.map(() => 0), removedAll = KINDS.map(() => 0);
  const inputLeftovers = new Map<string, number>();
  for (const [family, make, count] of TRANSFORMER_FAMILIES) {
    await t.step(family, () => {
      let worst32 = 0, worst64 = 0, shrunk = 0;
      const removed = KINDS.map(() => 0);
      for (let i = 0; i < count; i++) {
        const seed = 104729 + 1000 * family.length + i;
        const place = i % 4 === 3 ? f64 : f32;
        const c = transformerCase(make, seed, place);
        const where = `${family} #${i} (seed ${seed}, ${place.dtype})`;
        c.model.eval();
        // The leftover check can fail: count what it finds in the masked input.
        for (const l of transformerLeftovers(c.model)) {
          const kind = LEFTOVER_KINDS.find(([, re]) => re.test(l));
          if (kind) inputLeftovers.set(kind[0], (inputLeftovers.get(kind[0]) ?? 0) + 1);
        }
        const before = modelSnapshot(c.model);
        const { model: min, stats } = minimize(c.model);
        assert.equal(modelSnapshot(c.model), before, `${where}: minimize changed its input`);
        assert.equal(min.training, false, `${where}: result in training mode`);
        const r = verify(c.model, min, c.probes);
        assert.ok(r.ok, `${where}: contract ${r.maxRel}`);
        if (place === f32) worst32 = Math.max(worst32, r.maxRel);
        else worst64 = Math.max(worst64, r.maxRel);
        if (stats.paramsAfter < stats.paramsBefore) shrunk++;
        const s0 = structure(c.model.graph), s1 = structure(min.graph);
        s0.forEach((n, k) => {
          assert.ok(s1[k] <= n, `${where}: ${KINDS[k]} grew from ${n} to ${s1[k]}`);
          removed[k] += n - s1[k];
          if (s1[k] < n) graphsWith[k]++;
        });
        // Fixpoint, three ways.
        checkFixpointAndReload(min, c.probes, place.backend, where, transformerLeftovers);
      }
      total += count;
      removed.forEach((n, k) => (removedAll[k] += n));
      assert.ok(shrunk > count / 4, `${family}: only ${shrunk} of ${count} graphs shrank`);
      table.push(
        `| ${family} | ${count} | ${worst32.toExponential(1)} | ${
          worst64.toExponential(1)
        } | ${shrunk} | 0 | 0 | ${removed.join(" | ")} |`,
      );
    });
  }
  assert.ok(total >= 500, `${total} graphs`);
  // Each kind of structure must have left in many graphs.
  KINDS.forEach((kind, k) => {
    assert.ok(graphsWith[k] >= total / 5, `${kind} removed in only ${graphsWith[k]} graphs`);
  });
  for (const [kind] of LEFTOVER_KINDS) {
    const n = inputLeftovers.get(kind) ?? 0;
    assert.ok(n >= 10, `the leftover check found "${kind}" in only ${n} masked inputs`);
  }
  console.log(
    [
      `| family | graphs | max contract measure (float32) | (float64) | shrunk | violations | leftovers | ${
        KINDS.map((k) => `${k} removed`).join(" | ")
      } |`,
      `|---|---:|---:|---:|---:|---:|---:|${KINDS.map(() => "---:|").join("")}`,
      ...table,
      `graphs with some removed: ${KINDS.map((k, i) => `${k} ${graphsWith[i]}`).join(", ")}`,
      `leftovers the check finds in the masked inputs (none after minimization): ${
        LEFTOVER_KINDS.map(([k]) => `${k} ${inputLeftovers.get(k) ?? 0}`).join(", ")
      }`,
    ].join("\n"),
  );
});
