/**
 * Flush to zero: the Wasm and WebGPU backends never store a subnormal float32. Each case
 * below makes the exact IEEE result (the reference backend in float32) hold subnormals, so
 * a kernel that forgot to flush fails; the flushing backend must return none and otherwise
 * agree with the reference.
 */
import assert from "node:assert/strict";
import type { AdamWParams, Backend, Storage } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { countSubnormals, FLOAT32_MIN_NORMAL } from "../../src/tensor/subnormal.ts";
import { add, div, mul, scale, sub, unary } from "../../src/ops/elementwise.ts";
import { matmul } from "../../src/ops/matmul.ts";
import { sum } from "../../src/ops/reduce.ts";
import { softmax } from "../../src/ops/softmax.ts";
import { layerNorm } from "../../src/ops/layer_norm.ts";
import { conv2d, conv2dGradInputOp, conv2dGradWeightOp } from "../../src/ops/conv.ts";
import { apply } from "../../src/ops/op.ts";
import { indexSelect } from "../../src/ops/shape_ops.ts";
import { backward } from "../../src/autograd/backward.ts";
import { mlp } from "../../src/nn/models.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import type { Parameter } from "../../src/nn/parameter.ts";
import { trainStep } from "../../src/nn/train.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { tidy } from "../../src/tensor/scope.ts";
import { tryWebGpu } from "./webgpu_helpers.ts";

const reference = createReferenceBackend();
const gpu = await tryWebGpu();
const FLUSHING: Backend[] = [
  createWasmBackend(),
  Object.assign(createWasmBackend({ exact: true }), { name: "wasm-exact" }),
  Object.assign(createWasmBackend({ threads: 2 }), { name: "wasm-2-threads" }),
  ...(gpu ? [gpu] : []),
];

/** `n` values: normal(0, 1)·`mag` + `shift` (seeded). */
function values(n: number, seed: number, mag = 1, shift = 0): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.normal() * mag + shift);
}

/** One case: input specs (shape, magnitude, shift) and the computation. */
interface Case {
  name: string;
  inputs: [number[], number, number?][];
  f: (xs: Tensor[]) => Tensor;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const conv = (s: number, p: number, groups: number, c: number, o: number, k: number): Case[] => {
  const attrs = { stride: s, padding: p, groups };
  const x = [2, c, 9, 8], w = [o, c / groups, k, k];
  const oh = Math.floor((9 + 2 * p - k) / s) + 1, ow = Math.floor((8 + 2 * p - k) / s) + 1;
  const tag = `conv2d k${k} s${s} p${p} g${groups}`;
  return [
    { name: tag, inputs: [[x, 1e-19], [w, 3e-20]], f: ([a, b]) => conv2d(a, b, attrs) },
    {
      name: `${tag} dx`,
      inputs: [[[2, o, oh, ow], 1e-19], [w, 3e-20]],
      f: ([dy, b]) => apply(conv2dGradInputOp, [dy, b], { ...attrs, inputShape: x }),
    },
    {
      name: `${tag} dw`,
      inputs: [[x, 1e-19], [[2, o, oh, ow], 3e-20]],
      f: ([a, dy]) => apply(conv2dGradWeightOp, [a, dy], { ...attrs, weightShape: w }),
    },
  ];
};

const CASES: Case[] = [
  ...[[1, 1, 1], [7, 13, 33], [13, 65, 7], [37, 300, 29], [130, 70, 150]].flatMap(([m, k, n]) =>
    [[false, false], [false, true], [true, false]].map(([tA, tB]): Case => ({
      name: `matmul ${m}×${k}×${n} ${tA ? "Aᵀ" : "A"}·${tB ? "Bᵀ" : "B"}`,
      inputs: [[tA ? [k, m] : [m, k], 1e-19], [tB ? [n, k] : [k, n], 3e-20]],
      f: ([a, b]) => matmul(a, b, { transA: tA, transB: tB }),
    }))
  ),
  { name: "mul", inputs: [[[3, 37], 1e-19], [[37], 3e-20]], f: ([a, b]) => mul(a, b) },
  {
    name: "mul (broadcast loop)",
    inputs: [[[5, 3], 1e-19], [[5, 1], 3e-20]],
    f: ([a, b]) => mul(a, b),
  },
  { name: "div", inputs: [[[37], 1e-28], [[37], 1, 1e10]], f: ([a, b]) => div(a, b) },
  {
    name: "sub of near-equal tiny values",
    inputs: [[[41], 1e-39, 1.3e-38], [[41], 1e-39, 1.3e-38]],
    f: ([a, b]) => sub(a, b),
  },
  {
    name: "add (scalar operand)",
    inputs: [[[29], 1e-39, 1.3e-38], [[1], 0, -1.3e-38]],
    f: ([a, b]) => add(a, b),
  },
  { name: "scale", inputs: [[[33], 1e-8]], f: ([a]) => scale(a, 1e-31) },
  { name: "exp", inputs: [[[33], 2, -95]], f: ([a]) => unary("exp", a) },
  { name: "square", inputs: [[[33], 1e-19]], f: ([a]) => unary("square", a) },
  { name: "reciprocal", inputs: [[[33], 3e37, 1e38]], f: ([a]) => unary("reciprocal", a) },
  { name: "sigmoid", inputs: [[[33], 2, -95]], f: ([a]) => unary("sigmoid", a) },
  { name: "sum over rows", inputs: [[[3, 2, 40], 2e-38]], f: ([a]) => sum(a, { axes: [1] }) },
  {
    name: "sum over gapped axes",
    inputs: [[[2, 40, 2], 2e-38]],
    f: ([a]) => sum(a, { axes: [0, 2] }),
  },
  { name: "softmax", inputs: [[[6, 30], 40]], f: ([a]) => softmax(a) },
  {
    name: "layer norm",
    inputs: [[[7, 11], 1], [[11], 2e-38], [[11], 0]],
    f: ([a, g, b]) => layerNorm(a, g, b),
  },
  ...conv(1, 1, 1, 3, 4, 3),
  ...conv(1, 0, 1, 4, 5, 1),
  ...conv(1, 1, 4, 4, 4, 3),
  ...conv(2, 1, 4, 4, 4, 3),
  {
    name: "index select gradient (scatter-add)",
    inputs: [[[3, 5], 1], [[30, 6], 2e-38]],
    f: ([x, dy]) => {
      x.requiresGrad = true;
      const rows = indexSelect(x, 0, new Int32Array(30).map((_, i) => i % 3));
      backward(sum(mul(indexSelect(rows, 1, Int32Array.of(0, 2, 2, 4, 0, 1)), dy)));
      return x.grad!;
    },
  },
];

/** Runs a case on `be` with inputs from one seed; returns the result's elements. */
async function run(c: Case, be: Backend): Promise<ArrayLike<number>> {
  const xs = c.inputs.map(([shape, mag, shift], i) =>
    tensor(values(size(shape), 7 + i, mag, shift ?? 0), shape, { backend: be })
  );
  return await c.f(xs).data();
}

for (const be of FLUSHING) {
  Deno.test(`flush[${be.name}]: uploads and writes store subnormals as zeros`, async () => {
    const t = tensor([1e-40, -1e-40, 1, -3e-39, 2e-38, NaN, -Infinity], [7], { backend: be });
    const got = await t.data();
    assert.deepEqual([got[0], got[1], got[3]], [0, 0, 0]);
    assert.deepEqual([got[2], got[4], got[6]], [1, Math.fround(2e-38), -Infinity]);
    assert.ok(Number.isNaN(got[5]));
    be.write(t.storage, Float32Array.of(3e-39, 0, 0, 0, 0, 0, 0));
    assert.ok(Object.is((await t.data())[0], 0));
  });

  Deno.test(`flush[${be.name}]: no kernel returns a subnormal where exact IEEE arithmetic gives one`, async () => {
    for (const c of CASES) {
      const want = await run(c, reference);
      assert.ok(countSubnormals(want) > 0, `${c.name}: the case must produce subnormals in IEEE`);
      const got = await run(c, be);
      assert.equal(countSubnormals(got), 0, `${c.name}: subnormal results`);
      let peak = 0;
      for (let i = 0; i < want.length; i++) peak = Math.max(peak, Math.abs(want[i]));
      const tol = 4 * FLOAT32_MIN_NORMAL + 1e-5 * peak;
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(got[i] - want[i]) <= tol,
          `${c.name}: index ${i}: ${got[i]} vs ${want[i]}`,
        );
      }
    }
  });

  Deno.test(`flush[${be.name}]: optimizer steps flush the gradient, both moments and the weights`, async () => {
    const n = 37;
    const st = (v: number[]) => be.upload(Float32Array.from(v));
    const read = async (s: Storage) => await be.read(s);
    // Weights near the smallest normal shrink past it; g² of tiny gradients and a decaying
    // first moment fall below it.
    const w = st(values(n, 1, 1e-39, 1.3e-38)), g = st(values(n, 2, 1e-20));
    const m = st(values(n, 3, 1e-39, 1.2e-38)), v = st(values(n, 4, 0).map(() => 0));
    const p: AdamWParams = {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.5,
      step: 3,
    };
    be.adamw(w, g, m, v, p);
    for (const [name, s] of [["w", w], ["m", m], ["v", v]] as const) {
      assert.equal(countSubnormals(await read(s)), 0, `adamw ${name}`);
    }
    assert.ok((await read(v)).some((x) => x === 0), "v = (1 − β₂)g² underflows to zero");
    const w2 = st(values(n, 5, 1e-39, 1.3e-38)),
      g2 = st(values(n, 6, 1e-39)),
      vel = st(
        values(n, 7, 1e-39, 1.2e-38),
      );
    be.sgd(w2, g2, vel, { lr: 1e-3, momentum: 0.5, weightDecay: 0, nesterov: false });
    assert.equal(countSubnormals(await read(w2)), 0, "sgd w");
    assert.equal(countSubnormals(await read(vel)), 0, "sgd velocity");
  });
}

/**
 * Wraps every kernel of `be` so that each storage argument, input or output, is checked
 * after the call (before it, outputs hold whatever the arena held); returns the count of
 * subnormals seen and the calls checked.
 */
function watchKernels(be: Backend): { seen: () => number; calls: () => number } {
  let seen = 0, calls = 0;
  const skip = new Set(["alloc", "allocUninitialized", "upload", "read", "readSync", "free"]);
  const isStorage = (a: unknown): a is Storage =>
    typeof a === "object" && a !== null && "size" in a && "dtype" in a && !ArrayBuffer.isView(a);
  const target = be as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(target)) {
    if (typeof fn !== "function" || skip.has(name)) continue;
    target[name] = (...args: unknown[]) => {
      const r = (fn as (...a: unknown[]) => unknown)(...args);
      for (const a of args) if (isStorage(a)) seen += countSubnormals(be.readSync(a));
      calls++;
      return r;
    };
  }
  return { seen: () => seen, calls: () => calls };
}

/** AdamW that exposes its moment buffers. */
class InspectedAdamW extends AdamW {
  /** Every moment buffer. */
  moments(): Storage[] {
    return [...this.stateBuffers()].flatMap(([, s]) => s);
  }
}

/**
 * A regularized run whose weights sink toward zero: one hidden unit is dead (its ReLU is
 * never active, so its row and column get no gradient) and AdamW's strong decoupled weight
 * decay halves them each step. In exact IEEE arithmetic they become subnormal after about
 * 130 steps (as the weights and moments of units that group lasso kills do over a long
 * run). Returns the subnormals in the parameters and optimizer state after each step.
 */
function regularizedRun(be: Backend, steps: number, afterStep: () => void): number[] {
  const rng = new Rng(3);
  const x = tensor(values(32 * 12, 9), [32, 12], { backend: be });
  const y = Int32Array.from({ length: 32 }, () => rng.int(3));
  const { graph, params } = toGraph(mlp([12, 8, 3], { seed: 1, backend: be }), [12]);
  const model = fromGraph(graph, params);
  const bias = params.get("fc1.bias")! as Parameter;
  bias.assign(bias.toArray().map((b, i) => (i === 0 ? -50 : b)));
  const opt = new InspectedAdamW(model.parameters(), { lr: 0.1, weightDecay: 5 });
  const found: number[] = [];
  for (let s = 0; s < steps; s++) {
    tidy(() => trainStep(model, { x, y }, { optimizer: opt }));
    afterStep();
    let n = 0;
    for (const p of model.parameters()) n += countSubnormals(p.toArray());
    for (const m of opt.moments()) n += countSubnormals(be.readSync(m));
    found.push(n);
  }
  return found;
}

Deno.test("flush: a regularized training run on wasm never feeds or returns a subnormal, where exact IEEE arithmetic makes them", () => {
  const ieee = regularizedRun(reference, 160, () => {});
  assert.ok(ieee.some((n) => n > 0), "the reference run must reach subnormal weights");
  const wasm = createWasmBackend();
  const watch = watchKernels(wasm);
  const flushed = regularizedRun(wasm, 160, () => {
    assert.equal(watch.seen(), 0, "a kernel read or wrote a subnormal");
  });
  assert.deepEqual(flushed, new Array(160).fill(0));
  assert.ok(watch.calls() > 160 * 20, `kernels watched: ${watch.calls()}`);
});
