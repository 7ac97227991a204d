import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { backward } from "../../src/autograd/backward.ts";
import { randn } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { mul } from "../../src/ops/elementwise.ts";
import { sum } from "../../src/ops/reduce.ts";
import { cln, hasFusedCln } from "../../src/ops/cln.ts";
import { compensatedLayerNorm } from "../../src/nn/norm_functional.ts";

/** The reference backend without the fused kernel: CLN runs as elementwise ops there. */
function composite(): Backend {
  const be = createReferenceBackend();
  const kernels = new Set(
    [...be.capabilities.kernels].filter((k) => k !== "compensated_layer_norm"),
  );
  return { ...be, capabilities: { ...be.capabilities, kernels } };
}

/** Output and the gradients of x, gamma, beta of Σ w·CLN(x), in float64 on `be`. */
function run(be: Backend, shape: number[], removed: number) {
  const rng = new Rng(11), opts = { backend: be, dtype: "float64" as const };
  const [x, g, b] = [
    randn(shape, rng, opts),
    randn([shape[1]], rng, opts),
    randn([shape[1]], rng, opts),
  ];
  const w = randn(shape, rng, opts);
  for (const t of [x, g, b]) t.requiresGrad = true;
  const comp = { width: shape[1] + removed, kbar: removed ? -0.4 : 0, m2: removed ? 1.7 : 0 };
  const y = compensatedLayerNorm(x, g, b, comp, 1e-6);
  backward(sum(mul(y, w)));
  return [y, x.grad!, g.grad!, b.grad!].map((t: Tensor) => [...t.toArray()]);
}

Deno.test("fused CompensatedLayerNorm equals the composite one (float64): forward and gradients", () => {
  const fused = createReferenceBackend(), plain = composite();
  assert.ok(hasFusedCln(fused) && !hasFusedCln(plain));
  for (const shape of [[4, 6], [2, 5, 3, 3], [3, 1, 7], [2, 9, 1, 1]]) {
    for (const removed of [0, 3]) {
      const a = run(fused, shape, removed), b = run(plain, shape, removed);
      for (const [i, what] of ["y", "dx", "dgamma", "dbeta"].entries()) {
        const err = Math.max(...a[i].map((v, j) => Math.abs(v - b[i][j])));
        assert.ok(err < 1e-10, `[${shape}] removed ${removed} ${what}: ${err}`);
      }
    }
  }
});

Deno.test("cln() validates its inputs and needs the kernel", () => {
  const be = createReferenceBackend(), rng = new Rng(1);
  const x = randn([2, 3, 4], rng, { backend: be }), g = randn([3], rng, { backend: be });
  const attrs = { width: 3, kbar: 0, m2: 0, eps: 1e-6 };
  assert.throws(() => cln(x, g, randn([4], rng, { backend: be }), attrs), /beta must be \[3\]/);
  assert.throws(() => cln(x, g, g, { ...attrs, width: 2 }), /width 2 is smaller than the 3/);
  assert.throws(() => cln(x, g, g, { ...attrs, m2: -1 }), /m2 -1 and eps/);
  const p = composite();
  const xp = randn([2, 3], rng, { backend: p }), gp = randn([3], rng, { backend: p });
  assert.throws(() => cln(xp, gp, gp, attrs), /has no fused compensated_layer_norm kernel/);
});
