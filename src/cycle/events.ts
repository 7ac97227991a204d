import type { CycleRow } from "./report.ts";

/** Phases of the cycle, for progress events. */
export type CyclePhase =
  | "dense"
  | "prune"
  | "fine-tune"
  | "minimize"
  | "release"
  | "train"
  | "backtrack";

/** Typed progress events of the cycle driver. */
export type CycleEvent =
  | { type: "phase"; cycle: number; phase: CyclePhase; detail: string }
  | { type: "cycle"; row: CycleRow; accepted: boolean }
  | { type: "stop"; cycle: number; reason: string }
  | { type: "resume"; cycle: number };
