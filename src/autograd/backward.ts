import { formatShape, sameShape } from "../tensor/shape.ts";
import { full } from "../tensor/create.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { add } from "../ops/elementwise.ts";
import { noGrad } from "../tensor/grad_mode.ts";

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

/**
 * Reverse-mode differentiation: walks the recorded ops from `root` back to the leaves
 * and accumulates `.grad` on every leaf with `requiresGrad`. `root` must be a scalar
 * unless `grad` (same shape as root) is given. Gradient rules run without recording.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor/create.ts";
 * import { mul } from "../ops/elementwise.ts";
 * import { sum } from "../ops/reduce.ts";
 * import { backward } from "./backward.ts";
 * const x = tensor([1, 2, 3], [3], { requiresGrad: true });
 * backward(sum(mul(x, x)));
 * console.assert(x.grad!.toArray()[2] === 6);
 * ```
 */
export function backward(root: Tensor, grad?: Tensor): void {
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
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>([[root, seed]]);
    const order = topoOrder(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        t.grad = t.grad ? add(t.grad, g) : g;
        continue;
      }
      const needs = t.node.inputs.map((x) => x.requiresGrad);
      const gs = t.node.backward(g, needs);
      t.node.inputs.forEach((x, j) => {
        const gj = gs[j];
        if (!needs[j] || !gj) return;
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gj) : gj);
      });
    }
  });
}
