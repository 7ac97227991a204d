// The runtime's own ONNX reader (wire_reader.ts, no npm) reads the same messages as the
// protobuf schema (proto.ts, @bufbuild/protobuf) on every model of ONNX's node tests and
// the fixtures, and the runtime entry runs an ONNX file to the main entry's outputs.
import assert from "node:assert/strict";
import { readModelWire } from "../../../src/io/onnx/wire_reader.ts";
import { decodeModelProto } from "../../../src/io/onnx/proto.ts";
import type { OnnxModel } from "../../../src/io/onnx/onnx_types.ts";
import { importOnnx } from "../../../src/io/onnx/import.ts";
import { createBackend, decodeOnnx, noGrad, tensor } from "../../../src/runtime/mod.ts";
import { Rng } from "../../../src/tensor/random.ts";
import { exists, listNodeTests, NODE_TEST_ROOT } from "./node_tests.ts";

const FIX = new URL("../../fixtures/onnx/", import.meta.url);

/** The fields of `onnx_types.ts`, ints as numbers: what the importer can see. */
function project(m: OnnxModel): unknown {
  const n = (v: unknown) => Number(v);
  const tensor = (t: NonNullable<OnnxModel["graph"]>["initializer"][number]) => ({
    name: t.name,
    dims: t.dims.map(n),
    dataType: t.dataType,
    rawData: [...t.rawData],
    floatData: [...t.floatData],
    int32Data: [...t.int32Data],
    int64Data: t.int64Data.map(n),
    doubleData: [...t.doubleData],
    uint64Data: t.uint64Data.map(n),
    externalData: t.externalData.map((e) => [e.key, e.value]),
    dataLocation: t.dataLocation,
  });
  const info = (v: NonNullable<OnnxModel["graph"]>["input"][number]) => {
    const c = v.type?.value;
    return {
      name: v.name,
      type: c?.case === "tensorType"
        ? {
          elemType: c.value.elemType,
          dims: c.value.shape?.dim.map((
            d,
          ) => [d.value.case, d.value.case ? String(d.value.value) : null]),
        }
        : c?.case,
    };
  };
  const g = m.graph!;
  return {
    irVersion: n(m.irVersion),
    opsetImport: m.opsetImport.map((o) => [o.domain, n(o.version)]),
    graph: {
      name: g.name,
      initializer: g.initializer.map(tensor),
      input: g.input.map(info),
      output: g.output.map(info),
      node: g.node.map((x) => ({
        name: x.name,
        opType: x.opType,
        domain: x.domain,
        input: x.input,
        output: x.output,
        attribute: x.attribute.map((a) => ({
          name: a.name,
          type: a.type,
          f: a.f,
          i: n(a.i),
          s: [...a.s],
          t: a.t ? tensor(a.t) : null,
          floats: [...a.floats],
          ints: a.ints.map(n),
          strings: a.strings.map((s) => [...s]),
        })),
      })),
    },
  };
}

Deno.test("the runtime's ONNX reader reads what the protobuf schema reads", async (t) => {
  const files: [string, Uint8Array][] = [];
  for (
    const f of ["mlp", "cnn_bn", "cnn_bn_unfused", "transformer", "ln_decomposed", "mobilenet_nhwc"]
  ) {
    files.push([f, await Deno.readFile(new URL(`${f}.onnx`, FIX))]);
  }
  if (exists(NODE_TEST_ROOT)) {
    for (const dir of listNodeTests()) files.push([dir, await Deno.readFile(`${dir}/model.onnx`)]);
  }
  await t.step(`${files.length} models`, () => {
    for (const [name, b] of files) {
      assert.deepEqual(project(readModelWire(b, name)), project(decodeModelProto(b, name)), name);
    }
  });
  await t.step("bad bytes are SyntaxErrors naming the offset, never a hang", () => {
    const rng = new Rng(3);
    const b = files[3][1];
    for (const cut of [1, 5, 77, b.length - 2]) {
      assert.throws(() => readModelWire(b.slice(0, cut), "cut.onnx"), SyntaxError);
    }
    let errors = 0;
    for (let k = 0; k < 300; k++) {
      const x = b.slice();
      x[rng.int(x.length)] ^= 1 << rng.int(8);
      try {
        readModelWire(x, "flip.onnx");
      } catch (e) {
        assert.ok(e instanceof SyntaxError, String(e));
        assert.match(e.message, /^flip\.onnx: /);
        errors++;
      }
    }
    assert.ok(errors > 0);
  });
});

Deno.test("runtime decodeOnnx runs a file to the main entry's outputs", () => {
  const backend = createBackend("auto");
  const bytes = Deno.readFileSync(new URL("transformer.onnx", FIX));
  const ref = JSON.parse(Deno.readTextFileSync(new URL("transformer.json", FIX)));
  const x = tensor(Float32Array.from(ref.input), ref.inputShape, { backend });
  const a = noGrad(() => decodeOnnx(bytes, "transformer.onnx", backend).forward(x)).toArray();
  const b = noGrad(() => importOnnx(bytes, { backend }).model.forward(x)).toArray();
  assert.deepEqual([...a], [...b]);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - ref.output[i]) < 1e-5);
});
