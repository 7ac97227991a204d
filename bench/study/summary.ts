/**
 * Reads a study's runs (`<root>/<net>/<variant>/s<seed>/report.json`; the one-pass
 * baseline as `<root>/<net>/onepass/s<seed>/p<s>/report.json`) and summarizes them: ratio
 * mean ± sd over seeds within the accuracy budget, accuracies, cycles.
 *
 * @module
 */
import { join } from "node:path";
import type { CycleRow } from "../../src/cycle/report.ts";

/** The `report.json` that `squeeze cycle` writes (the fields read here). */
export interface RunReport {
  /** Model name. */
  model: string;
  /** Seed. */
  seed: number;
  /** The recipe. */
  options: { accuracyBudget: number; alpha: number; backtrack?: number };
  /** Why the run stopped. */
  stopReason: string;
  /** Wall seconds. */
  seconds: number;
  /** Dense row, then each accepted cycle. */
  rows: CycleRow[];
  /** Cycles that broke the budget. */
  rejected?: CycleRow[];
}

/** One finished run of a study. */
export interface StudyRun {
  /** Network (`lenet`, `wide`, …). */
  net: string;
  /** Variant name. */
  variant: string;
  /** Seed. */
  seed: number;
  /** The run's report (for the one-pass baseline: the best sparsity's). */
  report: RunReport;
  /** One-pass baseline: the sparsity that gave the best ratio within budget. */
  sparsity?: number;
}

async function readReport(path: string): Promise<RunReport | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as RunReport;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new SyntaxError(`${path}: not a cycle report: ${(e as Error).message}`);
  }
}

async function folders(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) out.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return out.sort();
}

/** The final (last accepted) row of a report. */
export function finalRow(r: RunReport): CycleRow {
  return r.rows.at(-1)!;
}

/** The best one-pass run over its sparsity folders: the largest ratio with a cycle kept. */
async function bestOnePass(dir: string): Promise<{ report: RunReport; sparsity: number } | null> {
  let best: { report: RunReport; sparsity: number } | null = null;
  for (const p of await folders(dir)) {
    const report = await readReport(join(dir, p, "report.json"));
    if (!report || report.rows.length < 2) continue;
    if (!best || finalRow(report).ratio > finalRow(best.report).ratio) {
      best = { report, sparsity: Number(p.slice(1)) };
    }
  }
  return best;
}

/**
 * Every finished run under `root` (unfinished ones have no report yet).
 *
 * @example
 * ```ts
 * import { loadStudy } from "./summary.ts";
 * console.assert((await loadStudy("/nonexistent")).length === 0);
 * ```
 */
export async function loadStudy(root: string): Promise<StudyRun[]> {
  const runs: StudyRun[] = [];
  for (const net of await folders(root)) {
    for (const variant of await folders(join(root, net))) {
      for (const s of await folders(join(root, net, variant))) {
        if (!/^s\d+$/.test(s)) continue;
        const dir = join(root, net, variant, s), seed = Number(s.slice(1));
        if (variant === "onepass") {
          const b = await bestOnePass(dir);
          if (b) runs.push({ net, variant, seed, report: b.report, sparsity: b.sparsity });
        } else {
          const report = await readReport(join(dir, "report.json"));
          if (report) runs.push({ net, variant, seed, report });
        }
      }
    }
  }
  return runs;
}

/** Mean and sample standard deviation (0 for one value). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, sd: Math.sqrt(v) };
}

/** A variant's runs summarized over seeds. */
export interface VariantSummary {
  /** Network. */
  net: string;
  /** Variant. */
  variant: string;
  /** Seeds summarized. */
  seeds: number[];
  /** The runs' backtrack setting (absent in reports before backtracking: 0), e.g. "0" or "0/2". */
  backtrack: string;
  /** Final ratio per seed (same order). */
  ratios: number[];
  /** Ratio mean and sd. */
  ratio: { mean: number; sd: number };
  /** Validation drop of the final model vs dense, points (mean). */
  valDrop: number;
  /** Dense and final test accuracy (means, fractions). */
  denseTest: number;
  /** Final test accuracy (mean). */
  finalTest: number;
  /** Accepted cycles (mean). */
  cycles: number;
  /** Wall seconds (mean). */
  seconds: number;
}

/**
 * Groups runs by network and variant: networks in the order first seen, within each `base`
 * first and `onepass` last.
 *
 * @example
 * ```ts
 * import { summarize } from "./summary.ts";
 * console.assert(summarize([]).length === 0);
 * ```
 */
export function summarize(runs: readonly StudyRun[]): VariantSummary[] {
  const groups = new Map<string, StudyRun[]>();
  for (const r of runs) {
    const k = `${r.net}\u0000${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const rank = (v: string) => (v === "base" ? 0 : v === "onepass" ? 2 : 1);
  const ordered = [...groups.values()].sort((a, b) =>
    a[0].net === b[0].net ? rank(a[0].variant) - rank(b[0].variant) : 0
  );
  return ordered.map((g) => {
    g.sort((a, b) => a.seed - b.seed);
    const mean = (f: (r: StudyRun) => number) => meanSd(g.map(f)).mean;
    const ratios = g.map((r) => finalRow(r.report).ratio);
    return {
      net: g[0].net,
      variant: g[0].variant,
      seeds: g.map((r) => r.seed),
      backtrack: [...new Set(g.map((r) => r.report.options.backtrack ?? 0))].join("/"),
      ratios,
      ratio: meanSd(ratios),
      valDrop: mean((r) => 100 * (r.report.rows[0].valAccuracy - finalRow(r.report).valAccuracy)),
      denseTest: mean((r) => r.report.rows[0].testAccuracy),
      finalTest: mean((r) => finalRow(r.report).testAccuracy),
      cycles: mean((r) => r.report.rows.length - 1),
      seconds: mean((r) => r.report.seconds),
    };
  });
}

/**
 * The summaries as a Markdown table.
 *
 * @example
 * ```ts
 * import { summaryTable } from "./summary.ts";
 * console.assert(summaryTable([]).startsWith("| network |"));
 * ```
 */
export function summaryTable(rows: readonly VariantSummary[]): string {
  const pct = (v: number) => (100 * v).toFixed(2);
  const lines = [
    "| network | variant | backtrack | seeds | ratio mean ± sd | ratios | val drop (pp) | test dense → final (%) | cycles | time (s) |",
    "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.net} | ${r.variant} | ${r.backtrack} | ${r.seeds.join(",")} | ${
        r.ratio.mean.toFixed(2)
      }× ± ${r.ratio.sd.toFixed(2)} | ${r.ratios.map((x) => x.toFixed(1)).join(", ")} | ${
        r.valDrop.toFixed(2)
      } | ${pct(r.denseTest)} → ${pct(r.finalTest)} | ${r.cycles.toFixed(1)} | ${
        r.seconds.toFixed(0)
      } |`,
    );
  }
  return lines.join("\n");
}
