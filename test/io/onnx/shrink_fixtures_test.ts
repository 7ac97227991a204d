// PyTorch exports with zeros placed as a pruner would (test/fixtures/onnx/) import,
// reproduce PyTorch's outputs, minimize, and export; onnxruntime-web, the independent
// judge, runs the exported file and matches the original file within METHOD.md's contract.
import assert from "node:assert/strict";
import { importOnnx } from "../../../src/io/onnx/import.ts";
import { exportOnnx } from "../../../src/io/onnx/export.ts";
import { minimize } from "../../../src/minimize/rewrite.ts";
import { tensor } from "../../../src/tensor/create.ts";
import { noGrad } from "../../../src/tensor/grad_mode.ts";
import { type OrtJob, runOrtBatch } from "./ort_judge.ts";

const DIR = new URL("../../fixtures/onnx/", import.meta.url);

/**
 * Fixture → the parameters its pruned structure makes removable (see make_fixtures.py):
 * - mlp 20-32-16-5, 10 and 5 neurons zeroed: 10·(20+1+16) + 5·(22+1+5) = 510;
 * - transformer: 12 MLP neurons per block · (16+1+16) · 2 blocks + block 0's zero head,
 *   its query and key rows and biases 2·(8·16+8): 792 + 272 = 1064;
 * - ln_decomposed: 5 of 16 neurons across the LayerNorm: 5·(10+1) + 5·2 + 5·4 = 85.
 * - mobilenet_nhwc (NHWC input, BN folded, HardSwish, ReLU6, squeeze-excitation): 4 of 12
 *   projected channels 4·(16+1) + their head columns 4·4, and 2 of 8 excitation units
 *   2·(16+1) + their columns 2·16: 84 + 66 = 150.
 * - the CNNs, at least the two channels of BN γ = 0 (constants through the pool into the
 *   head): 2·(8·9+1) + 2·4 = 154 (folded BN), + their 2·4 BN entries = 162 (unfused). The
 *   first conv's zeroed filters become BN constants ReLU(β − μγ/σ) feeding a zero-padded
 *   conv: removable only where that constant is 0, so more may go.
 */
const FIXTURES: Record<string, { exact?: number; atLeast?: number }> = {
  mlp: { exact: 510 },
  cnn_bn: { atLeast: 154 },
  cnn_bn_unfused: { atLeast: 162 },
  transformer: { exact: 1064 },
  ln_decomposed: { exact: 85 },
  mobilenet_nhwc: { exact: 150 },
};

function measure(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let d = 0, y = 0;
  for (let i = 0; i < got.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    y = Math.max(y, Math.abs(want[i]));
  }
  return d / (1 + y);
}

Deno.test("ONNX fixtures: import, minimize, export, judged by onnxruntime", async (t) => {
  const judged: { name: string; jobs: OrtJob[] }[] = [];
  for (const [name, least] of Object.entries(FIXTURES)) {
    await t.step(name, async () => {
      const bytes = await Deno.readFile(new URL(`${name}.onnx`, DIR));
      const ref = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, DIR)));
      const imp = importOnnx(bytes, { where: `${name}.onnx` });
      const backend = imp.model.backend;
      const x = tensor(Float32Array.from(ref.input), ref.inputShape, { backend });
      const y = noGrad(() => imp.model.forward(x));
      assert.deepEqual(y.shape, ref.outputShape);
      assert.ok(measure(y.toArray(), ref.output) <= 1e-5, "import reproduces PyTorch");
      const { model: min, stats } = minimize(imp.model);
      const removed = stats.paramsBefore - stats.paramsAfter;
      if (least.exact !== undefined) assert.equal(removed, least.exact, "parameters removed");
      else assert.ok(removed >= least.atLeast!, `removed ${removed} ≥ ${least.atLeast}`);
      console.log(
        `${name}: ${stats.paramsBefore} → ${stats.paramsAfter} parameters; generic ${
          JSON.stringify(imp.generic)
        }`,
      );
      const exported = exportOnnx(min).model;
      // The exported file imports again and computes the same function.
      const again = importOnnx(exported, { where: `${name} (exported)`, backend });
      const y2 = noGrad(() => again.model.forward(x)).toArray();
      assert.ok(measure(y2, y.toArray()) <= 1e-5, "re-import");
      const input = imp.inputs[0].name;
      const feeds = { [input]: { data: Float32Array.from(ref.input), dims: ref.inputShape } };
      const row = ref.input.length / ref.inputShape[0];
      const first = {
        [input]: {
          data: Float32Array.from(ref.input.slice(0, row)),
          dims: [1, ...ref.inputShape.slice(1)],
        },
      };
      judged.push({
        name,
        jobs: [{ model: bytes, feeds }, { model: exported, feeds }, {
          model: exported,
          feeds: first,
        }],
      });
    });
  }
  // One onnxruntime process: the original file, the exported one, and the exported one at
  // batch 1 (the batch axis stays dynamic).
  const results = await runOrtBatch(judged.flatMap((j) => j.jobs));
  for (const [i, { name }] of judged.entries()) {
    await t.step(`${name}: onnxruntime, exported minimized vs original`, () => {
      const [orig, small, one] = results.slice(3 * i, 3 * i + 3).map((r) => {
        if (r instanceof Error) throw r;
        return Object.values(r)[0];
      });
      assert.deepEqual(small.dims, orig.dims);
      const rel = measure(small.data, orig.data);
      assert.ok(rel <= 1e-5, `exported minimized vs original ${rel}`);
      assert.ok(measure(one.data, orig.data.slice(0, one.data.length)) <= 1e-5, "batch 1");
    });
  }
});
