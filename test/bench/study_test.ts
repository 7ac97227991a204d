import assert from "node:assert/strict";
import { join } from "node:path";
import type { CycleRow } from "../../src/cycle/report.ts";
import { loadStudy, meanSd, summarize, summaryTable } from "../../bench/study/summary.ts";
import { networkFlags, variantFlags } from "../../bench/study/variants.ts";
import { cyclePathSpec, ratioBarsSpec, renderSvg } from "../../bench/study/figures.ts";

const row = (cycle: number, params: number, val: number, test: number): CycleRow => ({
  cycle,
  params,
  bytes: 4 * params,
  ratio: 1000 / params,
  widths: [],
  nonzeros: params,
  unitsRemoved: 0,
  valAccuracy: val,
  valLoss: 0,
  testAccuracy: test,
  maxRelDiff: 0,
  releaseChange: NaN,
  seconds: 1,
});
const report = (seed: number, rows: CycleRow[]) => ({
  model: "m",
  seed,
  options: { accuracyBudget: 0.5, alpha: 0.01 },
  stopReason: "x",
  seconds: 10 + seed,
  rows,
});

async function writeStudy(root: string): Promise<void> {
  const put = async (dir: string, r: unknown) => {
    await Deno.mkdir(join(root, dir), { recursive: true });
    await Deno.writeTextFile(join(root, dir, "report.json"), JSON.stringify(r));
  };
  // base: final ratios 10, 12.5, 20 (params 100, 80, 50)
  for (const [seed, p] of [[0, 100], [1, 80], [2, 50]]) {
    await put(
      `lenet/base/s${seed}`,
      report(seed, [row(0, 1000, 0.98, 0.97), row(1, p, 0.976, 0.97)]),
    );
  }
  await put(
    "lenet/onepass/s0/p0.8",
    report(0, [row(0, 1000, 0.98, 0.97), row(1, 250, 0.978, 0.97)]),
  );
  await put(
    "lenet/onepass/s0/p0.9",
    report(0, [row(0, 1000, 0.98, 0.97), row(1, 200, 0.977, 0.96)]),
  );
  await put("lenet/onepass/s0/p0.99", report(0, [row(0, 1000, 0.98, 0.97)])); // nothing kept
  await Deno.mkdir(join(root, "lenet/base/s3"), { recursive: true }); // unfinished: no report
}

Deno.test("study summary: runs read from their folders, one-pass best within budget, mean ± sd over seeds", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    await writeStudy(root);
    const runs = await loadStudy(root);
    await t.step("finished runs only; the one-pass baseline's best sparsity", () => {
      assert.deepEqual(runs.map((r) => `${r.variant} s${r.seed}`), [
        "base s0",
        "base s1",
        "base s2",
        "onepass s0",
      ]);
      assert.equal(runs[3].sparsity, 0.9);
    });
    await t.step("ratios, their mean and sample sd, drops and accuracies", () => {
      const [base, one] = summarize(runs);
      assert.deepEqual(base.ratios, [10, 12.5, 20]);
      const mean = 42.5 / 3;
      assert.ok(Math.abs(base.ratio.mean - mean) < 1e-12);
      const sd = Math.sqrt(((10 - mean) ** 2 + (12.5 - mean) ** 2 + (20 - mean) ** 2) / 2);
      assert.ok(Math.abs(base.ratio.sd - sd) < 1e-12);
      assert.ok(Math.abs(base.valDrop - 0.4) < 1e-9);
      assert.equal(base.cycles, 1);
      assert.equal(base.seconds, 11);
      assert.equal(one.ratio.sd, 0);
      assert.equal(one.ratios[0], 5);
      assert.deepEqual(meanSd([2]), { mean: 2, sd: 0 });
      const table = summaryTable([base, one]);
      assert.match(
        table,
        /\| lenet \| base \| 0 \| 0,1,2 \| 14\.17× ± 5\.20 \| 10\.0, 12\.5, 20\.0 \|/,
      );
    });
    await t.step("figures render to SVG with their labels", async () => {
      const path = await renderSvg(cyclePathSpec("lenet path", runs.slice(0, 3)));
      assert.match(path, /^<svg/);
      for (const label of ["lenet path", "validation", "test", "base"]) {
        assert.ok(path.includes(label), label);
      }
      const bars = await renderSvg(ratioBarsSpec("lenet ratios", summarize(runs)));
      for (const label of ["lenet ratios", "onepass", "base"]) assert.ok(bars.includes(label));
    });
    await t.step("a broken report is a SyntaxError naming the file", async () => {
      await Deno.writeTextFile(join(root, "lenet/base/s3/report.json"), "{");
      await assert.rejects(() => loadStudy(root), (e: Error) => {
        assert.ok(e instanceof SyntaxError);
        assert.match(e.message, /lenet\/base\/s3\/report\.json: not a cycle report/);
        return true;
      });
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("study variants: tokens become cycle flags; networks take their demo task's flags", () => {
  assert.deepEqual(variantFlags("bt2+a0.03+u0+val10000"), [
    "--backtrack",
    "2",
    "--alpha",
    "0.03",
    "--unit-fraction",
    "0",
    "--validation",
    "10000",
  ]);
  assert.deepEqual(variantFlags("f3+t1+bf0.25+lam1e-4"), [
    "--fine-tune-epochs",
    "3",
    "--train-epochs",
    "1",
    "--backtrack-factor",
    "0.25",
    "--lambda",
    "1e-4",
  ]);
  assert.deepEqual(variantFlags("b1+mc20"), ["--budget-pp", "1", "--max-cycles", "20"]);
  assert.deepEqual(variantFlags("base"), []);
  assert.throws(() => variantFlags("bt2+zz"), /variant token "zz" of "bt2\+zz"/);
  const tasks = JSON.parse(Deno.readTextFileSync("deno.json")).tasks;
  const wide = networkFlags("wide", tasks);
  assert.ok(wide.includes("--widths") && !wide.includes("--out"), wide.join(" "));
  assert.deepEqual(networkFlags("lenet", tasks), []);
  assert.throws(() => networkFlags("resnet", tasks), /unknown network "resnet"/);
});
