import { formatShape, sameShape } from "../tensor/shape.ts";
import { full } from "../tensor/create.ts";
import { add } from "../ops/elementwise.ts";
import { noGrad } from "../tensor/grad_mode.ts";
import { recordCreated } from "../tensor/scope.ts";
import { Tensor } from "../tensor/tensor.ts";

/** Tensors reachable from `root` through recorded nodes, inputs before outputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const i of t.node?.inputs ?? []) {
      if (i.requiresGrad && !seen.has(i)) stack.push([i, false]);
    }
  }
  return order;
}

/** Options of {@linkcode backward}. */
export interface BackwardOptions {
  /** Gradient of `root` (same shape); needed unless `root` is a scalar. */
  grad?: Tensor;
  /**
   * Free each recorded intermediate (a tensor an op produced on the way to `root`) as
   * soon as the last gradient rule that reads it has run, so a step's peak memory is not
   * the sum of its activations and their gradients. The graph cannot be replayed after
   * that. Tensors in `keep` and `root` itself stay. @default false
   */
  freeActivations?: boolean;
  /** Intermediates the caller still reads after `backward` (with `freeActivations`). */
  keep?: readonly Tensor[];
}

/**
 * Reverse-mode differentiation: walks the recorded ops from `root` back to the leaves
 * and accumulates `.grad` on every leaf with `requiresGrad`. `root` must be a scalar
 * unless a gradient (same shape as root) is given. Gradient rules run without recording.
 * Intermediate gradients are freed once used; with `freeActivations`, the forward
 * intermediates too (see {@linkcode BackwardOptions}).
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { mul } from "../ops/elementwise.ts";
 * import { sum } from "../ops/reduce.ts";
 * import { backward } from "./backward.ts";
 * const x = tensor([1, 2, 3], [3], { requiresGrad: true });
 * const y = mul(x, x);
 * backward(sum(y), { freeActivations: true }); // y is freed on the way
 * console.assert(x.grad!.toArray()[2] === 6 && y.disposed);
 * ```
 */
export function backward(root: Tensor, options: Tensor | BackwardOptions = {}): void {
  const opts: BackwardOptions = options instanceof Tensor ? { grad: options } : options;
  const grad = opts.grad;
  if (!root.requiresGrad) {
    throw new TypeError("backward: the tensor does not depend on any tensor with requiresGrad");
  }
  if (!grad && root.size !== 1) {
    throw new RangeError(
      `backward: root has shape ${
        formatShape(root.shape)
      }; pass a gradient or reduce it to a scalar`,
    );
  }
  const seed = grad ?? full(root.shape, 1, { backend: root.backend, dtype: root.dtype });
  if (!sameShape(seed.shape, root.shape)) {
    throw new RangeError(
      `backward: gradient shape ${formatShape(seed.shape)} differs from root ${
        formatShape(root.shape)
      }`,
    );
  }
  const keep = new Set<Tensor>([root, ...(opts.keep ?? [])]);
  // Gradients made here, and how many entries of `grads` hold each (a rule may return
  // its incoming gradient, or one tensor for two inputs); one at zero is freed.
  const made = new Set<Tensor>(grad ? [] : [seed]);
  const refs = new Map<Tensor, number>();
  const held = new Set<Tensor>(); // became a leaf's .grad
  const release = (g: Tensor) => {
    if (made.has(g) && !held.has(g) && !(refs.get(g)! > 0)) g.dispose();
  };
  noGrad(() =>
    recordCreated(made, () => {
      const grads = new Map<Tensor, Tensor>([[root, seed]]);
      refs.set(seed, 1);
      const put = (x: Tensor, g: Tensor) => {
        const prev = grads.get(x);
        const next = prev ? add(prev, g) : g;
        if (prev) refs.set(prev, refs.get(prev)! - 1);
        grads.set(x, next);
        refs.set(next, (refs.get(next) ?? 0) + 1);
        if (prev) release(prev);
      };
      const order = topoOrder(root);
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (g) {
          grads.delete(t);
          refs.set(g, refs.get(g)! - 1);
          if (!t.node) {
            if (t.grad) {
              t.grad = add(t.grad, g);
              release(g);
            } else {
              t.grad = g;
            }
            held.add(t.grad);
            continue;
          }
          const needs = t.node.inputs.map((x) => x.requiresGrad);
          // What the rule makes: its gradients, and temporaries (freed below, not at the
          // enclosing tidy's end).
          const rule = new Set<Tensor>();
          const node = t.node;
          const gs = recordCreated(rule, () => node.backward(g, needs));
          // A rule may hand one tensor to several inputs (add: [g, g]), or pass g itself on:
          // hold them all while they are handed out, then free what nobody took.
          const handed = new Set<Tensor>([g, ...rule]);
          for (const gj of gs) if (gj) handed.add(gj);
          for (const h of handed) refs.set(h, (refs.get(h) ?? 0) + 1);
          t.node.inputs.forEach((x, j) => {
            const gj = gs[j];
            if (needs[j] && gj) put(x, gj);
          });
          for (const h of handed) {
            refs.set(h, refs.get(h)! - 1);
            release(h);
          }
        }
        // Every reader of t ran before it (reverse topological order): t is dead now.
        // (Unless a rule handed it on as a gradient.)
        const live = keep.has(t) || held.has(t) || refs.get(t)! > 0;
        if (opts.freeActivations && t.node && !live) t.dispose();
      }
    })
  );
}
