// Import and export cases a review found (each computed differently from the ONNX file,
// or gave a file onnxruntime refused); onnxruntime-web judges the originals and exports.
import assert from "node:assert/strict";
import { importOnnx } from "../../../src/io/onnx/import.ts";
import { exportOnnx } from "../../../src/io/onnx/export.ts";
import { decodeModelProto, tensorTypeOf } from "../../../src/io/onnx/proto.ts";
import { createBackend } from "../../../src/backends/select.ts";
import { tensor } from "../../../src/tensor/create.ts";
import { noGrad } from "../../../src/tensor/grad_mode.ts";
import { contractOf } from "../../../src/minimize/verify.ts";
import { type OrtJob, runOrtBatch } from "./ort_judge.ts";
import { f32, node, onnxModel, values } from "./onnx_build.ts";

const backend = createBackend("auto");
const eps = f32("eps", [], [1e-5]), two = f32("two", [], [2]);
const decomposedLn = (axes: number[]) => [
  node("ReduceMean", ["x"], ["m"], { axes }),
  node("Sub", ["x", "m"], ["d"]),
  node("Pow", ["d", "two"], ["sq"]),
  node("ReduceMean", ["sq"], ["v"], { axes }),
  node("Add", ["v", "eps"], ["ve"]),
  node("Sqrt", ["ve"], ["s"]),
  node("Div", ["d", "s"], ["y"]),
];

interface Case {
  name: string;
  model: Uint8Array;
  x: { data: Float32Array; dims: number[] };
  static?: boolean;
  /** Also export the import and judge the exported file. */
  roundTrip?: boolean;
  /** Checks of the imported model. */
  check?: (generic: Record<string, number>) => void;
}

const W = f32("W", [3, 4], values(12, 3)), b = f32("b", [4], [1, 2, 3, 4]);
const CASES: Case[] = [
  {
    name: "a bias Add on an Identity alias of a MatMul that another node reads",
    model: onnxModel(
      [
        node("MatMul", ["x", "W"], ["y"]),
        node("Identity", ["y"], ["z"]),
        node("Add", ["z", "b"], ["o1"]),
        node("Relu", ["z"], ["o2"]),
      ],
      [W, b],
      [["x", ["N", 3]]],
      ["o1", "o2"],
    ),
    x: { data: values(6), dims: [2, 3] },
    roundTrip: true,
  },
  {
    name: "a bias Add whose MatMul output is a graph output through an alias",
    model: onnxModel(
      [
        node("MatMul", ["x", "W"], ["y"]),
        node("Identity", ["y"], ["z"]),
        node("Add", ["z", "b"], ["o1"]),
      ],
      [W, b],
      [["x", ["N", 3]]],
      ["o1", "z"],
    ),
    x: { data: values(6), dims: [2, 3] },
  },
  {
    name: "a decomposed normalization over axis 1 (not LayerNormalization)",
    model: onnxModel(decomposedLn([1]), [eps, two], [["x", ["N", 4, 3]]], ["y"], 13),
    x: { data: values(24), dims: [2, 4, 3] },
    check: (g) => assert.ok(!("LayerNormalization" in g), "not fused"),
  },
  {
    name: "a decomposed LayerNorm followed by a residual Add (not a β)",
    model: onnxModel(
      [
        ...decomposedLn([-1]),
        node("Mul", ["y", "g"], ["yg"]),
        node("Add", ["yg", "x"], ["out"]),
      ],
      [eps, two, f32("g", [3], [1, 2, 3])],
      [["x", ["N", 4, 3]]],
      ["out"],
      13,
    ),
    x: { data: values(24), dims: [2, 4, 3] },
    roundTrip: true,
  },
  {
    name: "Flatten(axis 0) after GlobalAveragePool",
    model: onnxModel(
      [
        node("GlobalAveragePool", ["x"], ["g"]),
        node("Flatten", ["g"], ["f"], { axis: 0 }),
      ],
      [],
      [["x", [2, 3, 2, 2]]],
      ["f"],
    ),
    x: { data: values(24), dims: [2, 3, 2, 2] },
    static: true,
  },
  {
    name: "Elu(alpha = 1.0) exported with a FLOAT alpha",
    model: onnxModel(
      [node("Elu", ["x"], ["y"], { alpha: 1 })],
      [],
      [["x", ["N", 3]]],
      ["y"],
    ),
    x: { data: values(6), dims: [2, 3] },
    roundTrip: true,
  },
];

Deno.test("ONNX import/export regressions, judged by onnxruntime", async (t) => {
  const jobs: OrtJob[] = [];
  const ours: { name: string; y: Record<string, Float32Array>; exported?: Uint8Array }[] = [];
  for (const c of CASES) {
    await t.step(`import: ${c.name}`, () => {
      const imp = importOnnx(c.model, { backend, batch: c.static ? "static" : "dynamic" });
      c.check?.(imp.generic);
      const out = noGrad(() =>
        imp.model.forwardNamed({ [imp.inputs[0].name]: tensor(c.x.data, c.x.dims, { backend }) })
      );
      const y = Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, Float32Array.from(v.toArray())]),
      );
      const exported = c.roundTrip ? exportOnnx(imp.model).model : undefined;
      ours.push({ name: c.name, y, exported });
      jobs.push({ model: c.model, feeds: { x: c.x } });
      if (exported) jobs.push({ model: exported, feeds: { x: c.x } });
    });
  }
  const results = await runOrtBatch(jobs);
  let j = 0;
  for (const o of ours) {
    await t.step(`onnxruntime: ${o.name}`, () => {
      const files = o.exported ? [results[j++], results[j++]] : [results[j++]];
      for (const r of files) {
        if (r instanceof Error) throw r;
        for (const [k, v] of Object.entries(r)) {
          assert.ok(o.y[k], `squeeze has output "${k}"`);
          assert.equal(o.y[k].length, v.data.length, k);
          assert.ok(
            contractOf(v.data, o.y[k]).maxRel <= 1e-5,
            `${k}: ${contractOf(v.data, o.y[k]).maxRel}`,
          );
        }
      }
    });
  }
});

Deno.test("export keeps an int64 input's type; a host node's int output is declared int64", () => {
  const table = f32("E", [10, 4], Array.from({ length: 40 }, (_, i) => i));
  const emb = onnxModel([node("Gather", ["E", "ids"], ["y"])], [table], [["ids", ["N", 3], 7]], [
    "y",
  ]);
  const imp = importOnnx(emb, { backend });
  assert.deepEqual(imp.model.graph.nodes.map((n) => n.op), ["embedding"]);
  const back = decodeModelProto(exportOnnx(imp.model).model);
  assert.equal(tensorTypeOf(back.graph!.input[0])?.elemType, 7);
  const arg = onnxModel([node("ArgMax", ["x"], ["y"], { axis: 1, keepdims: 0 })], [], [["x", [
    "N",
    5,
  ]]], ["y"]);
  const out = decodeModelProto(exportOnnx(importOnnx(arg, { backend }).model).model);
  assert.equal(tensorTypeOf(out.graph!.output[0])?.elemType, 7);
});
