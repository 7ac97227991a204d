/** One row of the per-cycle report (cycle 0 is the dense model). */
export interface CycleRow {
  /** Cycle number (0 = dense). */
  cycle: number;
  /** Parameters of the deployable (minimized, dense) network, biases included. */
  params: number;
  /** Bytes of those parameters in float32. */
  bytes: number;
  /** Original parameters ÷ params. */
  ratio: number;
  /** Input features kept, then each linear layer's output width. */
  widths: number[];
  /** Nonzero weights kept by this cycle's prune. */
  nonzeros: number;
  /** Hidden units and input features removed by this cycle's minimization. */
  unitsRemoved: number;
  /** Validation accuracy of the minimized model (decisions use this). */
  valAccuracy: number;
  /** Validation loss. */
  valLoss: number;
  /** Test accuracy (reported, never used for decisions). */
  testAccuracy: number;
  /** Minimized vs masked, METHOD.md's contract measure on the test set. */
  maxRelDiff: number;
  /** Relative output change caused by release (NaN when not released). */
  releaseChange: number;
  /** Wall time of the cycle in seconds. */
  seconds: number;
  /** Residual networks: stream, depthwise and hidden widths per stage (else empty). */
  structure?: string;
  /** Step scale of this cycle's prune (1 unless backtracking made it smaller). */
  stepScale?: number;
}

function pct(v: number): string {
  return `${(100 * v).toFixed(2)}%`;
}

/**
 * The per-cycle table as fixed-width text.
 *
 * @example
 * ```ts
 * import { formatCycleTable } from "./report.ts";
 * console.assert(formatCycleTable([]).startsWith("cycle"));
 * ```
 */
export function formatCycleTable(rows: readonly CycleRow[]): string {
  const stepped = rows.some((q) => (q.stepScale ?? 1) !== 1);
  const head = [
    "cycle",
    "params",
    "bytes",
    "ratio",
    "widths",
    "nnz",
    "removed",
    "val acc",
    "test acc",
    "val loss",
    "max rel diff",
    "time",
  ];
  const body = rows.map((r) => [
    r.cycle === 0 ? "dense" : String(r.cycle),
    r.params.toLocaleString("en-US"),
    r.bytes.toLocaleString("en-US"),
    `${r.ratio.toFixed(2)}×`,
    r.widths.join("-"),
    r.nonzeros.toLocaleString("en-US"),
    String(r.unitsRemoved),
    pct(r.valAccuracy),
    pct(r.testAccuracy),
    r.valLoss.toFixed(4),
    r.cycle === 0 ? "-" : r.maxRelDiff.toExponential(1),
    `${r.seconds.toFixed(0)}s`,
    ...(stepped ? [r.cycle === 0 ? "-" : `×${+(r.stepScale ?? 1).toPrecision(3)}`] : []),
    ...(rows.some((q) => q.structure) ? [r.structure ?? ""] : []),
  ]);
  if (stepped) head.push("step");
  if (rows.some((q) => q.structure)) head.push("structure");
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 4 || head[i] === "structure" ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join("  ");
  return [line(head), ...body.map(line)].join("\n");
}
