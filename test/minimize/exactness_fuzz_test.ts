/**
 * The minimization fuzz: random graphs of every family the project builds (fuzz_graphs.ts),
 * in float32 on the Wasm backend at trained magnitudes and, every fourth graph, in float64
 * on the reference backend (the algebra). Each graph must keep METHOD.md's contract, be a
 * fixpoint (a second minimize removes nothing, `removableChannels()` is 0 and the
 * independent leftover check finds nothing), leave its input untouched, save and reload
 * bit-identically, and come back in inference mode. Prints a table per family.
 */
import assert from "node:assert/strict";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { minimize } from "../../src/minimize/rewrite.ts";
import { verify } from "../../src/minimize/verify.ts";
import { RULES } from "../../src/minimize/rewrite.ts";
import { FAMILIES, fuzzCase, type Place } from "./fuzz_graphs.ts";
import { leftovers } from "./leftover.ts";
import { checkFixpointAndReload, modelSnapshot } from "./helpers.ts";

const f32: Place = { backend: createWasmBackend({ threads: 1 }), dtype: "float32" };
const f64: Place = { backend: createReferenceBackend(), dtype: "float64" };

Deno.test("minimize() fuzz: every family in float32 at trained magnitudes and float64 — contract, fixpoint, untouched input, save/reload, inference mode", async (t) => {
  const table: string[] = [];
  let total = 0;
  const fired: Record<string, number> = Object.fromEntries(Object.keys(RULES).map((k) => [k, 0]));
  let folds = 0, outputsDropped = 0, empty = 0;
  for (const [family, make, count] of FAMILIES) {
    await t.step(family, () => {
      let worst32 = 0, worst64 = 0, shrunk = 0;
      for (let i = 0; i < count; i++) {
        const seed = 7919 * (family.length + 1) + i;
        const place = i % 4 === 3 ? f64 : f32;
        const c = fuzzCase(make, seed, place);
        const where = `${family} #${i} (seed ${seed}, ${place.dtype})`;
        c.model.eval();
        const before = modelSnapshot(c.model);
        const { model: min, stats } = minimize(c.model);
        assert.equal(modelSnapshot(c.model), before, `${where}: minimize changed its input`);
        assert.equal(min.training, false, `${where}: result in training mode`);
        const r = verify(c.model, min, c.probes);
        assert.ok(r.ok, `${where}: contract ${r.maxRel}`);
        if (place === f32) worst32 = Math.max(worst32, r.maxRel);
        else worst64 = Math.max(worst64, r.maxRel);
        if (stats.paramsAfter < stats.paramsBefore) shrunk++;
        for (const [k, v] of Object.entries(stats.removed)) fired[k] += v;
        for (const n of min.graph.nodes) {
          if (n.op === "layer_norm" && "kbar" in n.attrs) folds++;
          if (n.op === "layer_norm" && "outputs" in n.attrs) outputsDropped++;
        }
        if (Object.values(min.graph.params).some((s) => s.includes(0))) empty++;
        // Fixpoint, three ways.
        checkFixpointAndReload(min, c.probes, place.backend, where, leftovers);
      }
      total += count;
      assert.ok(shrunk > count / 4, `${family}: only ${shrunk} of ${count} graphs shrank`);
      table.push(
        `| ${family} | ${count} | ${worst32.toExponential(1)} | ${
          worst64.toExponential(1)
        } | ${shrunk} | 0 | 0 |`,
      );
    });
  }
  assert.ok(total >= 2000, `${total} graphs`);
  // Every rule, and the CompensatedLayerNorm folds, must have been exercised.
  for (const [rule, n] of Object.entries(fired)) {
    assert.ok(n >= 20, `rule ${rule} fired ${n} times`);
  }
  assert.ok(
    folds >= 50 && outputsDropped >= 20 && empty >= 50,
    `${folds} ${outputsDropped} ${empty}`,
  );
  console.log(
    [
      "| family | graphs | max contract measure (float32) | (float64) | shrunk | violations | leftovers |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...table,
      `rules fired: ${
        JSON.stringify(fired)
      }; CLN folds ${folds}, LayerNorm outputs dropped ${outputsDropped}, graphs with a width-0 tensor ${empty}`,
    ].join("\n"),
  );
});
