/**
 * Conformance suite: every kernel-backed op on every available backend (float32) against
 * the reference backend in float64 (the oracle), over edge sizes. Later backends (Wasm,
 * WebGPU) join by being added to BACKENDS. The Wasm and WebGPU backends flush subnormals
 * to zero and the oracle does not; that moves a stored value by less than 2⁻¹²⁶, far below
 * every tolerance here, and flush_test.ts checks the subnormal cases themselves.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { tensor, toBackend } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { add, div, mul, scale, sub, unary } from "../../src/ops/elementwise.ts";
import { matmul } from "../../src/ops/matmul.ts";
import { broadcastTo, max, mean, sum } from "../../src/ops/reduce.ts";
import { logSoftmax, softmax } from "../../src/ops/softmax.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { indexSelect, reshape, slice, sliceGradOp, transpose } from "../../src/ops/shape_ops.ts";
import { UNARY_KINDS } from "../../src/backends/backend.ts";
import { SGD } from "../../src/nn/optim/sgd.ts";
import { conv2d, conv2dGradInputOp, conv2dGradWeightOp } from "../../src/ops/conv.ts";
import { layerNorm } from "../../src/ops/layer_norm.ts";
import { compensatedLayerNorm, type Compensation } from "../../src/nn/norm_functional.ts";
import { backward } from "../../src/autograd/backward.ts";
import { apply } from "../../src/ops/op.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { Parameter } from "../../src/nn/parameter.ts";
import { tryWebGpu } from "./webgpu_helpers.ts";

const oracle = createReferenceBackend();
const gpu = await tryWebGpu();
const BACKENDS: Backend[] = [
  createReferenceBackend(),
  createWasmBackend(),
  Object.assign(createWasmBackend({ exact: true }), { name: "wasm-exact" }),
  ...(gpu ? [gpu] : []),
];
const SIZES = [1, 2, 7, 13, 33, 65, 257];

function rand(
  shape: number[],
  seed: number,
  backend: Backend,
  dtype: "float32" | "float64" = "float32",
  shift = 0,
) {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, () => r.normal() + shift), shape, { backend, dtype });
}

/** Runs `f` on float32 inputs of `backend` and float64 inputs of the oracle; compares. */
async function agree(
  name: string,
  backend: Backend,
  shapes: number[][],
  f: (xs: Tensor[]) => Tensor,
  shift = 0,
  tol = 2e-5,
) {
  const got = f(shapes.map((s, i) => rand(s, 100 + i, backend, "float32", shift)));
  const want = f(
    shapes.map((s, i) => toBackend(rand(s, 100 + i, oracle, "float32", shift), oracle, "float64")),
  );
  assert.deepEqual(got.shape, want.shape, name);
  const g = await got.data(), w = want.toArray();
  let scaleMax = 1;
  for (let i = 0; i < w.length; i++) scaleMax = Math.max(scaleMax, Math.abs(w[i]));
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) {
      assert.ok(Number.isNaN(g[i]), `${name}: index ${i} should be NaN`);
      continue;
    }
    assert.ok(Math.abs(g[i] - w[i]) <= tol * scaleMax, `${name}: index ${i}: ${g[i]} vs ${w[i]}`);
  }
}

for (const be of BACKENDS) {
  Deno.test(`conformance[${be.name}]: matmul, all layouts, edge sizes`, async () => {
    for (const m of SIZES) {
      for (const k of [1, 13, 65]) {
        for (const n of [1, 7, 33]) {
          for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
            await agree(
              `matmul ${m}x${k}x${n} ${tA}${tB}`,
              be,
              [tA ? [k, m] : [m, k], tB ? [n, k] : [k, n]],
              ([a, b]) => matmul(a, b, { transA: tA, transB: tB }),
              0,
              1e-5,
            );
          }
        }
      }
    }
    // Past the k-block (256), past the Wasm row block (144 rows; n > 512 packs A) and not
    // multiples of the 6x8 tile; large.
    const large = [[37, 300, 29], [130, 600, 67], [5, 1031, 3], [20, 30, 600]];
    large.push([301, 263, 41], [151, 70, 521]);
    for (const [m, k, n] of large) {
      for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
        await agree(
          `matmul ${m}x${k}x${n} ${tA}${tB}`,
          be,
          [tA ? [k, m] : [m, k], tB ? [n, k] : [k, n]],
          ([a, b]) => matmul(a, b, { transA: tA, transB: tB }),
          0,
          2e-5,
        );
      }
    }
    await agree(
      "batched matmul",
      be,
      [[3, 9, 17], [3, 11, 17]],
      ([a, b]) => matmul(a, b, { transB: true }),
      0,
      1e-5,
    );
    // Batched products of every layout: small ones (one scratch for the batch) and ones
    // large enough to split across threads.
    for (const [bt, m, k, n] of [[7, 16, 16, 16], [4, 7, 13, 5], [2, 1, 3, 1], [3, 64, 96, 80]]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          await agree(
            `batched matmul ${bt}×${m}x${k}x${n} ${tA}${tB}`,
            be,
            [tA ? [bt, k, m] : [bt, m, k], tB ? [bt, n, k] : [bt, k, n]],
            ([a, b]) => matmul(a, b, { transA: tA, transB: tB }),
            0,
            1e-5,
          );
        }
      }
    }
  });

  Deno.test(`conformance[${be.name}]: elementwise, broadcasting and unary kernels`, async () => {
    for (const n of SIZES) {
      for (const [name, f] of [["add", add], ["sub", sub], ["mul", mul], ["div", div]] as const) {
        await agree(`${name} ${n}`, be, [[3, n], [n]], ([a, b]) => f(a, b), name === "div" ? 0 : 0);
        await agree(`${name} col ${n}`, be, [[n, 3], [n, 1]], ([a, b]) => f(a, b));
        await agree(`${name} scalar ${n}`, be, [[3, n], [1]], ([a, b]) => f(a, b));
        await agree(
          `${name} per-channel ${n}`,
          be,
          [[2, n, 3, 5], [1, n, 1, 1]],
          ([a, b]) => f(a, b),
        );
        await agree(
          `${name} channel-first ${n}`,
          be,
          [[1, n, 1, 1], [2, n, 4, 4]],
          ([a, b]) => f(a, b),
        );
        await agree(
          `${name} over-channels ${n}`,
          be,
          [[2, n, 3, 3], [2, 1, 3, 3]],
          ([a, b]) => f(a, b),
        );
        await agree(
          `${name} two-axis block ${n}`,
          be,
          [[2, n, 3, 5], [n, 3, 1]],
          ([a, b]) => f(a, b),
        );
        await agree(`${name} lower-rank ${n}`, be, [[3, n, 1, 1], [n, 3, 3]], ([a, b]) => f(a, b));
        await agree(`${name} scalar-first ${n}`, be, [[1], [n, 2]], ([a, b]) => f(a, b));
        await agree(
          `${name} row+scalar ${n}`,
          be,
          [[1, n], [1]],
          ([a, b]) => f(broadcastTo(a, [4, n]), b),
        );
        await agree(
          `${name} column, expanded ${n}`,
          be,
          [[n, 1], [1]],
          ([a, b]) => f(broadcastTo(a, [n, 7]), broadcastTo(b, [n, 7])),
        );
      }
      for (const kind of UNARY_KINDS) {
        const shift = kind === "log" || kind === "sqrt" || kind === "reciprocal" ? 5 : 0;
        await agree(`${kind} ${n}`, be, [[n, 2]], ([a]) => unary(kind, a), shift);
      }
      await agree(`scale ${n}`, be, [[n]], ([a]) => scale(a, -0.5, 2));
      // broadcastTo over the last axis, a middle axis, and several at once
      await agree(`broadcast last ${n}`, be, [[n, 1]], ([a]) => broadcastTo(a, [n, 5]));
      await agree(`broadcast middle ${n}`, be, [[3, 1, n]], ([a]) => broadcastTo(a, [3, 4, n]));
      await agree(
        `broadcast mixed ${n}`,
        be,
        [[2, 1, n, 1]],
        ([a]) => broadcastTo(a, [2, 3, n, 4]),
      );
      await agree(`broadcast leading ${n}`, be, [[1, n]], ([a]) => broadcastTo(a, [2, 3, n]));
    }
  });

  Deno.test(`conformance[${be.name}]: reductions, softmax, cross-entropy, indexing`, async () => {
    for (const n of SIZES) {
      await agree(`sum ${n}`, be, [[n, 3, 5]], ([a]) => sum(a, { axes: [0, 2] }));
      await agree(`sum per-channel ${n}`, be, [[2, n, 3, 4]], ([a]) => sum(a, { axes: [0, 2, 3] }));
      await agree(
        `mean gaps ${n}`,
        be,
        [[3, 2, n, 5]],
        ([a]) => mean(a, { axes: [3, 0], keepdims: true }),
      );
      await agree(`max gaps ${n}`, be, [[2, n, 3, 2]], ([a]) => max(a, { axes: [0, 2] }));
      await agree(`mean ${n}`, be, [[4, n]], ([a]) => mean(a, { axes: [1] }));
      await agree(`max ${n}`, be, [[4, n]], ([a]) => max(a, { axes: [1] }));
      await agree(`softmax ${n}`, be, [[3, n]], ([a]) => softmax(a));
      await agree(`log_softmax ${n}`, be, [[3, n]], ([a]) => logSoftmax(a));
      const labels = Int32Array.from({ length: 5 }, (_, i) => (i * 7) % n);
      await agree(
        `cross_entropy ${n}`,
        be,
        [[5, n]],
        ([a]) => crossEntropy(a, labels, { reduction: "none" }),
      );
      await agree(`transpose ${n}`, be, [[2, n, 3]], ([a]) => transpose(a, [1, 2, 0]));
      await agree(
        `slice ${n}`,
        be,
        [[n, 4]],
        ([a]) => slice(a, [Math.floor(n / 2), 1], [n - Math.floor(n / 2), 2]),
      );
      // One sliced axis (last, middle, first: the Wasm backend copies rows), and the gradient.
      const boxes = [
        [[0, 0, 2], [2, n + 1, 3]],
        [[0, 1, 0], [2, n, 5]],
        [[1, 0, 0], [1, n + 1, 5]],
      ];
      for (const [starts, sizes] of boxes) {
        await agree(`slice ${n} ${starts}`, be, [[2, n + 1, 5]], ([a]) => slice(a, starts, sizes));
        await agree(
          `slice grad ${n} ${starts}`,
          be,
          [sizes],
          ([g]) => apply(sliceGradOp, [g], { starts, sizes, shape: [2, n + 1, 5] }),
        );
      }
      await agree(
        `index_select ${n}`,
        be,
        [[3, n]],
        ([a]) => indexSelect(a, 1, [n - 1, 0, Math.floor(n / 2)]),
      );
      await agree(`reshape ${n}`, be, [[n, 6]], ([a]) => reshape(a, [3, -1]));
      await agree(
        `layer_norm ${n}`,
        be,
        [[3, 2, n], [n], [n]],
        ([a, g, b]) => layerNorm(a, g, b),
        0,
        5e-5,
      );
    }
  });

  Deno.test(`conformance[${be.name}]: CompensatedLayerNorm forward and gradients (rows, 1–49 positions, removed constants)`, async () => {
    // The loss Σ w·CLN(x): its gradients of x, gamma and beta are the fused kernel's outputs.
    const grads = (x: Tensor, g: Tensor, b: Tensor, w: Tensor, comp: Compensation) => {
      for (const t of [x, g, b]) t.requiresGrad = true;
      backward(sum(mul(compensatedLayerNorm(x, g, b, comp, 1e-5), w)));
      return [x.grad!, g.grad!, b.grad!];
    };
    for (const c of [1, 2, 7, 33, 65]) {
      for (const pos of [[], [1], [3], [4], [2, 3], [7, 7], [13]]) {
        for (const removed of [0, 5]) {
          const shape = [3, c, ...pos], name = `cln c ${c} positions [${pos}] removed ${removed}`;
          const comp = { width: c + removed, kbar: removed ? 0.7 : 0, m2: removed ? 2.5 : 0 };
          const shapes = [shape, [c], [c], shape];
          await agree(name, be, shapes, ([x, g, b]) => compensatedLayerNorm(x, g, b, comp, 1e-5));
          // Two channels normalize to ±1 whatever x is (without removed constants): the input
          // gradient is the eps term's, a cancellation float32 resolves to ~1e-4.
          const tol = c <= 2 && removed === 0 ? 2e-4 : 2e-5;
          for (const [i, what] of ["dx", "dgamma", "dbeta"].entries()) {
            await agree(
              `${name} ${what}`,
              be,
              shapes,
              ([x, g, b, w]) => grads(x, g, b, w, comp)[i],
              0,
              tol,
            );
          }
        }
      }
    }
  });

  Deno.test(`conformance[${be.name}]: conv2d forward and both gradients (stride, padding, groups, depthwise 7×7, 1×1)`, async () => {
    // [n, c, h, w, o, kh, kw, stride, padding, groups]
    const cases: number[][] = [
      [2, 3, 7, 5, 4, 3, 3, 1, 1, 1],
      [1, 4, 9, 11, 6, 3, 2, 2, 1, 2],
      [2, 5, 13, 13, 5, 7, 7, 1, 3, 5],
      [2, 3, 5, 37, 3, 7, 7, 1, 3, 3],
      [1, 2, 4, 16, 2, 3, 3, 1, 1, 2],
      [1, 6, 10, 9, 6, 7, 7, 2, 3, 6],
      [3, 8, 6, 6, 4, 1, 1, 1, 0, 1],
      [1, 1, 1, 1, 3, 1, 1, 1, 0, 1],
      [2, 6, 8, 7, 9, 3, 3, 1, 0, 3],
      [1, 32, 6, 7, 5, 3, 3, 1, 1, 1],
      [2, 32, 20, 20, 24, 3, 3, 1, 1, 1],
      // Depthwise on small maps (7×7 taps over 1×1 and 3×3: rows in the padding skipped),
      // 3, 5 and 9 wide kernels (the weight gradient's one- and two-vector rows, and wide).
      [3, 4, 1, 1, 4, 7, 7, 1, 3, 4],
      [2, 4, 3, 3, 4, 7, 7, 1, 3, 4],
      [2, 3, 6, 5, 3, 3, 3, 1, 1, 3],
      [2, 3, 7, 7, 3, 5, 5, 1, 1, 3],
      [1, 2, 12, 14, 2, 9, 9, 1, 4, 2],
      // Ungrouped convolutions run as one GEMM per chunk of images: 1×1 maps (images as
      // matrix rows), a patchify conv down to 1×1, 1×1 on 3×3, and inputs big enough that
      // a batch splits into chunks (im2col and 1×1; Wasm only, see below).
      [4, 16, 1, 1, 24, 1, 1, 1, 0, 1],
      [5, 8, 3, 3, 12, 2, 2, 2, 0, 1],
      [6, 8, 3, 3, 16, 1, 1, 1, 0, 1],
      ...(be.name.startsWith("wasm")
        ? [[3, 16, 100, 100, 8, 3, 3, 1, 1, 1], [3, 24, 176, 176, 24, 1, 1, 1, 0, 1]]
        : []),
    ];
    // (The chunk cases exercise the Wasm backend's chunking. On WebGPU their weight
    // gradient sums > 65,535 terms in one shader loop, and llvmpipe, the software adapter
    // CI has, stops any loop after 65,535 iterations: measured 65,027 for a sum of 65,536
    // ones. A real GPU has no such limit.)
    for (const [n, c, h, w, o, kh, kw, s, p, groups] of cases) {
      const attrs = { stride: s, padding: p, groups };
      const name = `conv ${[n, c, h, w, o, kh, kw, s, p, groups]}`;
      await agree(
        name,
        be,
        [[n, c, h, w], [o, c / groups, kh, kw]],
        ([x, wt]) => conv2d(x, wt, attrs),
        0,
        2e-5,
      );
      const y = conv2d(
        rand([n, c, h, w], 1, oracle),
        rand([o, c / groups, kh, kw], 2, oracle),
        attrs,
      );
      await agree(
        `${name} dx`,
        be,
        [y.shape as number[], [o, c / groups, kh, kw]],
        ([dy, wt]) => apply(conv2dGradInputOp, [dy, wt], { ...attrs, inputShape: [n, c, h, w] }),
        0,
        2e-5,
      );
      await agree(
        `${name} dw`,
        be,
        [[n, c, h, w], y.shape as number[]],
        ([x, dy]) =>
          apply(conv2dGradWeightOp, [x, dy], { ...attrs, weightShape: [o, c / groups, kh, kw] }),
        0,
        2e-5,
      );
    }
  });

  Deno.test(`conformance[${be.name}]: NaN and Inf propagate through matmul, add and reductions`, async () => {
    const x = tensor([1, NaN, 2, 3], [2, 2], { backend: be });
    const y = tensor([Infinity, 1, 0, 1], [2, 2], { backend: be });
    const p = await matmul(x, y).data();
    assert.ok(Number.isNaN(p[0]) && Number.isNaN(p[1]));
    assert.ok(Number.isNaN((await sum(x).data())[0]));
    assert.ok(Number.isNaN((await max(x).data())[0]));
    assert.equal((await add(x, y).data())[0], Infinity);
  });

  Deno.test(`conformance[${be.name}]: optimizer kernels match the oracle`, async () => {
    for (const n of [1, 13, 257]) {
      const run = async (backend: Backend, dtype: "float32" | "float64", kind: "sgd" | "adamw") => {
        const p = Parameter.from(rand([n], 1, backend, dtype));
        const opt = kind === "sgd"
          ? new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true })
          : new AdamW([p], { lr: 0.01, weightDecay: 0.1 });
        for (let s = 0; s < 3; s++) {
          p.grad = rand([n], 10 + s, backend, dtype);
          opt.step();
        }
        return await p.data();
      };
      for (const kind of ["sgd", "adamw"] as const) {
        const g = await run(be, "float32", kind), w = await run(oracle, "float64", kind);
        for (let i = 0; i < n; i++) {
          assert.ok(Math.abs(g[i] - w[i]) < 1e-5, `${kind} ${i}: ${g[i]} vs ${w[i]}`);
        }
      }
    }
  });

  Deno.test(`conformance[${be.name}]: declares the kernels it implements and refuses foreign tensors`, () => {
    for (
      const k of [
        "matmul",
        "unary",
        "binary",
        "reduce",
        "softmax",
        "cross_entropy",
        "sgd",
        "adamw",
      ] as const
    ) {
      assert.ok(be.capabilities.kernels.has(k), k);
    }
    const other = createReferenceBackend();
    assert.throws(
      () => add(tensor([1], [1], { backend: be }), tensor([1], [1], { backend: other })),
      /lives on backend/,
    );
  });
}
