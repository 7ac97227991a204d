import assert from "node:assert/strict";
import { minimize, removableChannels } from "../../src/minimize/rewrite.ts";
import { MinGraph } from "../../src/minimize/min_graph.ts";
import { verify } from "../../src/minimize/verify.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { ActivationKind } from "../../src/nn/activation.ts";
import { maskParam, probes, randomMlp } from "./helpers.ts";

const ACTS: ActivationKind[] = ["relu", "gelu", "tanh", "sigmoid", "identity"];
const SEEDS = 300;

Deno.test(`minimize() fuzz: ${SEEDS} random MLPs with random masks keep the contract and reach a fixpoint`, () => {
  let shrunk = 0, classes = 0, inputs = 0;
  for (let seed = 0; seed < SEEDS; seed++) {
    const rng = new Rng(seed);
    const depth = 1 + rng.int(4);
    const widths = [1 + rng.int(10)];
    for (let i = 0; i < depth; i++) widths.push(1 + rng.int(10));
    widths.push(1 + rng.int(4));
    const act = ACTS[rng.int(ACTS.length)];
    const m = randomMlp(widths, act, seed);
    for (let l = 1; l < widths.length; l++) {
      const density = rng.uniform();
      const deadRows = new Set(Array.from({ length: rng.int(3) }, () => rng.int(widths[l])));
      const deadCols = new Set(Array.from({ length: rng.int(3) }, () => rng.int(widths[l - 1])));
      maskParam(
        m,
        `fc${l}.weight`,
        (r, c) => deadRows.has(r) || deadCols.has(c) || rng.uniform() > density,
      );
      if (rng.uniform() < 0.2) {
        m.namedParameters().get(`fc${l}.bias`)!.assign(new Float32Array(widths[l]));
      }
    }
    const x = probes(32, widths[0], seed + 7, 3);
    const { model: min, stats } = minimize(m);
    const r = verify(m, min, x);
    assert.ok(r.ok, `seed ${seed} (${widths.join("-")} ${act}): max rel ${r.maxRel}`);
    assert.equal(removableChannels(new MinGraph(min)), 0, `seed ${seed}: not a fixpoint`);
    assert.ok(stats.paramsAfter <= stats.paramsBefore);
    assert.equal(stats.widths.at(-1), widths.at(-1), "output width never changes");
    const again = minimize(min);
    assert.equal(
      again.stats.paramsAfter,
      stats.paramsAfter,
      `seed ${seed}: minimize is idempotent`,
    );
    if (stats.paramsAfter < stats.paramsBefore) shrunk++;
    classes += stats.removed.removeChannelClasses;
    inputs += stats.removed.dropDeadInputs;
  }
  assert.ok(
    shrunk > SEEDS / 2 && classes > SEEDS && inputs > 0,
    `rules exercised: ${shrunk} ${classes} ${inputs}`,
  );
});
