import type { Backend } from "../backends/backend.ts";
import { tensor } from "../tensor/create.ts";
import type { Rng } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** An in-memory labelled image set: `count` samples of `sampleShape`, float32, row-major. */
export interface Dataset {
  /** Name for messages, e.g. `mnist/train`. */
  name: string;
  /** Shape of one sample, e.g. `[1, 28, 28]`. */
  sampleShape: number[];
  /** `count · prod(sampleShape)` values. */
  inputs: Float32Array;
  /** One class index per sample. */
  labels: Int32Array;
  /** Number of classes. */
  classes: number;
}

/** Number of samples. */
export function datasetSize(ds: Dataset): number {
  return ds.labels.length;
}

/**
 * Checks that `ds` is consistent: `inputs` holds exactly labels × sample shape values and
 * every label is a class index; with `nonEmpty`, that it has samples. Throws a
 * `RangeError` that starts with `who` and names the dataset.
 *
 * @example
 * ```ts
 * import { checkDataset } from "./dataset.ts";
 * const ds = { name: "t", sampleShape: [2], inputs: new Float32Array(3), labels: new Int32Array(2), classes: 2 };
 * let msg = "";
 * try { checkDataset(ds, "fit"); } catch (e) { msg = (e as Error).message; }
 * console.assert(msg.startsWith('fit: dataset "t" has 3 input values'));
 * ```
 */
export function checkDataset(ds: Dataset, who: string, opts: { nonEmpty?: boolean } = {}): void {
  const bad = (what: string) => new RangeError(`${who}: dataset "${ds.name}" ${what}`);
  const shape = ds.sampleShape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw bad(`has sample shape ${JSON.stringify(shape)}; expected sizes ≥ 1`);
  }
  const n = ds.labels.length, per = shape.reduce((a, b) => a * b, 1);
  if (ds.inputs.length !== n * per) {
    throw bad(
      `has ${ds.inputs.length} input values for ${n} labels × [${shape}] (${n * per} expected)`,
    );
  }
  if (opts.nonEmpty && n === 0) throw bad("is empty");
  for (let i = 0; i < n; i++) {
    const l = ds.labels[i];
    if (!(l >= 0 && l < ds.classes)) {
      throw bad(`has label ${l} at sample ${i}, outside its ${ds.classes} classes`);
    }
  }
}

/** The samples at `indices`, as a new dataset. */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const inputs = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    inputs.set(ds.inputs.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { ...ds, name, inputs, labels };
}

/**
 * Splits off `count` samples as a validation set, chosen by a seeded permutation.
 *
 * @example
 * ```ts
 * import { splitValidation } from "./dataset.ts";
 * import { Rng } from "../tensor/random.ts";
 * const ds = { name: "t", sampleShape: [1], inputs: new Float32Array(10), labels: new Int32Array(10), classes: 2 };
 * const { train, validation } = splitValidation(ds, 3, new Rng(0));
 * console.assert(train.labels.length === 7 && validation.labels.length === 3);
 * ```
 */
export function splitValidation(
  ds: Dataset,
  count: number,
  rng: Rng,
): { train: Dataset; validation: Dataset } {
  const n = datasetSize(ds);
  if (!Number.isInteger(count) || count < 0 || count >= n) {
    throw new RangeError(`splitValidation: count must be an integer in [0, ${n}), got ${count}`);
  }
  const perm = rng.permutation(n);
  const val = perm.slice(0, count).sort();
  const tr = perm.slice(count).sort();
  return {
    train: subset(ds, tr, `${ds.name}[train]`),
    validation: subset(ds, val, `${ds.name}[validation]`),
  };
}

/** One mini-batch. */
export interface Batch {
  /** `[B, ...sampleShape]`. */
  x: Tensor;
  /** `B` labels. */
  y: Int32Array;
}

/** Options of {@linkcode batches}. */
export interface BatchOptions {
  /** Samples per batch (default 128). */
  batchSize?: number;
  /** Shuffle with this generator (default: dataset order). */
  shuffle?: Rng;
  /** Drop a last incomplete batch (default false). */
  dropLast?: boolean;
  /** Backend of the batch tensors. */
  backend?: Backend;
}

/** Number of batches `batches` yields. */
export function batchCount(ds: Dataset, opts: BatchOptions = {}): number {
  const b = opts.batchSize ?? 128;
  const n = datasetSize(ds);
  return opts.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
}

/** Mini-batches of `ds`, optionally in a seeded shuffled order. */
export function* batches(ds: Dataset, opts: BatchOptions = {}): Generator<Batch> {
  const b = opts.batchSize ?? 128;
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(`batches: batchSize must be an integer ≥ 1, got ${b}`);
  }
  checkDataset(ds, "batches");
  const n = datasetSize(ds);
  const order = opts.shuffle ? opts.shuffle.permutation(n) : null;
  const per = ds.sampleShape.reduce((a, c) => a * c, 1);
  for (let s = 0; s < n; s += b) {
    const m = Math.min(b, n - s);
    if (m < b && opts.dropLast) break;
    const x = new Float32Array(m * per);
    const y = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const j = order ? order[s + i] : s + i;
      x.set(ds.inputs.subarray(j * per, (j + 1) * per), i * per);
      y[i] = ds.labels[j];
    }
    yield { x: tensor(x, [m, ...ds.sampleShape], { backend: opts.backend }), y };
  }
}
