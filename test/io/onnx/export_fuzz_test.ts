// Every layer op exports to ONNX that onnxruntime runs to squeeze's outputs: the masked
// and the minimized models of the minimization fuzz's families (MLPs, CNNs, ConvNeXt with
// CompensatedLayerNorm, tied parameters, ViT with class token or mean pooling, text
// encoders with embeddings and RMSNorm, unequal heads), judged by onnxruntime-web.
import assert from "node:assert/strict";
import { exportOnnx } from "../../../src/io/onnx/export.ts";
import { minimize } from "../../../src/minimize/rewrite.ts";
import { contractOf } from "../../../src/minimize/verify.ts";
import { createWasmBackend } from "../../../src/backends/wasm/wasm_backend.ts";
import { noGrad } from "../../../src/tensor/grad_mode.ts";
import type { GraphModule } from "../../../src/graph/graph_module.ts";
import { FAMILIES, fuzzCase, type Place } from "../../minimize/fuzz_graphs.ts";
import { TRANSFORMER_FAMILIES, transformerCase } from "../../minimize/transformer_fuzz_graphs.ts";
import { type OrtJob, runOrtBatch } from "./ort_judge.ts";

const SEEDS = 10;
const place: Place = { backend: createWasmBackend({ threads: 1 }), dtype: "float32" };

Deno.test("exportOnnx: masked and minimized fuzz graphs run in onnxruntime to squeeze's outputs", async () => {
  const cases: { label: string; want: Float32Array; job: OrtJob }[] = [];
  const ops = new Set<string>();
  let multiInput = 0;
  const add = (
    label: string,
    m: GraphModule,
    probes: { shape: readonly number[]; toArray(): ArrayLike<number> },
  ) => {
    for (const n of m.graph.nodes) ops.add(n.op);
    m.eval(); // ONNX files compute inference mode (BatchNorm running statistics, no dropout)
    const y = noGrad(() => m.forward(probes as never)).toArray();
    cases.push({
      label,
      want: Float32Array.from(y),
      job: {
        model: exportOnnx(m).model,
        feeds: {
          [m.graph.inputs[0].name]: {
            data: Float32Array.from(probes.toArray()),
            dims: [...probes.shape],
          },
        },
      },
    });
  };
  const families = [
    ...FAMILIES.map(([name, make]) => [name, (s: number) => fuzzCase(make, s, place)] as const),
    ...TRANSFORMER_FAMILIES.map(([name, make]) =>
      [name, (s: number) => transformerCase(make, s, place)] as const
    ),
  ];
  for (const [name, make] of families) {
    for (let seed = 0; seed < SEEDS; seed++) {
      const c = make(seed);
      if (c.model.graph.inputs.length > 1) {
        multiInput++;
        continue;
      }
      add(`${name} #${seed} masked`, c.model, c.probes);
      add(`${name} #${seed} minimized`, minimize(c.model).model, c.probes);
    }
  }
  const results = await runOrtBatch(cases.map((c) => c.job));
  const bad: string[] = [];
  let worst = 0;
  cases.forEach((c, i) => {
    const r = results[i];
    if (r instanceof Error) return bad.push(`${c.label}: ${r.message.slice(0, 200)}`);
    const got = Object.values(r)[0].data;
    if (got.length !== c.want.length) {
      return bad.push(`${c.label}: ${got.length} outputs, want ${c.want.length}`);
    }
    const rel = contractOf(c.want, got).maxRel;
    worst = Math.max(worst, rel);
    if (!(rel <= 1e-5)) bad.push(`${c.label}: ORT differs by ${rel}`);
  });
  console.log(
    `${cases.length} exports (${SEEDS} seeds × ${families.length} families, masked and minimized; ${multiInput} multi-input skipped), ops ${
      [...ops].sort().join(" ")
    }; worst ORT vs squeeze ${worst.toExponential(2)}`,
  );
  assert.deepEqual(bad, []);
  for (
    const op of [
      "layer_norm",
      "attention",
      "embedding",
      "patch_embed",
      "conv2d",
      "dwconv2d",
      "linear",
    ]
  ) {
    assert.ok(ops.has(op), `the fuzz exports ${op}`);
  }
});
