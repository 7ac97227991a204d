import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli as run } from "./run_cli.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { saveModel } from "../../src/io/model_file.ts";
import { readOnnx, writeOnnx } from "../../src/io/onnx/onnx_file.ts";
import { mlp } from "../../src/nn/models.ts";
import { tensor } from "../../src/tensor/create.ts";
import { noGrad } from "../../src/tensor/grad_mode.ts";
import { runOrt } from "../io/onnx/ort_judge.ts";

const FIX = new URL("../fixtures/onnx/", import.meta.url).pathname;

Deno.test("squeeze shrink: ONNX in, smaller ONNX out, checked on probes", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("shrinks a pruned MLP and onnxruntime runs the result", async () => {
      const out = join(dir, "mlp.small.onnx");
      const r = await run(["shrink", join(FIX, "mlp.onnx"), "--out", out]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /shrunk 1,285 → 775 parameters \(1\.66×\)/);
      assert.match(r.out, /contract measure .* on 64 random probes \(seed 0\)/);
      const ref = JSON.parse(await Deno.readTextFile(join(FIX, "mlp.json")));
      const y = await runOrt(await Deno.readFile(out), {
        input: { data: Float32Array.from(ref.input), dims: ref.inputShape },
      });
      const got = y.output.data;
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - ref.output[i]) < 1e-5);
      const again = await run(["shrink", join(FIX, "mlp.onnx"), "--out", out]);
      assert.equal(again.code, 2);
      assert.match(again.err, /exists; pass --force/);
    });
    await t.step("refuses to write a result its check does not pass", async () => {
      const probe = join(dir, "nan.json");
      const data = new Array(20).fill(NaN);
      await Deno.writeTextFile(
        probe,
        JSON.stringify({ input: { dims: [1, 20], data } }).replaceAll("null", "1e999"),
      );
      const out = join(dir, "never.onnx");
      const r = await run(["shrink", join(FIX, "mlp.onnx"), "--out", out, "--probe", probe]);
      assert.equal(r.code, 1);
      assert.match(r.err, /differs from .*mlp\.onnx by NaN.*nothing written/);
      await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
    });
    await t.step("keeps ops it does not understand and still shrinks around them", async () => {
      const out = join(dir, "t.onnx");
      const r = await run(["shrink", join(FIX, "transformer.onnx"), "--out", out, "--probes", "8"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /kept as they are \(host ops\): Gelu×2/);
      assert.match(r.out, /shrunk 4,531 → 3,467 parameters/);
    });
    await t.step("a bad file is a SyntaxError naming it; a missing one a usage error", async () => {
      const bad = join(dir, "bad.onnx");
      await Deno.writeFile(bad, new Uint8Array([8, 200, 1, 2]));
      const r = await run(["shrink", bad, "--out", join(dir, "x.onnx")]);
      assert.equal(r.code, 1);
      assert.match(r.err, /SyntaxError: .*bad\.onnx/);
      const m = await run(["shrink", join(dir, "none.onnx"), "--out", join(dir, "y.onnx")]);
      assert.equal(m.code, 2);
      assert.match(m.err, /no such file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("squeeze export writes a model onnxruntime runs to the same outputs", async () => {
  const { graph, params } = toGraph(mlp([784, 24, 10], { seed: 5 }), [1, 28, 28], "e");
  const model = fromGraph(graph, params);
  const dir = await Deno.makeTempDir();
  try {
    const m = join(dir, "m.safetensors"), o = join(dir, "m.onnx");
    await saveModel(m, model);
    const r = await run(["export", m, "--out", o]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /exported e \(19,090 parameters\)/);
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
    const want = noGrad(() => model.forward(tensor(x, [2, 1, 28, 28]))).toArray();
    const got = Object.values(
      await runOrt(await Deno.readFile(o), {
        [graph.inputs[0].name]: { data: x, dims: [2, 1, 28, 28] },
      }),
    )[0];
    assert.deepEqual(got.dims, [2, 10]);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got.data[i] - want[i]) < 1e-5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("squeeze cycle --onnx refuses a model with ops it cannot train", async () => {
  const r = await run(["cycle", "--onnx", join(FIX, "transformer.onnx"), "--dataset", "mnist"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot train \(Gelu\); shrink it/);
});

Deno.test("squeeze cycle --onnx runs Squeeze-Release on an imported model and writes ONNX", async () => {
  const { graph, params } = toGraph(mlp([784, 32, 10], { seed: 2 }), [1, 28, 28], "o");
  const dir = await Deno.makeTempDir();
  try {
    const src = join(dir, "m.onnx"), out = join(dir, "run");
    await writeOnnx(src, fromGraph(graph, params));
    const r = await run([
      "cycle",
      "--onnx",
      src,
      "--dense-epochs",
      "1",
      "--max-cycles",
      "1",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /final: [\d.]+× smaller \(25,450 → /);
    const small = await Deno.readFile(join(out, "minimized.onnx"));
    const x = Float32Array.from({ length: 784 }, (_, i) => (i % 7) / 7);
    const y = await runOrt(small, { [graph.inputs[0].name]: { data: x, dims: [1, 1, 28, 28] } });
    assert.deepEqual(Object.values(y)[0].dims, [1, 10]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export --external-data: weights in a side file, read back bounds-checked", async () => {
  const { graph, params } = toGraph(mlp([784, 40, 10], { seed: 4 }), [1, 28, 28], "x");
  const model = fromGraph(graph, params);
  const dir = await Deno.makeTempDir();
  try {
    const m = join(dir, "m.safetensors"), o = join(dir, "m.onnx");
    await saveModel(m, model);
    const r = await run(["export", m, "--out", o, "--external-data", "m.weights"]);
    assert.equal(r.code, 0, r.err);
    const data = await Deno.readFile(join(dir, "m.weights"));
    assert.ok(data.length >= 4 * 784 * 40, `data file holds the weights (${data.length} bytes)`);
    assert.ok((await Deno.stat(o)).size < 4096, "the model file holds no large tensor");
    const back = (await readOnnx(o, { backend: model.backend })).model;
    const x = tensor(Float32Array.from({ length: 784 }, (_, i) => Math.cos(i)), [1, 1, 28, 28]);
    const [a, b] = noGrad(() => [model.forward(x).toArray(), back.forward(x).toArray()]);
    assert.deepEqual([...b], [...a]);
    // A data file shorter than the tensors it should hold is a SyntaxError, not a crash.
    await Deno.writeFile(join(dir, "m.weights"), data.slice(0, 1000));
    await assert.rejects(readOnnx(o), (e) => {
      assert.ok(e instanceof SyntaxError);
      assert.match(e.message, /m\.weights" has 1000 bytes/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
