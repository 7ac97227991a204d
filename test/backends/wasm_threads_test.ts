/**
 * The Wasm backend's thread splits (convolutions and their gradients, elementwise kernels,
 * CompensatedLayerNorm)
 * give the same bits on 2 threads as on 1, and the large cases do run on the workers.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createWasmBackend, type WasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { conv2d, conv2dGradInputOp, conv2dGradWeightOp } from "../../src/ops/conv.ts";
import { add, div, gelu, mul, sub } from "../../src/ops/elementwise.ts";
import { apply } from "../../src/ops/op.ts";
import { cln, clnOp } from "../../src/ops/cln.ts";
import { tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

/** A seeded normal tensor of `shape` on `be`. */
function rand(be: Backend, shape: number[], seed: number): Tensor {
  const rng = new Rng(seed), n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal()), shape, { backend: be });
}

/** Runs `fn` on `two` until its workers have started (they start on the first large kernel). */
async function startWorkers(two: WasmBackend): Promise<void> {
  const t0 = Date.now();
  while (two.parallelCalls() === 0 && Date.now() - t0 < 10000) {
    gelu(rand(two, [1 << 18], 1)).dispose();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(two.parallelCalls() > 0, "workers started and took work");
}

/** Asserts `f` gives the same bits on both backends and (when `split`) that `two` split it. */
function sameOnBoth(
  one: Backend,
  two: WasmBackend,
  name: string,
  f: (be: Backend) => Tensor,
  split = true,
) {
  const want = f(one).toArray();
  const calls = two.parallelCalls();
  const got = f(two).toArray();
  if (split) assert.ok(two.parallelCalls() > calls, `${name}: split across threads`);
  assert.equal(got.length, want.length, name);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${name}: index ${i}: ${got[i]} vs ${want[i]}`);
  }
}

Deno.test("wasm threads: convolutions and both gradients give the same bits on 1 and 2 threads", async () => {
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    await startWorkers(two);
    // [n, c, h, w, o, k, stride, padding, groups]: 3×3, 1×1 on 7×7 and on 1×1 maps, a 2×2
    // stride-2 patchify conv, a 4×4 stem, depthwise 7×7 (n not a multiple of its 16-image
    // partial sums), grouped.
    const cases = [
      [9, 16, 12, 11, 24, 3, 1, 1, 1],
      [64, 32, 7, 7, 128, 1, 1, 0, 1],
      [128, 128, 1, 1, 256, 1, 1, 0, 1],
      [64, 32, 7, 7, 64, 2, 2, 0, 1],
      [128, 1, 28, 28, 32, 4, 4, 0, 1],
      [37, 32, 9, 9, 32, 7, 1, 3, 32],
      [6, 24, 16, 16, 24, 3, 1, 0, 3],
    ];
    for (const [n, c, h, w, o, k, stride, padding, groups] of cases) {
      const attrs = { stride, padding, groups }, name = `conv ${[n, c, h, w, o, k, stride]}`;
      const wshape = [o, c / groups, k, k];
      sameOnBoth(
        one,
        two,
        name,
        (be) => conv2d(rand(be, [n, c, h, w], 2), rand(be, wshape, 3), attrs),
      );
      const yShape = conv2d(rand(one, [n, c, h, w], 2), rand(one, wshape, 3), attrs)
        .shape as number[];
      sameOnBoth(
        one,
        two,
        `${name} dx`,
        (be) =>
          apply(conv2dGradInputOp, [rand(be, yShape, 4), rand(be, wshape, 3)], {
            ...attrs,
            inputShape: [n, c, h, w],
          }),
      );
      sameOnBoth(
        one,
        two,
        `${name} dw`,
        (be) =>
          apply(conv2dGradWeightOp, [rand(be, [n, c, h, w], 2), rand(be, yShape, 4)], {
            ...attrs,
            weightShape: wshape,
          }),
        // (A grouped, not depthwise, weight gradient runs per image and group on one thread.)
        groups === 1 || groups === c,
      );
    }
  } finally {
    two.dispose();
  }
});

Deno.test("wasm threads: elementwise kernels split by rows give the same bits on 1 and 2 threads", async () => {
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    await startWorkers(two);
    const N = [64, 96, 7, 9] as const;
    sameOnBoth(one, two, "gelu", (be) => gelu(rand(be, [...N], 5)));
    for (const [name, f] of [["add", add], ["sub", sub], ["mul", mul], ["div", div]] as const) {
      sameOnBoth(
        one,
        two,
        `${name} same shape`,
        (be) => f(rand(be, [...N], 6), rand(be, [...N], 7)),
      );
      sameOnBoth(one, two, `${name} row`, (be) => f(rand(be, [...N], 6), rand(be, [7, 9], 7)));
      sameOnBoth(one, two, `${name} row first`, (be) => f(rand(be, [9], 7), rand(be, [...N], 6)));
      sameOnBoth(
        one,
        two,
        `${name} per channel`,
        (be) => f(rand(be, [...N], 6), rand(be, [1, 96, 1, 1], 7)),
      );
      sameOnBoth(
        one,
        two,
        `${name} per channel first`,
        (be) => f(rand(be, [1, 96, 1, 1], 7), rand(be, [...N], 6)),
      );
    }
  } finally {
    two.dispose();
  }
});

Deno.test("wasm threads: CompensatedLayerNorm and its gradient split by images give the same bits on 1 and 2 threads", async () => {
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    await startWorkers(two);
    const attrs = { width: 70, kbar: 0.3, m2: 1.5, eps: 1e-6 };
    // ConvNeXt-like maps (49 positions: vectors and a scalar tail) and token rows.
    for (const shape of [[37, 64, 7, 7], [2051, 64]]) {
      const c = shape[1];
      const args = (be: Backend) =>
        [rand(be, shape, 8), rand(be, [c], 9), rand(be, [c], 10)] as const;
      sameOnBoth(one, two, `cln [${shape}]`, (be) => cln(...args(be), attrs));
      const grads = (be: Backend) => {
        const [x, g, b] = args(be);
        const dy = rand(be, shape, 11);
        const gs = clnOp.backward!(dy, [x, g, b], x, attrs, [true, false, false]);
        return gs[0]!;
      };
      sameOnBoth(one, two, `cln [${shape}] dx`, grads);
    }
  } finally {
    two.dispose();
  }
});
