// The ONNX fixtures of test/fixtures/onnx/ (made by make_fixtures.py with PyTorch) run in
// onnxruntime-web and reproduce the PyTorch outputs stored beside them, at batch 3 and at
// batch 1 (the batch axis is dynamic).
import assert from "node:assert/strict";
import { runOrtBatch } from "./ort_judge.ts";

const DIR = new URL("../../fixtures/onnx/", import.meta.url);
const FIXTURES = [
  "mlp",
  "cnn_bn",
  "cnn_bn_unfused",
  "transformer",
  "ln_decomposed",
  "mobilenet_nhwc",
];

interface Expected {
  inputShape: number[];
  input: number[];
  output: number[];
  outputShape: number[];
}

function assertClose(actual: Float32Array, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let maxY = 0;
  let maxD = 0;
  for (let i = 0; i < actual.length; i++) {
    maxY = Math.max(maxY, Math.abs(expected[i]));
    maxD = Math.max(maxD, Math.abs(actual[i] - expected[i]));
  }
  const tol = 1e-5 * (1 + maxY);
  assert.ok(maxD <= tol, `${what}: max|Δ| ${maxD} > ${tol}`);
}

Deno.test("ONNX fixtures run in onnxruntime-web and match PyTorch", async (t) => {
  const cases = await Promise.all(FIXTURES.map(async (name) => ({
    name,
    model: await Deno.readFile(new URL(`${name}.onnx`, DIR)),
    want: JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, DIR))) as Expected,
  })));
  const row = (w: Expected) => w.input.length / w.inputShape[0];
  // One onnxruntime process: per fixture, the batch of 3 and its first row alone.
  const results = await runOrtBatch(cases.flatMap(({ model, want }) => [
    { model, feeds: { input: { data: Float32Array.from(want.input), dims: want.inputShape } } },
    {
      model,
      feeds: {
        input: {
          data: Float32Array.from(want.input.slice(0, row(want))),
          dims: [1, ...want.inputShape.slice(1)],
        },
      },
    },
  ]));
  for (const [i, { name, want }] of cases.entries()) {
    await t.step(name, () => {
      const batch = want.inputShape[0];
      assert.equal(batch, 3);
      assert.equal(want.outputShape[0], batch);
      const [full, one] = [results[2 * i], results[2 * i + 1]];
      if (full instanceof Error) throw full;
      if (one instanceof Error) throw one;
      assert.deepEqual(Object.keys(full), ["output"]);
      assert.deepEqual(full.output.dims, want.outputShape);
      assertClose(full.output.data, want.output, `${name} batch ${batch}`);
      const outRow = want.output.length / batch;
      assert.deepEqual(one.output.dims, [1, ...want.outputShape.slice(1)]);
      assertClose(one.output.data, want.output.slice(0, outRow), `${name} batch 1`);
    });
  }
});
