import assert from "node:assert/strict";
import { tryWebGpu } from "./webgpu_helpers.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { createReferenceBackend } from "../../src/backends/js/reference_backend.ts";
import { createWasmBackend } from "../../src/backends/wasm/wasm_backend.ts";
import { requestBackend } from "../../src/backends/select.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { moveModel } from "../../src/graph/move.ts";
import { mlp } from "../../src/nn/models.ts";
import { convnext } from "../../src/nn/image_models.ts";
import { AdamW } from "../../src/nn/optim/adamw.ts";
import { evaluate, fit, stepTensors } from "../../src/nn/train.ts";
import { crossEntropy } from "../../src/ops/loss.ts";
import { backward } from "../../src/autograd/backward.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import { tidy } from "../../src/tensor/scope.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { squeezeRelease } from "../../src/cycle/cycle.ts";

const gpu = await tryWebGpu();
const ignore = gpu === null;

/** Three noisy Gaussian blobs in 16 dimensions. */
function blobs(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * 16), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let f = 0; f < 16; f++) inputs[i * 16 + f] = rng.normal() + (f % 3 === c ? 1.5 : 0);
  }
  return { name: "blobs", sampleShape: [16], inputs, labels, classes: 3 };
}

Deno.test({
  name: "webgpu: gradients of an MLP and a small ConvNeXt match the reference backend",
  ignore,
  fn: async () => {
    const ref = createReferenceBackend();
    for (
      const make of [() => mlp([16, 12, 3], { seed: 2 }), () =>
        convnext({
          depths: [1],
          dims: [4],
          kernel: 3,
          stemPatch: 2,
          layerScaleInit: 0.5,
          classes: 3,
          seed: 3,
        })]
    ) {
      const net = make();
      const shape = net.namedParameters().has("fc1.weight") ? [16] : [1, 8, 8];
      const { graph, params } = toGraph(net, shape);
      const cpu = fromGraph(graph, params);
      const onGpu = await moveModel(cpu, gpu!);
      const x = randn([5, ...shape], new Rng(4));
      const y = Int32Array.of(0, 1, 2, 1, 0);
      backward(crossEntropy(cpu.forward(x), y));
      backward(crossEntropy(onGpu.forward(tensor(x.toArray(), x.shape, { backend: gpu! })), y));
      const g = onGpu.namedParameters();
      for (const [name, p] of cpu.namedParameters()) {
        const want = p.grad!.toArray(), got = await g.get(name)!.grad!.data();
        let scale = 1e-3;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        want.forEach((v, i) =>
          assert.ok(Math.abs(got[i] - v) <= 1e-4 * scale, `${name}[${i}]: ${got[i]} vs ${v}`)
        );
      }
      assert.equal(ref.name, "js");
    }
  },
});

Deno.test({
  name: "webgpu: training reaches the Wasm backend's accuracy with the same seed",
  ignore,
  fn: async () => {
    const train = blobs(600, 1), test = blobs(300, 2);
    const run = async (backend: Backend) => {
      const net = mlp([16, 32, 3], { seed: 5, backend });
      await fit(net, train, {
        optimizer: new AdamW(net.parameters(), { lr: 3e-3 }),
        epochs: 3,
        batchSize: 32,
        seed: 6,
        progress: false,
      });
      return (await evaluate(net, test)).accuracy;
    };
    const a = await run(gpu!), b = await run(createWasmBackend());
    assert.ok(a > 0.8, `webgpu accuracy ${a}`);
    assert.ok(Math.abs(a - b) <= 0.003 + 1e-9, `webgpu ${a} vs wasm ${b}`);
  },
});

/** One AdamW training step of a small MLP on the GPU, as a function to call repeatedly. */
function tinyTraining(): () => void {
  const net = mlp([16, 8, 3], { seed: 1, backend: gpu! });
  const opt = new AdamW(net.parameters(), { lr: 1e-3 });
  const x = randn([8, 16], new Rng(2), { backend: gpu! });
  const b = { x, y: Int32Array.of(0, 1, 2, 0, 1, 2, 0, 1) };
  return () => tidy(() => stepTensors(net, b, { optimizer: opt })).forEach((t) => t.dispose());
}

Deno.test({
  name: "webgpu: no buffer leaks over 1000 training steps (pooled buffers reused)",
  ignore,
  fn: () => {
    const step = tinyTraining();
    for (let i = 0; i < 10; i++) step();
    const before = gpu!.stats();
    for (let i = 0; i < 1000; i++) step();
    const after = gpu!.stats();
    assert.equal(after.live, before.live, "live buffers");
    assert.equal(after.liveBytes, before.liveBytes, "live bytes");
    assert.equal(after.created, before.created, "no buffer created after warm-up");
  },
});

Deno.test({
  name: "webgpu: Squeeze-Release runs its train phases on the GPU and matches the CPU run",
  ignore,
  fn: async () => {
    const data = { train: blobs(300, 3), validation: blobs(90, 4), test: blobs(90, 5) };
    const opts = {
      denseEpochs: 2,
      fineTuneEpochs: 1,
      trainEpochs: 1,
      maxCycles: 2,
      batchSize: 30,
      lr: 3e-3,
      denseLr: 3e-3,
      accuracyBudget: 100,
      seed: 1,
    };
    const start = () => {
      const { graph, params } = toGraph(
        mlp([16, 24, 3], { seed: 2, backend: createWasmBackend() }),
        [16],
      );
      return fromGraph(graph, params);
    };
    const onGpu = await squeezeRelease(start(), data, opts, { trainBackend: gpu! });
    const onCpu = await squeezeRelease(start(), data, opts);
    assert.equal(onGpu.rows.length, onCpu.rows.length);
    assert.ok(onGpu.rows.at(-1)!.params < onGpu.rows[0].params, "the GPU run shrank the model");
    assert.ok(Math.abs(onGpu.rows.at(-1)!.testAccuracy - onCpu.rows.at(-1)!.testAccuracy) <= 0.03);
  },
});

Deno.test("requestBackend(): auto picks a CPU backend on a software adapter; webgpu errors name what to do", async () => {
  const be = await requestBackend("auto");
  if (gpu && !gpu.fallback) assert.equal(be.name, "webgpu");
  else assert.notEqual(be.name, "webgpu");
  if (!gpu) {
    await assert.rejects(() => requestBackend("webgpu"), /use --backend wasm|navigator\.gpu/);
  }
  if (gpu) {
    assert.throws(
      () => tensor([1], [1], { backend: gpu, dtype: "float64" }),
      /"webgpu" does not support dtype float64/,
    );
    assert.throws(() => tensor([1], [1], { backend: gpu }).toArray(), /use await tensor\.data\(\)/);
  }
});

Deno.test("webgpu shaders: the embedded module matches kernels/wgsl/*.wgsl", async () => {
  const { shadersModule, SHADERS_OUT } = await import("../../kernels/build_wgsl.ts");
  assert.equal(
    await Deno.readTextFile(SHADERS_OUT),
    await shadersModule(),
    "run deno task build:shaders",
  );
});

Deno.test({
  name: "webgpu: a lost device is reported with what to do",
  ignore,
  fn: async () => {
    const { createWebGpuBackend } = await import("../../src/backends/webgpu/webgpu_backend.ts");
    const be = await createWebGpuBackend();
    const x = tensor([1, 2], [2], { backend: be });
    be.dispose!();
    await be.device.lost;
    await assert.rejects(() => x.data(), /device was lost.*use --backend wasm/);
  },
});

Deno.test({
  name: "webgpu: a training step is one submit (commands collect in one encoder)",
  ignore,
  fn: () => {
    const step = tinyTraining();
    const queue = gpu!.device.queue, submit = queue.submit.bind(queue);
    let submits = 0;
    queue.submit = (buffers: GPUCommandBuffer[]) => (submits++, submit(buffers));
    try {
      step();
      assert.equal(submits, 1, "submits in one forward, backward and AdamW step");
    } finally {
      queue.submit = submit;
    }
  },
});
