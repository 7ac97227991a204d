/**
 * Tables and SVG figures from a study's runs (`deno task study` writes them):
 *
 *   deno task report [--root runs/study] [--out docs/figures] [--lines base,bt0]
 *
 * Per network: `<net>_cycles.svg` (parameters vs validation and test accuracy per cycle,
 * one line per seed of each `--lines` variant) and `<net>_ratios.svg` (every variant's
 * ratio within the budget, mean ± sd with a dot per seed); `study.md` holds the summary
 * table, which is also printed.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/io/atomic_write.ts";
import { cyclePathSpec, ratioBarsSpec, renderSvg } from "./study/figures.ts";
import { loadStudy, summarize, summaryTable } from "./study/summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    root: { type: "string", default: "runs/study" },
    out: { type: "string", default: "docs/figures" },
    lines: { type: "string", default: "base,bt0" },
  },
});
const runs = await loadStudy(values.root!);
if (runs.length === 0) {
  console.error(`report: no finished runs under ${values.root} (run \`deno task study\` first)`);
  Deno.exit(1);
}
const lines = values.lines!.split(",");
const summaries = summarize(runs);
const text = new TextEncoder();
await Deno.mkdir(values.out!, { recursive: true });
const written: string[] = [];
const save = async (name: string, content: string) => {
  const path = join(values.out!, name);
  await writeFileAtomic(path, text.encode(content));
  written.push(path);
};
for (const net of [...new Set(runs.map((r) => r.net))]) {
  const mine = runs.filter((r) => r.net === net && r.variant !== "onepass");
  const shown = mine.filter((r) => lines.includes(r.variant));
  const budget = mine[0]?.report.options.accuracyBudget;
  if (shown.length) {
    await save(
      `${net}_cycles.svg`,
      await renderSvg(cyclePathSpec(`${net}: accepted cycles, every seed`, shown)),
    );
  }
  const rows = summaries.filter((s) => s.net === net);
  await save(
    `${net}_ratios.svg`,
    await renderSvg(
      ratioBarsSpec(`${net}: ratio within ${budget ?? "the"} pp validation budget`, rows),
    ),
  );
}
const table = summaryTable(summaries);
await save("study.md", `${table}\n`);
console.log(table);
console.log(`\nwrote ${written.join(", ")}`);
