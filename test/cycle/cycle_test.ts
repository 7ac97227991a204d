import assert from "node:assert/strict";
import { join } from "node:path";
import { squeezeRelease } from "../../src/cycle/cycle.ts";
import type { CycleEvent } from "../../src/cycle/events.ts";
import { resolveCycleOptions } from "../../src/cycle/options.ts";
import { formatCycleTable } from "../../src/cycle/report.ts";
import { loadCheckpoint } from "../../src/cycle/checkpoint.ts";
import { evaluate } from "../../src/nn/train.ts";
import { toyData, toyModel, toyRecipe } from "./toy_task.ts";

const data = toyData, model = toyModel, recipe = toyRecipe;

Deno.test("squeezeRelease(): shrinks a network exactly, cycle by cycle, within the accuracy budget", async () => {
  const events: CycleEvent[] = [];
  const r = await squeezeRelease(model(), data, recipe, { onEvent: (e) => events.push(e) });
  const [dense, ...cycles] = r.rows;
  assert.equal(dense.cycle, 0);
  assert.equal(dense.params, 16 * 24 + 24 + 24 * 12 + 12 + 12 * 3 + 3);
  assert.ok(cycles.length >= 2, `cycles run: ${cycles.length} (${r.stopReason})`);
  for (const c of cycles) {
    assert.ok(c.maxRelDiff <= 1e-5, `cycle ${c.cycle}: ${c.maxRelDiff}`);
    assert.ok(dense.valAccuracy - c.valAccuracy <= 0.005 + 1e-12, `cycle ${c.cycle} within budget`);
  }
  for (let i = 1; i < r.rows.length; i++) assert.ok(r.rows[i].params <= r.rows[i - 1].params);
  const last = r.rows.at(-1)!;
  assert.ok(last.ratio > 2, `ratio ${last.ratio}`);
  assert.equal(r.best.parameterCount(), last.params);
  assert.equal((await evaluate(r.best, data.test)).accuracy, last.testAccuracy);
  assert.ok(last.widths[0] < 16, "noise input features removed");
  assert.equal(last.widths.at(-1), 3);
  assert.equal(events[0].type, "phase");
  assert.equal(events.at(-1)!.type, "stop");
  assert.ok(events.some((e) => e.type === "phase" && e.phase === "release"));
  assert.match(formatCycleTable(r.rows), /^cycle\s+params.*\ndense\s+/);
  const again = await squeezeRelease(model(), data, recipe);
  assert.deepEqual(
    again.rows.map((x) => [x.params, x.valAccuracy]),
    r.rows.map((x) => [x.params, x.valAccuracy]),
    "same seed, same run",
  );
});

Deno.test("squeezeRelease(): an interrupted run resumes from its checkpoint to the same result", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full = await squeezeRelease(model(), data, { ...recipe, maxCycles: 3, patience: 5 });
    const first = await squeezeRelease(model(), data, { ...recipe, maxCycles: 2, patience: 5 }, {
      checkpointDir: join(dir, "ck"),
    });
    const ck = await loadCheckpoint(join(dir, "ck"));
    assert.equal(ck!.state.nextCycle, 3);
    assert.equal(ck!.state.rows.length, first.rows.length);
    const resumed: CycleEvent[] = [];
    const second = await squeezeRelease(model(), data, { ...recipe, maxCycles: 3, patience: 5 }, {
      checkpointDir: join(dir, "ck"),
      resume: true,
      onEvent: (e) => resumed.push(e),
    });
    assert.deepEqual(resumed[0], { type: "resume", cycle: 3 });
    assert.deepEqual(second.rows.map((x) => x.params), full.rows.map((x) => x.params));
    assert.deepEqual(second.rows.map((x) => x.valAccuracy), full.rows.map((x) => x.valAccuracy));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("squeezeRelease(): a zero accuracy budget with harsh pruning stops on the budget and keeps the dense model", async () => {
  const r = await squeezeRelease(model(), data, {
    ...recipe,
    accuracyBudget: 0,
    budgetFraction: 0.95,
    unitFraction: 0.9,
    inputFraction: 0.9,
    backtrack: 0,
  });
  assert.match(r.stopReason, /broke the accuracy budget/);
  assert.equal(r.rows.length, 1);
  assert.equal(r.best.parameterCount(), r.rows[0].params);
});

Deno.test("resolveCycleOptions(): defaults are METHOD.md's recipe; bad values are named", () => {
  const o = resolveCycleOptions();
  assert.deepEqual([
    o.budgetFraction,
    o.unitFraction,
    o.inputFraction,
    o.alpha,
    o.lambda,
    o.fineTuneEpochs,
    o.trainEpochs,
    o.lr,
  ], [0.2, 0.15, 0.07, 0.01, 3e-4, 2, 2, 5e-4]);
  assert.throws(
    () => resolveCycleOptions({ budgetFraction: 1.5 }),
    /option budgetFraction must be a number in \(0, 1\), got 1\.5/,
  );
  assert.throws(
    () => resolveCycleOptions({ patience: 0 }),
    /option patience must be an integer in \[1, 1000\], got 0/,
  );
});
