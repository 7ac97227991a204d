/**
 * What a cycle run started from, stored with its checkpoint so that `resume` refuses to
 * continue a run with other settings (which would mix two runs in one report).
 *
 * @module
 */
import type { GraphModule } from "../graph/graph_module.ts";
import type { Dataset } from "../data/dataset.ts";
import type { CycleOptions } from "./options.ts";

/** The starting model and data of a run, as comparable text. */
export interface RunIdentity {
  /** Model name, parameter count and a hash of its graph. */
  model: string;
  /** Names and sizes of the train, validation and test splits. */
  data: string;
}

/** One setting that differs between a checkpoint and the run asked to resume it. */
export interface Mismatch {
  /** Option key (`maxCycles`, …), `model` or `data`. */
  key: string;
  /** The checkpoint's value, as JSON. */
  saved: string;
  /** The value asked for now, as JSON. */
  now: string;
}

/** FNV-1a over the UTF-16 code units of `text`, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The identity of a run starting from `model` on `data`.
 *
 * @example
 * ```ts
 * import { runIdentity } from "./run_identity.ts";
 * import { fromGraph, toGraph } from "../graph/convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const { graph, params } = toGraph(mlp([4, 3, 2]), [4], "4-3-2");
 * const ds = { name: "d", sampleShape: [4], inputs: new Float32Array(4), labels: new Int32Array(1), classes: 2 };
 * const id = runIdentity(fromGraph(graph, params), { train: ds, validation: ds, test: ds });
 * console.assert(id.model.startsWith("4-3-2 (23 parameters"));
 * ```
 */
export function runIdentity(
  model: GraphModule,
  data: { train: Dataset; validation: Dataset; test: Dataset },
): RunIdentity {
  const split = (d: Dataset) => `${d.name} ${d.labels.length}`;
  return {
    model: `${model.graph.name} (${model.parameterCount()} parameters, graph ${
      fnv1a(JSON.stringify(model.graph))
    })`,
    data: [data.train, data.validation, data.test].map(split).join(", "),
  };
}

/**
 * Options a resume may change: `maxCycles` only bounds the run, so a checkpoint of a
 * 2-cycle run continued to 3 cycles is one uninterrupted 3-cycle run.
 */
export const RESUMABLE_OPTIONS: ReadonlySet<keyof CycleOptions> = new Set(["maxCycles"]);

/**
 * The settings that differ between a checkpoint (its options and identity; `saved.start`
 * is absent in checkpoints written before identities were stored) and a run now, except
 * {@linkcode RESUMABLE_OPTIONS}.
 *
 * @example
 * ```ts
 * import { mismatches } from "./run_identity.ts";
 * import { resolveCycleOptions } from "./options.ts";
 * const saved = { options: resolveCycleOptions({ lr: 1e-3 }) };
 * const id = { model: "m", data: "d" };
 * console.assert(mismatches(saved, resolveCycleOptions(), id)[0].key === "lr");
 * ```
 */
export function mismatches(
  saved: { options: CycleOptions; start?: RunIdentity },
  options: CycleOptions,
  start: RunIdentity,
): Mismatch[] {
  const out: Mismatch[] = [];
  const compare = (key: string, a: unknown, b: unknown) => {
    const sa = JSON.stringify(a), sb = JSON.stringify(b);
    if (sa !== sb) out.push({ key, saved: sa, now: sb });
  };
  for (const key of Object.keys(options) as (keyof CycleOptions)[]) {
    if (!RESUMABLE_OPTIONS.has(key)) compare(key, saved.options?.[key], options[key]);
  }
  if (saved.start) {
    compare("model", saved.start.model, start.model);
    compare("data", saved.start.data, start.data);
  }
  return out;
}

/**
 * Thrown when `resume` finds a checkpoint made with other settings.
 *
 * @example
 * ```ts
 * import { CheckpointMismatchError } from "./run_identity.ts";
 * const e = new CheckpointMismatchError("ck", [{ key: "lr", saved: "0.001", now: "0.0005" }]);
 * console.assert(e.message.includes("lr 0.001 there, 0.0005 now"));
 * ```
 */
export class CheckpointMismatchError extends RangeError {
  /** Error name. */
  override name = "CheckpointMismatchError";
  /** The differing settings. */
  readonly mismatches: Mismatch[];

  /** Names the checkpoint folder and every differing setting. */
  constructor(dir: string, found: Mismatch[]) {
    super(
      `cycle: the checkpoint in ${dir} was made with other settings: ${
        found.map((m) => `${m.key} ${m.saved} there, ${m.now} now`).join("; ")
      }. Resume with the same settings, or start over in another folder.`,
    );
    this.mismatches = found;
  }
}
