/**
 * One onnxruntime-web (Wasm backend) measurement, run as a subprocess by ort_bench.ts
 * because ORT fixes its thread count once per process. Prints one JSON line:
 * `{ "gflops": [...] }` in the order of CASES.
 *
 *   deno run -A --lock=bench/ort/deno.lock bench/ort/ort_case.ts --threads 2
 */
import { parseArgs } from "node:util";
// Bench-only packages: named here with their own lock file (bench/ort/deno.lock), not in
// deno.json's import map or deno.lock, so that running the module never installs them
// (protobufjs, under onnx-proto, has build scripts Deno warns about).
import { configureOrt, ort } from "./ort_env.ts";
// deno-lint-ignore no-import-prefix -- kept out of deno.json on purpose (see above)
import onnxProto from "npm:onnx-proto@8.0.1";
import { BENCH_CASES, type BenchCase, timeAsync } from "../bench_cases.ts";

// deno-lint-ignore no-explicit-any
const onnx = (onnxProto as any).onnx ?? onnxProto;
const { values } = parseArgs({
  args: Deno.args,
  options: { threads: { type: "string", default: "1" } },
});
configureOrt(Number(values.threads));

const valueInfo = (name: string, shape: number[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});

function model(c: BenchCase): Uint8Array {
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  const node = c.kind === "gemm" ? { opType: "MatMul", input: ["A", "B"], output: ["Y"] } : {
    opType: "Conv",
    input: ["A", "B"],
    output: ["Y"],
    attribute: [
      ints("pads", [c.pad, c.pad, c.pad, c.pad]),
      ints("strides", [1, 1]),
      ints("kernel_shape", [c.b[2], c.b[3]]),
      { name: "group", type: 2, i: c.groups },
    ],
  };
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: onnx.GraphProto.create({
      name: c.name,
      node: [onnx.NodeProto.create(node)],
      input: [valueInfo("A", c.a), valueInfo("B", c.b)],
      output: [valueInfo("Y", c.y)],
    }),
  });
  return onnx.ModelProto.encode(m).finish();
}

const gflops: number[] = [];
for (const c of BENCH_CASES) {
  const session = await ort.InferenceSession.create(model(c), { executionProviders: ["wasm"] });
  const feeds = {
    A: new ort.Tensor(
      "float32",
      Float32Array.from({ length: c.a.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(i)),
      c.a,
    ),
    B: new ort.Tensor(
      "float32",
      Float32Array.from({ length: c.b.reduce((p, d) => p * d, 1) }, (_, i) => Math.cos(i)),
      c.b,
    ),
  };
  const s = await timeAsync(() => session.run(feeds));
  gflops.push(c.flops / s / 1e9);
  await session.release();
}
console.log(JSON.stringify({ gflops }));
Deno.exit(0);
