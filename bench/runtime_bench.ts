/**
 * The inference runtime (`./runtime`, Wasm SIMD, one thread) against onnxruntime-web
 * (Wasm, one thread) on the same squeezed model, in one run: latency per forward at batch
 * 1 and 64, and the runtime entry's import size (files and bytes of its module graph).
 * The model is a squeeze file (exported to ONNX for ORT) or an ONNX file (loaded by the
 * runtime's own reader).
 *
 *   deno task bench:runtime [--model runs/x/minimized.safetensors | --onnx m.onnx] [--batches 1,64]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  createWasmBackend,
  decodeModel,
  decodeOnnx,
  noGrad,
  tensor,
  tidy,
} from "../src/runtime/mod.ts";
import { exportOnnx } from "../src/io/onnx/export.ts";
import type { GraphModule } from "../src/graph/graph_module.ts";
import { moduleGraph } from "../test/runtime/module_graph.ts";
import { timeAsync } from "./bench_cases.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    onnx: { type: "string" },
    batches: { type: "string", default: "1,64" },
  },
});
const backend = createWasmBackend({ threads: 1 });
let model: GraphModule, onnxBytes: Uint8Array, label: string;
if (values.onnx) {
  onnxBytes = await Deno.readFile(values.onnx);
  model = decodeOnnx(onnxBytes, values.onnx, backend);
  label = values.onnx;
} else {
  const path = values.model ?? "examples/mnist_classifier/model.safetensors";
  model = decodeModel(await Deno.readFile(path), path, backend);
  onnxBytes = exportOnnx(model).model;
  label = path;
}
const input = model.graph.inputs[0];
const sample = input.shape.slice(1);
const batches = values.batches!.split(",").map(Number);

const ours: number[] = [];
for (const b of batches) {
  const n = b * sample.reduce((p, q) => p * q, 1);
  const x = tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [b, ...sample], {
    backend,
  });
  ours.push(
    1000 * await timeAsync(() => tidy(() => void noGrad(() => model.forward(x).toArray()))),
  );
}
const tmp = await Deno.makeTempFile({ suffix: ".onnx" });
await Deno.writeFile(tmp, onnxBytes);
const r = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--quiet",
    `--lock=${fileURLToPath(new URL("./ort/deno.lock", import.meta.url))}`,
    "--allow-read",
    fileURLToPath(new URL("./ort/ort_latency.ts", import.meta.url)),
    tmp,
    input.name,
    sample.join("x"),
    batches.join(","),
  ],
  stdout: "piped",
  stderr: "inherit",
}).output();
await Deno.remove(tmp);
if (!r.success) throw new Error("onnxruntime-web run failed");
const theirs = JSON.parse(new TextDecoder().decode(r.stdout)).ms as number[];
const g = await moduleGraph("src/runtime/mod.ts");
const bytes = g.files.reduce((s, f) => s + f.bytes, 0);

console.log(
  `${label}: ${model.graph.name}, ${
    model.parameterCount().toLocaleString("en-US")
  } parameters, input [N,${sample}]`,
);
console.log(
  `runtime import: ${g.files.length} files, ${
    bytes.toLocaleString("en-US")
  } bytes, ${g.external.length} external specifiers\n`,
);
console.log("| batch | squeeze runtime (ms) | onnxruntime-web (ms) | ORT / squeeze |");
console.log("| ----: | -------------------: | -------------------: | ------------: |");
batches.forEach((b, i) =>
  console.log(
    `| ${b} | ${ours[i].toFixed(3)} | ${theirs[i].toFixed(3)} | ${
      (theirs[i] / ours[i]).toFixed(2)
    }× |`,
  )
);
backend.dispose();
