/**
 * The study's figures as Vega-Lite specifications, rendered to SVG by Vega without a
 * browser: the cycle's path (parameters on a log axis vs validation and test accuracy, one
 * line per variant and seed) and the variants' ratios as bars (mean ± sd over seeds, every
 * seed as a dot).
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { StudyRun, VariantSummary } from "./summary.ts";

/** A Vega-Lite top-level specification (as plain JSON). */
export type Spec = vl.TopLevelSpec;

/**
 * Parameters vs accuracy per accepted cycle: validation and test side by side, a row per
 * variant, a line per seed (colour), the dense model at the left end.
 */
export function cyclePathSpec(title: string, runs: readonly StudyRun[]): Spec {
  const values = runs.flatMap((r) =>
    r.report.rows.flatMap((row) =>
      (["validation", "test"] as const).map((split) => ({
        variant: r.variant,
        run: `${r.variant} s${r.seed}`,
        seed: `seed ${r.seed}`,
        cycle: row.cycle,
        params: row.params,
        split,
        accuracy: 100 * (split === "validation" ? row.valAccuracy : row.testAccuracy),
      }))
    )
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    facet: {
      column: { field: "split", type: "nominal", title: null, sort: ["validation"] },
      row: { field: "variant", type: "nominal", title: null },
    },
    spec: {
      width: 300,
      height: 160,
      mark: { type: "line", point: true, strokeWidth: 1.5 },
      encoding: {
        x: {
          field: "params",
          type: "quantitative",
          scale: { type: "log", reverse: true },
          title: "deployable parameters (log; cycles go right)",
        },
        y: {
          field: "accuracy",
          type: "quantitative",
          scale: { zero: false },
          title: "accuracy (%)",
        },
        color: { field: "seed", type: "nominal" },
        order: { field: "cycle", type: "quantitative" },
        tooltip: [{ field: "run" }, { field: "cycle" }, { field: "params" }, {
          field: "accuracy",
          format: ".2f",
        }],
      },
    },
  } as Spec;
}

/** Final ratio per variant: a bar at the mean, an sd whisker, a dot per seed. */
export function ratioBarsSpec(title: string, rows: readonly VariantSummary[]): Spec {
  const order = rows.map((r) => r.variant);
  const bars = rows.map((r) => ({
    variant: r.variant,
    mean: r.ratio.mean,
    lo: r.ratio.mean - r.ratio.sd,
    hi: r.ratio.mean + r.ratio.sd,
  }));
  const dots = rows.flatMap((r) =>
    r.ratios.map((ratio, i) => ({ variant: r.variant, ratio, seed: r.seeds[i] }))
  );
  const y = { field: "variant", type: "nominal", sort: order, title: null } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 360,
    height: { step: 22 },
    layer: [
      {
        data: { values: bars },
        mark: { type: "bar", opacity: 0.6 },
        encoding: {
          y,
          x: { field: "mean", type: "quantitative", title: "compression ratio (×), mean ± sd" },
        },
      },
      {
        data: { values: bars },
        mark: { type: "rule" },
        encoding: { y, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
      {
        data: { values: dots },
        mark: { type: "point", filled: true, color: "black", size: 25 },
        encoding: { y, x: { field: "ratio", type: "quantitative" }, tooltip: [{ field: "seed" }] },
      },
    ],
  } as Spec;
}

/**
 * Renders a Vega-Lite specification to an SVG document (no browser, no canvas).
 *
 * @example
 * ```ts
 * import { renderSvg } from "./figures.ts";
 * const svg = await renderSvg({ data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } });
 * console.assert(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(spec: Spec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
