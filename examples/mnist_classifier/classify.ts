/**
 * Classifies one MNIST image with a squeeze model: pixels are normalized as squeeze's
 * MNIST loader does for training, `(p/255 − 0.1307)/0.3081`, into a `[1, 1, 28, 28]`
 * tensor on the model's backend; the answer is the softmax of the logits and its argmax.
 * Imports only squeeze's inference entry, so it runs in a server, an edge function or a
 * browser.
 *
 * @module
 */
import { type GraphModule, noGrad, softmax, tensor, tidy } from "../../src/runtime/mod.ts";

/** Mean of the MNIST training pixels in [0, 1] (as `MNIST_MEAN` of `src/data/mnist.ts`). */
export const MNIST_MEAN = 0.1307;
/** Their standard deviation (as `MNIST_STD` of `src/data/mnist.ts`). */
export const MNIST_STD = 0.3081;

/** What the classifier answers. */
export interface Classification {
  /** The most probable digit. */
  digit: number;
  /** The softmax of the 10 logits. */
  probabilities: number[];
}

/**
 * The model input for 784 grayscale bytes: normalized pixels, row-major.
 *
 * @example
 * ```ts
 * import { normalize } from "./classify.ts";
 * console.assert(Math.abs(normalize(new Uint8Array([0]))[0] + 0.1307 / 0.3081) < 1e-6);
 * ```
 */
export function normalize(pixels: Uint8Array): Float32Array {
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = (pixels[i] / 255 - MNIST_MEAN) / MNIST_STD;
  return x;
}

/**
 * The digit and class probabilities the model gives for 784 grayscale bytes.
 *
 * @example
 * ```ts ignore
 * import { loadModel, createBackend } from "../../src/runtime/mod.ts";
 * import { classify } from "./classify.ts";
 * const model = await loadModel("examples/mnist_classifier/model.safetensors", createBackend());
 * const { digit } = await classify(model, new Uint8Array(784));
 * console.log(digit);
 * ```
 */
export async function classify(model: GraphModule, pixels: Uint8Array): Promise<Classification> {
  const backend = model.parameters()[0].backend;
  const probs = tidy(() =>
    noGrad(() => softmax(model.forward(tensor(normalize(pixels), [1, 1, 28, 28], { backend }))))
  );
  let values: number[];
  try {
    values = Array.from(await probs.data());
  } finally {
    probs.dispose();
  }
  if (values.length !== 10) {
    throw new RangeError(`classify: the model gives ${values.length} outputs, expected 10`);
  }
  let digit = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[digit]) digit = i;
  return { digit, probabilities: values };
}
