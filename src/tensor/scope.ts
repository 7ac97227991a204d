/**
 * Explicit memory scopes. Backends whose memory the JS garbage collector cannot see
 * (the Wasm arena, GPU buffers) need tensors freed promptly: `tidy(fn)` frees every
 * tensor created while `fn` runs, except what `fn` returns. Parameters are never
 * tracked. On the reference backend freeing is a no-op.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";

const stack: Set<Tensor>[] = [];

/** Records a new tensor in the innermost scope (called by the Tensor constructor). */
export function trackTensor(t: Tensor): void {
  stack.at(-1)?.add(t);
}

/** Removes a tensor from every open scope (it is owned elsewhere now). */
export function untrackTensor(t: Tensor): void {
  for (const s of stack) s.delete(t);
}

/**
 * Runs `fn` with the tensors it creates recorded in `into` (not in the current scope);
 * afterwards those not disposed move to the enclosing scope, as if created there. Lets a
 * caller free some of what `fn` made before the enclosing `tidy` ends (`backward` frees
 * gradients it no longer needs this way).
 *
 * @example
 * ```ts
 * import { recordCreated } from "./scope.ts";
 * import { tensor } from "./create.ts";
 * const made = new Set<import("./tensor.ts").Tensor>();
 * recordCreated(made, () => tensor([1, 2]));
 * console.assert(made.size === 1);
 * ```
 */
export function recordCreated<T>(into: Set<Tensor>, fn: () => T): T {
  stack.push(into);
  try {
    return fn();
  } finally {
    stack.pop();
    const outer = stack.at(-1);
    if (outer) { for (const t of into) if (!t.disposed) outer.add(t); }
  }
}

function collect(v: unknown, out: Set<unknown>): void {
  if (v === null || typeof v !== "object") return;
  if (out.has(v)) return;
  out.add(v);
  if (Array.isArray(v)) { for (const x of v) collect(x, out); }
  else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collect(x, out);
  }
}

/**
 * Runs `fn` and disposes every tensor it created that is not part of its result (a
 * tensor, or arrays/plain objects holding tensors). Returned tensors move to the
 * enclosing scope.
 *
 * @example
 * ```ts
 * import { tidy } from "./scope.ts";
 * import { tensor } from "./create.ts";
 * import { add } from "../ops/elementwise.ts";
 * const x = tensor([1, 2]);
 * const y = tidy(() => add(add(x, x), x)); // the inner sum is freed, y is kept
 * console.assert(y.toArray()[1] === 6);
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  stack.pop();
  const keep = new Set<unknown>();
  collect(result, keep);
  for (const t of scope) {
    if (keep.has(t)) stack.at(-1)?.add(t);
    else t.dispose();
  }
  return result;
}
