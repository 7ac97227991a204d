import type { AdamWParams, SgdParams } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";

/** SGD with PyTorch's semantics: L2 weight decay folded into the gradient, then momentum. */
export function sgdLoop(w: TypedArray, g: TypedArray, v: TypedArray | null, p: SgdParams): void {
  const { lr, momentum, weightDecay, nesterov } = p;
  for (let i = 0; i < w.length; i++) {
    let d = g[i] + weightDecay * w[i];
    if (v) {
      v[i] = momentum * v[i] + d;
      d = nesterov ? d + momentum * v[i] : v[i];
    }
    w[i] -= lr * d;
  }
}

/** AdamW (decoupled weight decay, bias-corrected moments). */
export function adamwLoop(
  w: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  p: AdamWParams,
): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = p;
  const c1 = 1 - Math.pow(beta1, step);
  const c2 = 1 - Math.pow(beta2, step);
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    w[i] = w[i] * decay - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}
