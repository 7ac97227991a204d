import type { Backend } from "../backends/backend.ts";
import { Rng } from "../tensor/random.ts";
import { Activation, type ActivationKind, Flatten } from "./activation.ts";
import { Linear } from "./linear.ts";
import type { Module } from "./module.ts";
import { Sequential } from "./sequential.ts";

/** Options of {@linkcode mlp}. */
export interface MlpOptions {
  /** Hidden activation (default relu). */
  activation?: ActivationKind;
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Backend for the parameters. */
  backend?: Backend;
}

/**
 * A fully-connected network `flatten → (linear → act)* → linear` with layer names
 * `fc1, act1, fc2, …`. `widths` lists input, hidden and output sizes.
 *
 * @example
 * ```ts
 * import { mlp } from "./models.ts";
 * console.assert(mlp([784, 300, 100, 10]).parameterCount() === 266610);
 * ```
 */
export function mlp(widths: readonly number[], opts: MlpOptions = {}): Sequential {
  if (widths.length < 2) {
    throw new RangeError(`mlp: need at least input and output widths, got [${widths}]`);
  }
  const rng = new Rng(opts.seed ?? 0);
  const layers: [string, Module][] = [["flatten", new Flatten()]];
  for (let i = 1; i < widths.length; i++) {
    layers.push([`fc${i}`, new Linear(widths[i - 1], widths[i], { rng, backend: opts.backend })]);
    if (i < widths.length - 1) layers.push([`act${i}`, new Activation(opts.activation ?? "relu")]);
  }
  return new Sequential(layers);
}

/** LeNet-300-100: 784-300-100-10 with ReLU (266,610 parameters). */
export function lenet300100(opts: Omit<MlpOptions, "activation"> = {}): Sequential {
  return mlp([784, 300, 100, 10], opts);
}
