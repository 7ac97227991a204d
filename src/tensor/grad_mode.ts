/**
 * Recording switch for reverse-mode autograd. While enabled, every op whose inputs
 * require gradients stores a {@linkcode TapeNode} on its output; `backward` (in
 * `src/autograd/`) replays those nodes in reverse topological order. It lives here, below
 * the ops, because every op reads it: forward-only code (the inference entry) needs
 * nothing from `src/autograd/`.
 *
 * @module
 */
let enabled = true;

/** Whether ops currently record gradients. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with recording off (evaluation, optimizer steps, gradient rules).
 *
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from "./grad_mode.ts";
 * noGrad(() => console.assert(!isGradEnabled()));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

export type { TapeNode } from "./tensor.ts";
