import assert from "node:assert/strict";
import { join } from "node:path";
import { breaksBudget, squeezeRelease } from "../../src/cycle/cycle.ts";
import type { CycleEvent } from "../../src/cycle/events.ts";
import { resolveCycleOptions } from "../../src/cycle/options.ts";
import { formatCycleTable } from "../../src/cycle/report.ts";
import { toyData, toyModel, toyRecipe } from "./toy_task.ts";

// Steps large enough that the toy network breaks a zero budget within a few cycles.
const steep = {
  ...toyRecipe,
  budgetFraction: 0.6,
  unitFraction: 0.4,
  accuracyBudget: 0,
  maxCycles: 9,
};

Deno.test("squeezeRelease() backtracking: a rejected cycle is retried from the last accepted model with a smaller step", async (t) => {
  const plain = await squeezeRelease(toyModel(), toyData, { ...steep, backtrack: 0 });
  const events: CycleEvent[] = [];
  const back = await squeezeRelease(toyModel(), toyData, { ...steep, backtrack: 3 }, {
    onEvent: (e) => events.push(e),
  });
  const firstReject = plain.rejected[0];

  await t.step("without backtracking the run stops at the first rejected cycle", () => {
    assert.equal(plain.rejected.length, 1);
    assert.equal(firstReject.cycle, plain.rows.at(-1)!.cycle + 1);
    assert.match(plain.stopReason, new RegExp(`^cycle ${firstReject.cycle} broke the accuracy`));
    assert.ok(100 * (plain.rows[0].valAccuracy - firstReject.valAccuracy) > steep.accuracyBudget);
  });

  await t.step("up to the first rejection both runs are the same run", () => {
    const upTo = (rows: typeof plain.rows) => rows.filter((r) => r.cycle < firstReject.cycle);
    const key = (rows: typeof plain.rows) => rows.map((r) => [r.cycle, r.params, r.valAccuracy]);
    assert.deepEqual(key(upTo(back.rows)), key(plain.rows));
    assert.deepEqual(key([back.rejected[0]]), key([firstReject]));
  });

  await t.step(
    "each rejection halves the step; the retry restarts from the last accepted model",
    () => {
      assert.ok(back.rejected.length >= 1);
      const scales = [...back.rows.slice(1), ...back.rejected].sort((a, b) => a.cycle - b.cycle);
      let scale = 1, lastKept = back.rows[0];
      for (const r of scales) {
        assert.equal(r.stepScale, scale, `cycle ${r.cycle} step`);
        // The budget of this cycle's prune comes from the last accepted cycle's nonzeros.
        const budget = Math.round(lastKept.nonzeros * (1 - steep.budgetFraction * scale));
        assert.ok(r.nonzeros <= budget + 1, `cycle ${r.cycle}: ${r.nonzeros} > ${budget}`);
        if (back.rejected.includes(r)) scale *= 0.5;
        else lastKept = r;
      }
      const backtracks = events.filter((e) => e.type === "phase" && e.phase === "backtrack");
      const stopsAtReject = /broke the accuracy budget/.test(back.stopReason);
      assert.equal(backtracks.length, back.rejected.length - (stopsAtReject ? 1 : 0));
    },
  );

  await t.step("the table shows each cycle's step once any step was scaled", () => {
    const table = formatCycleTable(back.rows).split("\n");
    assert.match(table[0], /\bstep$/);
    assert.match(table.at(-1)!, /×0\.(5|25|125)$/);
    assert.doesNotMatch(formatCycleTable(plain.rows), /step/);
  });

  await t.step(
    "every accepted cycle is within budget, and the run ends no larger than without",
    () => {
      for (const r of back.rows.slice(1)) {
        assert.ok(100 * (back.rows[0].valAccuracy - r.valAccuracy) <= steep.accuracyBudget + 1e-9);
      }
      assert.ok(back.rows.at(-1)!.params <= plain.rows.at(-1)!.params);
    },
  );
});

Deno.test("squeezeRelease() backtracking: an interrupted run resumes with its step scale", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = { ...steep, backtrack: 2, maxCycles: 6 };
    const full = await squeezeRelease(toyModel(), toyData, o);
    assert.ok(full.rejected.length >= 1 && full.rejected[0].cycle < 6, "a backtrack happens");
    const checkpointDir = join(dir, "ck");
    const cut = full.rejected[0].cycle;
    await squeezeRelease(toyModel(), toyData, { ...o, maxCycles: cut }, { checkpointDir });
    const resumed = await squeezeRelease(toyModel(), toyData, o, { checkpointDir, resume: true });
    const key = (r: typeof full) =>
      [...r.rows, ...r.rejected].map((x) => [x.cycle, x.params, x.stepScale, x.valAccuracy]);
    assert.deepEqual(key(resumed), key(full));
    assert.equal(resumed.stopReason, full.stopReason);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCycleOptions(): backtrack is a count, its factor a number in (0, 1)", () => {
  assert.equal(resolveCycleOptions().backtrack, 2);
  assert.throws(
    () => resolveCycleOptions({ backtrack: 1.5 }),
    /option backtrack must be an integer/,
  );
  assert.throws(
    () => resolveCycleOptions({ backtrackFactor: 1 }),
    /option backtrackFactor must be a number in \(0, 1\), got 1/,
  );
});

Deno.test("breaksBudget(): a drop of exactly the budget is within it, one image more is not", () => {
  for (const n of [5000, 10000, 60000]) {
    for (let dense = n - 200; dense <= n; dense += 37) {
      const budgetImages = n / 200; // 0.5 points
      assert.equal(
        breaksBudget(dense / n, (dense - budgetImages) / n, 0.5),
        false,
        `${n} ${dense}`,
      );
      assert.equal(breaksBudget(dense / n, (dense - budgetImages - 1) / n, 0.5), true);
    }
  }
  assert.equal(breaksBudget(0.9824, 0.9774, 0.5), false, "0.50000000000000711 points");
});
