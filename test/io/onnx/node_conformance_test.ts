// ONNX's own backend node tests (Debian's libonnx-testdata, ONNX 1.12) through the whole
// import path: every single-node test of an op the importer claims (every op with a host
// implementation, plus those it maps to layer ops) is imported with static shapes — float
// inputs as graph inputs, integer and bool inputs (shapes, indices, axes) as constants —
// run by squeeze's forward, and compared with the expected outputs (rtol 1e-3, atol 1e-7).
// Prints passed/total per op. Absent data: skipped locally, a failure under CI.
import assert from "node:assert/strict";
import { importOnnx } from "../../../src/io/onnx/import.ts";
import { HOST_OPS } from "../../../src/io/onnx/host_ops/index.ts";
import { decodeModelProto, tensorTypeOf } from "../../../src/io/onnx/proto.ts";
import { OPSET_RANGE } from "../../../src/io/onnx/onnx_graph.ts";
import type { HostTensor } from "../../../src/io/onnx/host_tensor.ts";
import { createBackend } from "../../../src/backends/select.ts";
import { tensor } from "../../../src/tensor/create.ts";
import { noGrad } from "../../../src/tensor/grad_mode.ts";
import {
  dtypeFamily,
  HAVE_NODE_TESTS,
  HOST_OP_GAPS,
  IN_CI,
  listNodeTests,
  mismatch,
  NODE_TEST_ROOT,
  readNodeTest,
} from "./node_tests.ts";

/** Tests the import path cannot pass, with the reason (the host ops' own gaps included). */
const KNOWN_GAPS: ReadonlyMap<string, string> = new Map([
  ...HOST_OP_GAPS,
  ["test_constant", "a model without runtime inputs is all constant"],
  [
    "test_range_float_type_positive_delta",
    "output size depends on runtime values (Range folds when constant)",
  ],
  [
    "test_range_int32_type_negative_delta",
    "output size depends on runtime values (Range folds when constant)",
  ],
]);

const HAVE_DATA = HAVE_NODE_TESTS;

const backend = createBackend("auto");

/** Imports one node test and runs its data sets; undefined when it passes, else why not. */
function runThroughImport(dir: string): string | undefined {
  let t;
  try {
    t = readNodeTest(dir);
  } catch (e) {
    return `test data: ${(e as Error).message.slice(0, 200)}`;
  }
  const m = decodeModelProto(t.model);
  const inputs = (m.graph!.input ?? []).map((v) => v.name ?? "");
  const declared = (m.graph!.input ?? []).map((v) =>
    (tensorTypeOf(v)?.dims ?? []).map((d) => (typeof d === "number" ? d : -1)).join()
  );
  for (const set of t.sets) {
    // Runtime inputs: float tensors of rank ≥ 1 as declared; scalars, integers and bools
    // (ranges, shapes, indices, axes) are constants.
    const floatIdx = set.inputs.map((x, i) =>
      dtypeFamily(x.dtype) === "float" && x.dims.length > 0 && x.dims.join() === declared[i]
        ? i
        : -1
    ).filter((i) => i >= 0);
    const runtime = new Set(floatIdx.length ? floatIdx : set.inputs.map((_, i) => i));
    const constants: Record<string, HostTensor> = {};
    set.inputs.forEach((x, i) => {
      if (!runtime.has(i)) constants[inputs[i]] = x;
    });
    let outs: Record<string, { shape: readonly number[]; toArray(): ArrayLike<number> }>;
    try {
      const imp = importOnnx(t.model, { where: t.name, batch: "static", constants, backend });
      const feeds = Object.fromEntries(
        [...runtime].map((i) => [
          inputs[i],
          tensor(Float32Array.from(set.inputs[i].data), set.inputs[i].dims, { backend }),
        ]),
      );
      outs = noGrad(() => imp.model.forwardNamed(feeds));
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`;
    }
    const names = (m.graph!.output ?? []).map((o) => o.name ?? "");
    for (const [k, want] of set.outputs.entries()) {
      const y = outs[names[k]];
      if (!y) return `no output "${names[k]}"`;
      const got: HostTensor = {
        dtype: want.dtype,
        dims: [...y.shape],
        data: Float64Array.from(y.toArray()),
      };
      // float32 graph values: compare floats as float32 (float64 tests at float32 precision)
      const why = mismatch(
        got,
        want.dtype === "float64" ? { ...want, data: want.data.map(Math.fround) } : want,
      );
      if (why) return `output ${k}: ${why}`;
    }
  }
  return undefined;
}

Deno.test({
  name: HAVE_DATA
    ? "ONNX node tests pass through import and squeeze's forward"
    : `ONNX node tests through import (skipped: no ${NODE_TEST_ROOT}; install libonnx-testdata)`,
  ignore: !HAVE_DATA && !IN_CI,
  fn: () => {
    assert.ok(HAVE_DATA, `CI is set but ${NODE_TEST_ROOT} is absent: install libonnx-testdata`);
    const byOp = new Map<string, { pass: number; total: number }>();
    const bad: string[] = [];
    let belowRange = 0;
    for (const dir of listNodeTests()) {
      const m = decodeModelProto(Deno.readFileSync(`${dir}/model.onnx`), dir);
      const nodes = m.graph?.node ?? [];
      if (
        nodes.length !== 1 || (nodes[0].domain ?? "") !== "" || !HOST_OPS.has(nodes[0].opType ?? "")
      ) continue;
      const opset = Number((m.opsetImport ?? []).find((o) => !o.domain)?.version ?? 0);
      if (opset < OPSET_RANGE.min) {
        belowRange++;
        continue;
      }
      const op = nodes[0].opType!;
      const name = dir.slice(dir.lastIndexOf("/") + 1);
      const why = runThroughImport(dir);
      const row = byOp.get(op) ?? { pass: 0, total: 0 };
      row.total++;
      if (!why) row.pass++;
      byOp.set(op, row);
      if (why && !KNOWN_GAPS.has(name)) bad.push(`${name}: ${why}`);
      if (!why && KNOWN_GAPS.has(name)) bad.push(`${name} passes: remove it from KNOWN_GAPS`);
    }
    const rows = [...byOp].sort(([a], [b]) => a.localeCompare(b));
    const pass = rows.reduce((s, [, r]) => s + r.pass, 0),
      total = rows.reduce((s, [, r]) => s + r.total, 0);
    console.log(
      `ONNX node tests through import, by op (passed/total):\n${
        rows.map(([op, r]) => `  ${op.padEnd(22)} ${r.pass}/${r.total}`).join("\n")
      }\n  ${
        "total".padEnd(22)
      } ${pass}/${total} (${rows.length} ops); ${belowRange} tests of opsets below ${OPSET_RANGE.min} are not claimed`,
    );
    assert.deepEqual(bad, [], `${bad.length} node tests fail through import`);
  },
});
