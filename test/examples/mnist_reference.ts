/**
 * Test helper for the examples: MNIST test images as the bytes a client sends, and the
 * answer of squeeze's own forward pass (the main entry's `loadModel`, the reference
 * backend, the loader's normalized inputs) to compare the examples with.
 */
import { fileURLToPath } from "node:url";
import { loadMnist } from "../../src/data/mnist.ts";
import { loadModel } from "../../src/io/model_file.ts";
import { softmax } from "../../src/ops/softmax.ts";
import { referenceBackend, tensor } from "../../src/tensor/create.ts";
import { noGrad } from "../../src/tensor/grad_mode.ts";
import { tidy } from "../../src/tensor/scope.ts";
import type { Backend } from "../../src/backends/backend.ts";

/** The committed example model. */
export const MODEL_PATH = fileURLToPath(
  new URL("../../examples/mnist_classifier/model.safetensors", import.meta.url),
);

/** The first `n` MNIST test images: pixel bytes, labels, and the loader's model inputs. */
export interface MnistSample {
  /** 784 bytes per image, as in the IDX file. */
  bytes: Uint8Array[];
  /** Digits. */
  labels: number[];
  /** `loadMnist("test")`'s normalized inputs, 784 per image. */
  inputs: Float32Array[];
}

/** Reads the first `n` MNIST test images with squeeze's loader. */
export async function mnistTestImages(n: number): Promise<MnistSample> {
  const raw = await loadMnist("test", { normalize: false });
  const norm = await loadMnist("test");
  const at = (d: Float32Array, i: number) => d.subarray(i * 784, (i + 1) * 784);
  const idx = [...Array(n).keys()];
  return {
    bytes: idx.map((i) => Uint8Array.from(at(raw.inputs, i), (p) => Math.round(p * 255))),
    labels: idx.map((i) => raw.labels[i]),
    inputs: idx.map((i) => at(norm.inputs, i).slice()),
  };
}

/**
 * Softmax probabilities of the example model for each input, from squeeze's forward on
 * `backend` (default: the reference backend), one image at a time.
 */
export async function referenceProbabilities(
  inputs: Float32Array[],
  backend: Backend = referenceBackend(),
): Promise<number[][]> {
  const model = await loadModel(MODEL_PATH, backend);
  try {
    return inputs.map((x) =>
      tidy(() => {
        const p = noGrad(() => softmax(model.forward(tensor(x, [1, 1, 28, 28], { backend }))));
        return Array.from(p.toArray());
      })
    );
  } finally {
    model.dispose();
  }
}

/** Index of the largest value. */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
