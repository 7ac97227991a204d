// Bad ONNX files give a clear error (SyntaxError naming what and where), never a hang or
// an unbounded allocation: truncation, wrong tensor sizes, cycles, unknown opsets,
// dangling names, absurd dims, unsupported ops, and a seeded byte-flip fuzz.
import assert from "node:assert/strict";
import { importOnnx } from "../../../src/io/onnx/import.ts";
import { decodeModelProto, encodeModelProto, type ModelProto } from "../../../src/io/onnx/proto.ts";
import { Rng } from "../../../src/tensor/random.ts";
// deno-lint-ignore no-import-prefix -- the module's pinned protobuf runtime
import { create } from "npm:@bufbuild/protobuf@2.17.0";
import { TensorShapeProto_DimensionSchema } from "../../../src/io/onnx/_gen/onnx_ml_pb.ts";

const DIR = new URL("../../fixtures/onnx/", import.meta.url);
const mlp = await Deno.readFile(new URL("mlp.onnx", DIR));

function edited(f: (m: ModelProto) => void): Uint8Array {
  const m = decodeModelProto(mlp);
  f(m);
  return encodeModelProto(m);
}

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => importOnnx(bytes, { where: "bad.onnx", backend: undefined }), (e) => {
    assert.ok(
      e instanceof SyntaxError,
      `SyntaxError, got ${(e as Error).name}: ${(e as Error).message}`,
    );
    assert.match((e as Error).message, /^bad\.onnx/);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

Deno.test("ONNX import rejects bad files clearly", async (t) => {
  await t.step("truncated", () => {
    for (const n of [1, 7, 100, mlp.length - 3]) rejects(mlp.slice(0, n), /./);
  });
  await t.step("not ONNX at all", () => rejects(new TextEncoder().encode("hello world"), /./));
  await t.step("wrong tensor size", () =>
    rejects(
      edited((m) => {
        m.graph!.initializer![0].dims = [3n, 3n];
      }),
      /initializer 0 .*bytes/,
    ));
  await t.step("unknown opset", () =>
    rejects(
      edited((m) => {
        m.opsetImport[0].version = 99n;
      }),
      /opset 99/,
    ));
  await t.step("dangling name", () =>
    rejects(
      edited((m) => {
        m.graph!.node![1].input = ["nowhere"];
      }),
      /reads "nowhere", which nothing defines/,
    ));
  await t.step("cycle", () =>
    rejects(
      edited((m) => {
        const nodes = m.graph!.node!;
        nodes[0].input = [nodes[1].output![0], ...nodes[0].input!.slice(1)];
      }),
      /topological order or has a cycle/,
    ));
  await t.step("absurd declared dims", () => {
    rejects(
      edited((m) => {
        m.graph!.initializer![0].dims = [1000000n, 1000000n, 1000000n];
      }),
      /more than 2³¹ elements|bad dimension/,
    );
    rejects(
      edited((m) => {
        const t = m.graph!.input![0].type!.value;
        if (t.case !== "tensorType") throw new Error("fixture input is a tensor");
        const dims = t.value.shape!.dim;
        dims[1].value = { case: "dimValue", value: 1000000000n };
        dims[1 + 0].value = { case: "dimValue", value: 1000000000n };
        dims.push(
          create(TensorShapeProto_DimensionSchema, {
            value: { case: "dimValue", value: 1000000000n },
          }),
        );
      }),
      /absurd/,
    );
    rejects(
      edited((m) => {
        m.graph!.initializer![0].dims = [-4n, 5n];
      }),
      /bad dimension -4/,
    );
  });
  await t.step("unsupported op names node, op type and opset", () =>
    rejects(
      edited((m) => {
        m.graph!.node![1].opType = "FrobnicateV2";
      }),
      /node "[^"]*" \(FrobnicateV2\).*op type "FrobnicateV2" \(opset 17\) is not supported/,
    ));
});

Deno.test("ONNX import: byte-flip fuzz ends in a model or a clear error", async () => {
  const files = ["mlp", "cnn_bn_unfused", "transformer"];
  const seeds = await Promise.all(files.map((f) => Deno.readFile(new URL(`${f}.onnx`, DIR))));
  const rng = new Rng(7);
  const deadline = performance.now() + 8000;
  let runs = 0, loaded = 0;
  const kinds = new Map<string, number>();
  while (performance.now() < deadline && runs < 600) {
    const src = seeds[runs % seeds.length];
    const b = src.slice();
    const flips = 1 + rng.int(4);
    for (let k = 0; k < flips; k++) b[rng.int(b.length)] ^= 1 << rng.int(8);
    runs++;
    try {
      importOnnx(b, { where: "fuzz.onnx" });
      loaded++;
    } catch (e) {
      assert.ok(e instanceof Error, `an Error, got ${String(e)}`);
      assert.ok(e.message.length > 0);
      assert.ok(
        e instanceof SyntaxError || e instanceof RangeError || e instanceof TypeError,
        `${e.name}: ${e.message}`,
      );
      kinds.set(e.name, (kinds.get(e.name) ?? 0) + 1);
    }
  }
  console.log(
    `byte-flip fuzz: ${runs} files, ${loaded} loaded, errors ${JSON.stringify([...kinds])}`,
  );
  assert.ok(runs >= 50, `ran ${runs}`);
});

Deno.test("exportOnnx refuses a host node whose op changed after the opset it was read at", async () => {
  const { exportOnnx } = await import("../../../src/io/onnx/export.ts");
  const { encodeModelProto: enc, tensorValueInfo } = await import("../../../src/io/onnx/proto.ts");
  // Softmax at opset 11 (2-D coercion at `axis`) would compute otherwise at 17.
  const bytes = enc({
    irVersion: 6n,
    opsetImport: [{ domain: "", version: 11n }],
    graph: {
      name: "old",
      node: [{
        opType: "Softmax",
        input: ["x"],
        output: ["y"],
        attribute: [{ name: "axis", type: 2, i: 1n }],
      }],
      input: [tensorValueInfo("x", [-1, 3, 4])],
      output: [tensorValueInfo("y", [-1, 3, 4])],
    },
  });
  const { model } = importOnnx(bytes, { where: "old.onnx" });
  assert.throws(() => exportOnnx(model), /ONNX Softmax read at opset 11 changed by opset 13/);
});
