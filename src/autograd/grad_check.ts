import { tensor } from "../tensor/create.ts";
import { Rng } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { mul } from "../ops/elementwise.ts";
import { sum } from "../ops/reduce.ts";
import { backward } from "./backward.ts";
import { noGrad } from "../tensor/grad_mode.ts";

/** Result of {@linkcode gradCheck}. */
export interface GradCheckResult {
  /** Largest |analytic − numeric| over all checked entries. */
  maxAbsError: number;
  /** Largest |analytic − numeric| / max(1, |numeric|). */
  maxRelError: number;
  /** Number of entries compared. */
  checked: number;
}

/** Options of {@linkcode gradCheck}. */
export interface GradCheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Seed of the random projection of the output (default 1). */
  seed?: number;
}

/**
 * Compares autograd's gradients of `fn` with central finite differences. The output is
 * reduced to a scalar through a fixed random projection so every output element counts.
 * Use float64 inputs on the reference backend.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { tanh } from "../ops/elementwise.ts";
 * import { gradCheck } from "./grad_check.ts";
 * const x = tensor([0.1, -0.4, 2], [3], { dtype: "float64", requiresGrad: true });
 * console.assert(gradCheck(([a]) => tanh(a), [x]).maxRelError < 1e-7);
 * ```
 */
export function gradCheck(
  fn: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradCheckOptions = {},
): GradCheckResult {
  const eps = opts.eps ?? 1e-6;
  const probe = fn(inputs);
  const rng = new Rng(opts.seed ?? 1);
  const w = noGrad(() =>
    tensor(Array.from({ length: probe.size }, () => rng.normal()), probe.shape, {
      backend: probe.backend,
      dtype: probe.dtype,
    })
  );
  const objective = () => sum(mul(fn(inputs), w));
  for (const x of inputs) x.grad = null;
  backward(objective());
  let maxAbsError = 0, maxRelError = 0, checked = 0;
  for (const x of inputs) {
    if (!x.requiresGrad) continue;
    const analytic = x.grad ? x.grad.toArray() : new Float64Array(x.size);
    const data = x.toArray();
    for (let i = 0; i < x.size; i++) {
      const orig = data[i];
      const at = (v: number) => {
        data[i] = v;
        x.backend.write(x.storage, data);
        return noGrad(() => objective().item());
      };
      const numeric = (at(orig + eps) - at(orig - eps)) / (2 * eps);
      data[i] = orig;
      x.backend.write(x.storage, data);
      const abs = Math.abs(analytic[i] - numeric);
      maxAbsError = Math.max(maxAbsError, abs);
      maxRelError = Math.max(maxRelError, abs / Math.max(1, Math.abs(numeric)));
      checked++;
    }
  }
  return { maxAbsError, maxRelError, checked };
}
