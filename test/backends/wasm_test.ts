import { Arena } from "../../src/backends/wasm/arena.ts";
import assert from "node:assert/strict";
import { buildKernels, compile } from "../../kernels/build.ts";
import { RELAXED_SIMD_WASM, SIMD_WASM, SOURCE_HASH } from "../../src/backends/wasm/_gen/kernels.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { relaxedSimdSupported, unshareMemoryImport } from "../../src/backends/wasm/loader.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { backward } from "../../src/autograd/backward.ts";
import { tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { add, gelu, mul, sigmoid, tanh } from "../../src/ops/elementwise.ts";
import { matmul } from "../../src/ops/matmul.ts";
import { max, mean, sum } from "../../src/ops/reduce.ts";
import { logSoftmax } from "../../src/ops/softmax.ts";
import { indexSelect, transpose } from "../../src/ops/shape_ops.ts";
import { mlp } from "../../src/nn/models.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { fit } from "../../src/nn/train.ts";
import type { Dataset } from "../../src/data/dataset.ts";

Deno.test("the committed Wasm kernels are the build of the committed sources", async () => {
  const b = await buildKernels();
  assert.equal(b.hash, SOURCE_HASH, "kernels/wasm changed: run `deno task build:kernels`");
  assert.equal(b.relaxed.toBase64(), RELAXED_SIMD_WASM);
  assert.equal(b.simd.toBase64(), SIMD_WASM);
});

Deno.test("the one-thread module (shared bit of the memory import cleared) is the build without --sharedMemory", async () => {
  for (const [relaxed, b64] of [[true, RELAXED_SIMD_WASM], [false, SIMD_WASM]] as const) {
    const committed = Uint8Array.fromBase64(b64);
    const unshared = unshareMemoryImport(committed);
    assert.notDeepEqual(unshared, committed);
    assert.deepEqual(unshared, await compile(relaxed, false));
    assert.equal(unshareMemoryImport(unshared), unshared, "nothing left to unshare");
  }
});

Deno.test("createWasmBackend(): relaxed SIMD by feature detection, plain SIMD in exactness mode", () => {
  assert.equal(relaxedSimdSupported(), true, "Deno 2.9 supports relaxed SIMD");
  assert.equal(createWasmBackend().variant, "relaxed-simd");
  const exact = createWasmBackend({ exact: true });
  assert.equal(exact.variant, "simd");
  assert.equal(exact.capabilities.exact, true);
  assert.throws(
    () => tensor([1], [1], { backend: exact, dtype: "float64" }),
    /does not support dtype float64/,
  );
});

function grads(backend: Backend, f: (xs: Tensor[]) => Tensor, shapes: number[][]): Float32Array[] {
  const rng = new Rng(11);
  const xs = shapes.map((s) =>
    tensor(Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()), s, {
      backend,
      requiresGrad: true,
    })
  );
  backward(f(xs));
  return xs.map((x) => x.grad!.toArray() as Float32Array);
}

Deno.test("autograd on wasm: gradients equal the reference backend's", () => {
  const labels = Int32Array.of(1, 0, 4, 2, 3, 3);
  const cases: [string, (xs: Tensor[]) => Tensor, number[][]][] = [
    [
      "mlp",
      ([x, w1, b1, w2]) =>
        crossEntropy(
          matmul(gelu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true }),
          labels,
        ),
      [[6, 9], [7, 9], [7], [5, 7]],
    ],
    ["tanh/sigmoid/mean", ([a, b]) => mean(mul(tanh(a), sigmoid(b))), [[4, 5], [5]]],
    ["log_softmax/transpose", ([a]) => sum(mul(logSoftmax(transpose(a)), transpose(a))), [[3, 6]]],
    [
      "index_select/Aᵀ·B",
      ([a, b]) => sum(indexSelect(matmul(a, b, { transA: true }), 1, [2, 0, 2])),
      [[5, 4], [5, 3]],
    ],
  ];
  const wasm = createWasmBackend(), js = createReferenceBackend();
  for (const [name, f, shapes] of cases) {
    const gw = grads(wasm, f, shapes), gj = grads(js, f, shapes);
    gw.forEach((g, i) =>
      g.forEach((v, k) =>
        assert.ok(
          Math.abs(v - gj[i][k]) < 1e-4 * (1 + Math.abs(gj[i][k])),
          `${name} input ${i}[${k}]: ${v} vs ${gj[i][k]}`,
        )
      )
    );
  }
});

Deno.test("wasm arena: a long training run reuses memory (no growth after warm-up)", async () => {
  const wasm = createWasmBackend();
  const rng = new Rng(1);
  const n = 512;
  const ds: Dataset = {
    name: "t",
    sampleShape: [20],
    inputs: Float32Array.from({ length: n * 20 }, () => rng.normal()),
    labels: Int32Array.from({ length: n }, () => rng.int(4)),
    classes: 4,
  };
  const net = mlp([20, 32, 4], { seed: 1, backend: wasm });
  const opt = new AdamW(net.parameters(), { lr: 1e-3 });
  await fit(net, ds, { optimizer: opt, epochs: 2, batchSize: 30, progress: false });
  const warm = wasm.memoryStats();
  await fit(net, ds, { optimizer: opt, epochs: 20, batchSize: 30, progress: false });
  const after = wasm.memoryStats();
  assert.equal(after.inUse, warm.inUse, "bytes in use return to the same level");
  assert.equal(after.liveBlocks, warm.liveBlocks);
  assert.equal(after.reserved, warm.reserved, "no new memory reserved over 340 more steps");
  assert.equal(after.memoryBytes, warm.memoryBytes);
});

Deno.test("wasm exactness mode: bit-identical results run to run", () => {
  const run = () => {
    const be = createWasmBackend({ exact: true });
    const rng = new Rng(3);
    const a = tensor(Array.from({ length: 64 * 300 }, () => rng.normal()), [64, 300], {
      backend: be,
    });
    const b = tensor(Array.from({ length: 300 * 50 }, () => rng.normal()), [300, 50], {
      backend: be,
    });
    return matmul(a, b).toArray();
  };
  assert.deepEqual(run(), run());
});

Deno.test("wasm threads: large GEMMs split across workers give bit-identical results; small ones stay local", async () => {
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    const run = (be: Backend, m: number, k: number, n: number, tA: boolean, tB: boolean) => {
      const rng = new Rng(5);
      const a = tensor(Array.from({ length: m * k }, () => rng.normal()), tA ? [k, m] : [m, k], {
        backend: be,
      });
      const b = tensor(Array.from({ length: k * n }, () => rng.normal()), tB ? [n, k] : [k, n], {
        backend: be,
      });
      return matmul(a, b, { transA: tA, transB: tB }).toArray();
    };
    run(two, 64, 300, 128, false, false); // starts the workers
    const t0 = Date.now();
    while (two.parallelCalls() === 0 && Date.now() - t0 < 10000) {
      await new Promise((r) => setTimeout(r, 20));
      run(two, 64, 300, 128, false, false);
    }
    assert.ok(two.parallelCalls() > 0, "workers started and took work");
    for (const [m, k, n] of [[130, 600, 67], [97, 301, 255], [257, 513, 31]]) {
      for (const [tA, tB] of [[false, false], [false, true], [true, false]]) {
        assert.deepEqual(
          run(two, m, k, n, tA, tB),
          run(one, m, k, n, tA, tB),
          `${m}x${k}x${n} ${tA}${tB}`,
        );
      }
    }
    const before = two.parallelCalls();
    run(two, 8, 8, 8, false, false);
    assert.equal(two.parallelCalls(), before, "tiny GEMM not split");
  } finally {
    two.dispose();
  }
});

Deno.test("wasm arena: before growing the memory, freed blocks of other sizes are split and reused", () => {
  const be = createWasmBackend({ threads: 1 });
  const s0 = be.memoryStats();
  const floats = Math.floor((s0.memoryBytes - s0.reserved) / 4) - 64;
  const big = tensor(new Float32Array(floats), [floats], { backend: be });
  const full = be.memoryStats();
  big.dispose();
  const quarter = Math.floor(floats / 4) - 64;
  const parts = Array.from(
    { length: 4 },
    () => tensor(new Float32Array(quarter), [quarter], { backend: be }),
  );
  const after = be.memoryStats();
  assert.equal(after.memoryBytes, full.memoryBytes, "no growth: the freed block was split");
  assert.equal(after.reserved, full.reserved);
  for (const p of parts) p.dispose();
});

Deno.test("squeeze-release on wasm frees every tensor it creates (only the returned model stays)", async () => {
  const { squeezeRelease } = await import("../../src/cycle/cycle.ts");
  const { fromGraph, toGraph } = await import("../../src/graph/convert.ts");
  const be = createWasmBackend({ threads: 1 });
  const rng = new Rng(2);
  const ds = (n: number): Dataset => ({
    name: "t",
    sampleShape: [12],
    inputs: Float32Array.from({ length: n * 12 }, () => rng.normal()),
    labels: Int32Array.from({ length: n }, () => rng.int(3)),
    classes: 3,
  });
  const data = { train: ds(300), validation: ds(100), test: ds(100) };
  const start = be.memoryStats();
  const { graph, params } = toGraph(mlp([12, 16, 3], { seed: 1, backend: be }), [12], "m");
  const model = fromGraph(graph, params);
  const r = await squeezeRelease(model, data, {
    denseEpochs: 1,
    fineTuneEpochs: 1,
    trainEpochs: 1,
    maxCycles: 3,
    accuracyBudget: 100,
    batchSize: 50,
  });
  assert.ok(r.rows.length > 1);
  r.best.dispose();
  model.dispose();
  const end = be.memoryStats();
  assert.equal(end.liveBlocks, start.liveBlocks, "live blocks back to the start");
  assert.equal(end.inUse, start.inUse);
});

Deno.test("wasm threads: convolutions split by images give bit-identical results", async () => {
  const { conv2d } = await import("../../src/ops/conv.ts");
  const one = createWasmBackend({ threads: 1 }), two = createWasmBackend({ threads: 2 });
  try {
    const run = (
      be: Backend,
      shape: number[],
      wshape: number[],
      attrs: { padding: number; groups: number },
    ) => {
      const rng = new Rng(8);
      const x = tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
        shape,
        { backend: be },
      );
      const w = tensor(
        Array.from({ length: wshape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
        wshape,
        { backend: be },
      );
      return conv2d(x, w, attrs).toArray();
    };
    const t0 = Date.now();
    const before = two.parallelCalls();
    while (Date.now() - t0 < 10000) {
      run(two, [8, 64, 16, 16], [64, 64, 3, 3], { padding: 1, groups: 1 }); // starts the workers
      if (two.parallelCalls() > before) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cases: [number[], number[], { padding: number; groups: number }][] = [
      [[5, 16, 12, 11], [24, 16, 3, 3], { padding: 1, groups: 1 }],
      [[4, 24, 16, 16], [24, 8, 3, 3], { padding: 0, groups: 3 }],
      [[4, 32, 19, 19], [32, 1, 7, 7], { padding: 3, groups: 32 }],
    ];
    assert.ok(two.parallelCalls() > before, "workers took convolution work");
    for (const [xs, wsh, a] of cases) {
      const calls = two.parallelCalls();
      assert.deepEqual(run(two, xs, wsh, a), run(one, xs, wsh, a), JSON.stringify([xs, wsh, a]));
      assert.ok(two.parallelCalls() > calls, `split across threads: ${JSON.stringify(xs)}`);
    }
  } finally {
    two.dispose();
  }
});

Deno.test("wasm arena: when the memory cannot grow, adjacent free blocks merge into a larger one", () => {
  const KB = 1024;
  const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
  const small = Array.from({ length: 8 }, () => arena.alloc(16 * KB));
  assert.equal(arena.stats().memoryBytes, 128 * KB);
  // A live block between free ones keeps them apart: 112 KB does not fit anywhere.
  for (const p of small.slice(0, 7)) arena.free(p, 16 * KB);
  assert.throws(() => arena.alloc(120 * KB), RangeError);
  // Once it is free too, the eight 16 KB blocks become one and the top drops back to 0.
  arena.free(small[7], 16 * KB);
  assert.equal(arena.alloc(120 * KB), 0);
  assert.equal(arena.stats().memoryBytes, 128 * KB, "served without growing");
  // A middle run merges while a live block stays above it.
  const a = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 1 }), 0);
  const ps = Array.from({ length: 4 }, () => a.alloc(16 * KB));
  a.free(ps[1], 16 * KB);
  a.free(ps[2], 16 * KB);
  assert.equal(a.alloc(32 * KB), ps[1]);
});

Deno.test("wasm reductions: row and strided sums and maxima equal the reference bit for bit, NaN included", () => {
  const wasm = createWasmBackend({ threads: 1 }), ref = createReferenceBackend();
  const rng = new Rng(11);
  for (const shape of [[3, 1], [4, 7], [2, 5, 3], [3, 2, 9], [2, 4, 1, 5]]) {
    const n = shape.reduce((p, q) => p * q, 1);
    const data = Array.from({ length: n }, () => rng.normal() * 100);
    data[n >> 1] = NaN; // max propagates it; sum too
    for (const axis of shape.map((_, i) => i)) {
      for (const f of [sum, max]) {
        const [a, b] = [wasm, ref].map((be) =>
          f(tensor(data, shape, { backend: be }), { axes: [axis] }).toArray()
        );
        assert.deepEqual([...a], [...b], `${f.name} over axis ${axis} of [${shape}]`);
      }
    }
  }
  wasm.dispose();
});

Deno.test("wasm batched matmul: each product equals the same 2-D product bit for bit", () => {
  const be = createWasmBackend({ threads: 1 });
  const rng = new Rng(12);
  const [bt, m, k, n] = [6, 16, 24, 16];
  const av = Array.from({ length: bt * m * k }, () => rng.normal());
  const bv = Array.from({ length: bt * k * n }, () => rng.normal());
  for (const transB of [false, true]) {
    const a = tensor(av, [bt, m, k], { backend: be });
    const b = tensor(bv, transB ? [bt, n, k] : [bt, k, n], { backend: be });
    const all = matmul(a, b, { transB }).toArray();
    for (let t = 0; t < bt; t++) {
      const at = tensor(av.slice(t * m * k, (t + 1) * m * k), [m, k], { backend: be });
      const btt = tensor(bv.slice(t * k * n, (t + 1) * k * n), transB ? [n, k] : [k, n], {
        backend: be,
      });
      const one = matmul(at, btt, { transB }).toArray();
      assert.deepEqual([...all.slice(t * m * n, (t + 1) * m * n)], [...one], `item ${t}`);
    }
  }
  be.dispose();
});
