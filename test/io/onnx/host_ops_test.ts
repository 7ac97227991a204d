// The host ops (src/io/onnx/host_ops) against ONNX's own backend node tests: every node
// test whose model is one node of an op in HOST_OPS runs that op on the test's inputs
// and compares every output (rtol 1e-3, atol 1e-7; element types must match exactly).
// The tests come from the Debian package libonnx-testdata (ONNX 1.12, opsets ≤ 17); where
// it is absent the test is skipped, or fails when CI is set.
import assert from "node:assert/strict";
import { attrsOf } from "../../../src/io/onnx/node_attrs.ts";
import type { HostTensor } from "../../../src/io/onnx/host_tensor.ts";
import { HOST_OPS } from "../../../src/io/onnx/host_ops/index.ts";
import type { HostOpContext } from "../../../src/io/onnx/host_ops/host_op.ts";
import {
  type AttributeInit,
  decodeModelProto,
  encodeModelProto,
  type ModelProto,
  num,
  tensorValueInfo,
} from "../../../src/io/onnx/proto.ts";
import { fromTensorProto } from "../../../src/io/onnx/tensor_proto.ts";
import { toTensorProto } from "../../../src/io/onnx/tensor_proto_write.ts";
import { runOrtBatch } from "./ort_judge.ts";
import {
  HAVE_NODE_TESTS,
  HOST_OP_GAPS,
  IN_CI,
  listNodeTests,
  mismatch,
  NODE_TEST_ROOT,
  readNodeTest,
} from "./node_tests.ts";

const KNOWN_GAPS = HOST_OP_GAPS;

/** The opset of the default domain. */
function defaultOpset(m: ModelProto): number {
  const o = (m.opsetImport ?? []).find((v) => !v.domain || v.domain === "ai.onnx");
  return o ? num(o.version) : 1;
}

/** The single node's op type when `model` is one default-domain node, else undefined. */
function singleOp(bytes: Uint8Array, where: string): string | undefined {
  const nodes = decodeModelProto(bytes, where).graph?.node ?? [];
  if (nodes.length !== 1 || (nodes[0].domain && nodes[0].domain !== "ai.onnx")) return undefined;
  return nodes[0].opType ?? undefined;
}

/**
 * Runs the single node of `model` with HOST_OPS on `inputs` (the graph inputs that are
 * not initializers, in order); returns the graph outputs in order.
 */
function runSingleNode(
  model: ModelProto,
  name: string,
  inputs: readonly HostTensor[],
): HostTensor[] {
  const g = model.graph!, node = g.node![0];
  const op = HOST_OPS.get(node.opType ?? "");
  if (!op) throw new Error(`${node.opType} is not a host op`);
  const init = new Map((g.initializer ?? []).map((t) => [t.name ?? "", fromTensorProto(t, name)]));
  const byName = new Map<string, HostTensor>(init);
  (g.input ?? []).map((v) => v.name ?? "").filter((n) => !init.has(n))
    .forEach((n, i) => inputs[i] && byName.set(n, inputs[i]));
  const args = (node.input ?? []).map((n) => {
    if (n === "") return undefined;
    const t = byName.get(n);
    if (!t) throw new Error(`input "${n}" has no data`);
    return t;
  });
  const outNames = node.output ?? [];
  const ctx: HostOpContext & { outputs: number } = {
    node: node.name || name,
    opset: defaultOpset(model),
    outputs: outNames.length,
  };
  const outs = op(args, attrsOf(node, name), ctx);
  return (g.output ?? []).map((o) => {
    const t = outs[outNames.indexOf(o.name ?? "")];
    if (!t) throw new Error(`no output "${o.name}"`);
    return t;
  });
}

/** Why `got` is not `want` (exact element type, then {@linkcode mismatch}), or undefined. */
function differs(got: HostTensor, want: HostTensor): string | undefined {
  return got.dtype !== want.dtype ? `${got.dtype}, want ${want.dtype}` : mismatch(got, want);
}

/** Runs one node test; undefined when every output of every data set matches, else why not. */
function runNodeTest(dir: string): string | undefined {
  const test = readNodeTest(dir);
  const model = decodeModelProto(test.model, dir);
  for (const [s, set] of test.sets.entries()) {
    const outs = runSingleNode(model, test.name, set.inputs);
    if (outs.length !== set.outputs.length) {
      return `data set ${s}: ${outs.length} outputs, want ${set.outputs.length}`;
    }
    for (const [k, want] of set.outputs.entries()) {
      const why = differs(outs[k], want);
      if (why) return `data set ${s}, output ${k}: ${why}`;
    }
  }
  return undefined;
}

const HAVE_DATA = HAVE_NODE_TESTS;

Deno.test({
  name: HAVE_DATA
    ? "host ops match ONNX's node tests"
    : `host ops match ONNX's node tests (skipped: no ${NODE_TEST_ROOT}; install libonnx-testdata)`,
  ignore: !HAVE_DATA && !IN_CI,
  fn: async (t) => {
    assert.ok(HAVE_DATA, `CI is set but ${NODE_TEST_ROOT} is absent: install libonnx-testdata`);
    const t0 = performance.now();
    const byOp = new Map<string, string[]>();
    for (const dir of listNodeTests()) {
      const op = singleOp(Deno.readFileSync(`${dir}/model.onnx`), dir);
      if (op && HOST_OPS.has(op)) byOp.set(op, [...(byOp.get(op) ?? []), dir]);
    }
    const rows: [string, number, number][] = [];
    const gapsSeen = new Set<string>();
    for (const op of [...byOp.keys()].sort()) {
      await t.step(op, () => {
        const bad: string[] = [];
        let passed = 0;
        for (const dir of byOp.get(op)!) {
          const name = dir.split("/").pop()!;
          let why: string | undefined;
          try {
            why = runNodeTest(dir);
          } catch (e) {
            why = `${(e as Error).name}: ${(e as Error).message}`;
          }
          if (why === undefined) passed++;
          if (KNOWN_GAPS.has(name)) {
            gapsSeen.add(name);
            if (why === undefined) bad.push(`${name} passes: remove it from KNOWN_GAPS`);
          } else if (why !== undefined) bad.push(`${name}: ${why}`);
        }
        rows.push([op, passed, byOp.get(op)!.length]);
        assert.deepEqual(bad, [], `${op}:\n  ${bad.join("\n  ")}`);
      });
    }
    const width = Math.max(...rows.map(([op]) => op.length));
    const pass = rows.reduce((s, r) => s + r[1], 0), all = rows.reduce((s, r) => s + r[2], 0);
    const lines = rows.map(([op, p, n]) => `  ${op.padEnd(width)} ${String(p).padStart(3)}/${n}`);
    console.log(
      `ONNX node tests of host ops (${rows.length} ops):\n${lines.join("\n")}\n` +
        `  ${"total".padEnd(width)} ${pass}/${all} in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s; known gaps: ${KNOWN_GAPS.size}`,
    );
    const stale = [...KNOWN_GAPS.keys()].filter((n) => !gapsSeen.has(n));
    assert.deepEqual(stale, [], "KNOWN_GAPS entries that name no test of a host op");
  },
});

// Where the node tests are silent (opsets before 13 or after 17, groups, dilations, 1-D
// and 3-D windows, 1-D MatMul operands, …), onnxruntime-web is the judge: each case is a
// one-node model with random float32 inputs (integer operands as initializers).

/** An attribute: an integer, a float `{ f }`, a string, integers, or floats `{ fs }`. */
type AttrSpec = number | { f: number } | string | number[] | { fs: number[] };

/** An operand: a random float32 input of `dims` (`positive` for variances), or a constant. */
type Operand = { dims: number[]; positive?: boolean } | { init: HostTensor } | null;

interface OrtCase {
  name: string;
  op: string;
  opset: number;
  inputs: Operand[];
  attrs?: Record<string, AttrSpec>;
  outputs?: number;
}

const ints = (...v: number[]): Operand => ({
  init: { dtype: "int64", dims: [v.length], data: Float64Array.from(v) },
});
const scalar = (v: number): Operand => ({
  init: { dtype: "float32", dims: [], data: Float64Array.of(v) },
});

function attrProto(name: string, v: AttrSpec): AttributeInit {
  if (typeof v === "number") return { name, type: 2, i: BigInt(v) };
  if (typeof v === "string") return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v.map(BigInt) };
  if ("f" in v) return { name, type: 1, f: v.f };
  return { name, type: 6, floats: v.fs };
}

/** The case's model and its random feeds (seeded by the case's name). */
function ortCaseModel(cs: OrtCase): { model: Uint8Array; feeds: HostTensor[]; names: string[] } {
  let seed = [...cs.name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261);
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  const feeds: HostTensor[] = [], names: string[] = [], inits = [], graphInputs = [];
  const input: string[] = [];
  for (const [i, o] of cs.inputs.entries()) {
    if (o === null) {
      input.push("");
      continue;
    }
    const name = `in${i}`;
    input.push(name);
    if ("init" in o) {
      inits.push(toTensorProto(o.init, name));
      continue;
    }
    const n = o.dims.reduce((p, q) => p * q, 1);
    const data = Float64Array.from({ length: n }, () => {
      return Math.fround(o.positive ? 0.1 + 2 * rand() : 4 * rand() - 2);
    });
    feeds.push({ dtype: "float32", dims: o.dims, data });
    names.push(name);
    graphInputs.push(tensorValueInfo(name, o.dims));
  }
  const output = Array.from({ length: cs.outputs ?? 1 }, (_, k) => `out${k}`);
  const model = encodeModelProto({
    irVersion: 9n,
    opsetImport: [{ domain: "", version: BigInt(cs.opset) }],
    graph: {
      name: cs.name,
      node: [{
        name: cs.name,
        opType: cs.op,
        input,
        output,
        attribute: Object.entries(cs.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
      }],
      input: graphInputs,
      initializer: inits,
      output: output.map((name) => tensorValueInfo(name, undefined)),
    },
  });
  return { model, feeds, names };
}

const X = (...dims: number[]): Operand => ({ dims });
const POS = (...dims: number[]): Operand => ({ dims, positive: true });

const ORT_CASES: OrtCase[] = [
  {
    name: "conv2d_group_dilation_stride_pads_bias",
    op: "Conv",
    opset: 11,
    inputs: [X(2, 4, 7, 6), X(6, 2, 3, 2), X(6)],
    attrs: { group: 2, strides: [1, 2], dilations: [2, 1], pads: [1, 0, 2, 1] },
  },
  {
    name: "conv1d_same_upper_stride2",
    op: "Conv",
    opset: 11,
    inputs: [X(1, 3, 9), X(4, 3, 3)],
    attrs: { auto_pad: "SAME_UPPER", strides: [2] },
  },
  {
    name: "conv3d_pads_bias",
    op: "Conv",
    opset: 11,
    inputs: [X(1, 2, 4, 5, 3), X(3, 2, 2, 3, 2), X(3)],
    attrs: { pads: [0, 1, 1, 1, 0, 0], strides: [1, 2, 1] },
  },
  {
    name: "conv2d_depthwise_same_lower",
    op: "Conv",
    opset: 11,
    inputs: [X(1, 3, 5, 6), X(3, 1, 3, 3)],
    attrs: { group: 3, auto_pad: "SAME_LOWER", strides: [2, 2] },
  },
  {
    name: "conv2d_valid",
    op: "Conv",
    opset: 11,
    inputs: [X(1, 2, 6, 7), X(2, 2, 3, 3)],
    attrs: { auto_pad: "VALID", strides: [2, 2], dilations: [1, 2] },
  },
  {
    name: "maxpool2d_dilations_ceil_pads",
    op: "MaxPool",
    opset: 12,
    inputs: [X(1, 2, 7, 8)],
    attrs: {
      kernel_shape: [2, 3],
      dilations: [2, 2],
      pads: [1, 1, 1, 1],
      strides: [2, 2],
      ceil_mode: 1,
    },
  },
  {
    name: "averagepool2d_include_pad_ceil",
    op: "AveragePool",
    opset: 11,
    inputs: [X(1, 2, 6, 7)],
    attrs: {
      kernel_shape: [3, 3],
      pads: [1, 0, 1, 1],
      strides: [2, 2],
      count_include_pad: 1,
      ceil_mode: 1,
    },
  },
  {
    name: "averagepool1d_same_lower",
    op: "AveragePool",
    opset: 11,
    inputs: [X(2, 3, 8)],
    attrs: { kernel_shape: [3], auto_pad: "SAME_LOWER", strides: [2] },
  },
  {
    name: "maxpool3d_strides_pads",
    op: "MaxPool",
    opset: 12,
    inputs: [X(1, 2, 4, 5, 6)],
    attrs: { kernel_shape: [2, 2, 3], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1] },
  },
  { name: "softmax11_axis1", op: "Softmax", opset: 11, inputs: [X(2, 3, 4)], attrs: { axis: 1 } },
  { name: "logsoftmax11_default", op: "LogSoftmax", opset: 11, inputs: [X(2, 3, 4)] },
  { name: "hardmax11_axis0", op: "Hardmax", opset: 11, inputs: [X(2, 3, 4)], attrs: { axis: 0 } },
  { name: "softmax13_axis0", op: "Softmax", opset: 13, inputs: [X(2, 3, 4)], attrs: { axis: 0 } },
  { name: "matmul_1d_by_3d", op: "MatMul", opset: 13, inputs: [X(3), X(2, 3, 4)] },
  { name: "matmul_3d_by_1d", op: "MatMul", opset: 13, inputs: [X(2, 3, 4), X(4)] },
  { name: "matmul_batch_broadcast", op: "MatMul", opset: 13, inputs: [X(2, 1, 3, 4), X(5, 4, 2)] },
  { name: "matmul_1d_by_1d", op: "MatMul", opset: 13, inputs: [X(4), X(4)] },
  {
    name: "gemm_trans_alpha_beta_row_bias",
    op: "Gemm",
    opset: 13,
    inputs: [X(4, 3), X(5, 4), X(5)],
    attrs: { transA: 1, transB: 1, alpha: { f: 0.5 }, beta: { f: 2 } },
  },
  { name: "gelu20_none", op: "Gelu", opset: 20, inputs: [X(3, 7)] },
  { name: "gelu20_tanh", op: "Gelu", opset: 20, inputs: [X(3, 7)], attrs: { approximate: "tanh" } },
  { name: "mish18", op: "Mish", opset: 18, inputs: [X(3, 7)] },
  {
    name: "slice9_attrs",
    op: "Slice",
    opset: 9,
    inputs: [X(3, 5, 6)],
    attrs: { starts: [-3, 1], ends: [1000, -1], axes: [1, 2] },
  },
  {
    name: "slice13_negative_steps_huge_ends",
    op: "Slice",
    opset: 13,
    inputs: [X(3, 5, 6), ints(-1, 4), ints(-(2 ** 62), 0), ints(2, 1), ints(-2, -3)],
  },
  {
    name: "clip6_attrs",
    op: "Clip",
    opset: 6,
    inputs: [X(4, 5)],
    attrs: { min: { f: -0.5 }, max: { f: 0.75 } },
  },
  { name: "clip13_max_only", op: "Clip", opset: 13, inputs: [X(4, 5), null, scalar(0.25)] },
  {
    name: "reducemean18_axes_input",
    op: "ReduceMean",
    opset: 18,
    inputs: [X(2, 3, 4), ints(-1, 0)],
    attrs: { keepdims: 0 },
  },
  { name: "reducemax18_no_axes", op: "ReduceMax", opset: 18, inputs: [X(2, 3, 4)] },
  {
    name: "reducel2_11_attr",
    op: "ReduceL2",
    opset: 11,
    inputs: [X(2, 3, 4)],
    attrs: { axes: [1] },
  },
  {
    name: "reducesum11_attr",
    op: "ReduceSum",
    opset: 11,
    inputs: [X(2, 3, 4)],
    attrs: { axes: [0, 2] },
  },
  {
    name: "split18_num_outputs_uneven",
    op: "Split",
    opset: 18,
    inputs: [X(2, 7)],
    attrs: { axis: 1, num_outputs: 3 },
    outputs: 3,
  },
  {
    name: "split11_attr",
    op: "Split",
    opset: 11,
    inputs: [X(6, 2)],
    attrs: { split: [1, 5] },
    outputs: 2,
  },
  { name: "split13_equal", op: "Split", opset: 13, inputs: [X(6, 2)], outputs: 3 },
  {
    name: "layernorm_axis1_no_bias",
    op: "LayerNormalization",
    opset: 17,
    inputs: [X(2, 3, 4), X(3, 4)],
    attrs: { axis: 1 },
  },
  {
    name: "batchnorm_rank2",
    op: "BatchNormalization",
    opset: 15,
    inputs: [X(4, 3), X(3), X(3), X(3), POS(3)],
  },
  {
    name: "batchnorm_rank5",
    op: "BatchNormalization",
    opset: 15,
    inputs: [X(2, 3, 2, 3, 2), X(3), X(3), X(3), POS(3)],
    attrs: { epsilon: { f: 0.01 } },
  },
  {
    name: "instancenorm_1d",
    op: "InstanceNormalization",
    opset: 6,
    inputs: [X(2, 3, 5), X(3), X(3)],
  },
  {
    name: "pad18_axes_reflect",
    op: "Pad",
    opset: 18,
    inputs: [X(2, 4, 5), ints(2, 1, 3, 0), null, ints(1, -1)],
    attrs: { mode: "reflect" },
  },
  {
    name: "pad2_attrs_edge",
    op: "Pad",
    opset: 2,
    inputs: [X(3, 4)],
    attrs: { pads: [1, 2, 2, 0], mode: "edge" },
  },
  {
    name: "pad13_constant_crop",
    op: "Pad",
    opset: 13,
    inputs: [X(3, 4), ints(1, -1, -1, 2), scalar(0.5)],
  },
  {
    name: "transpose_nhwc",
    op: "Transpose",
    opset: 13,
    inputs: [X(2, 3, 4, 5)],
    attrs: { perm: [0, 2, 3, 1] },
  },
  { name: "prelu_channel_slope", op: "PRelu", opset: 16, inputs: [X(2, 3, 4, 4), X(3, 1, 1)] },
  {
    name: "unsqueeze11_attr",
    op: "Unsqueeze",
    opset: 11,
    inputs: [X(3, 4)],
    attrs: { axes: [0, -1] },
  },
  {
    name: "squeeze11_attr",
    op: "Squeeze",
    opset: 11,
    inputs: [X(3, 1, 4, 1)],
    attrs: { axes: [-1] },
  },
  { name: "reshape5_zero_minus1", op: "Reshape", opset: 5, inputs: [X(2, 3, 4), ints(0, -1, 2)] },
  { name: "tile_3d", op: "Tile", opset: 13, inputs: [X(2, 1, 3), ints(1, 3, 2)] },
  { name: "expand_bidirectional", op: "Expand", opset: 13, inputs: [X(3, 1), ints(2, 1, 4)] },
  { name: "celu", op: "Celu", opset: 12, inputs: [X(3, 4)], attrs: { alpha: { f: 0.7 } } },
  { name: "erf_wide", op: "Erf", opset: 13, inputs: [X(50)] },
];

Deno.test("host ops agree with onnxruntime-web where the node tests are silent", async (t) => {
  const cases = ORT_CASES.map((cs) => ({ cs, ...ortCaseModel(cs) }));
  // One onnxruntime process for every case.
  const results = await runOrtBatch(cases.map(({ model, feeds, names }) => ({
    model,
    feeds: Object.fromEntries(names.map((n, i) => [n, {
      data: Float32Array.from(feeds[i].data),
      dims: feeds[i].dims,
    }])),
  })));
  for (const [j, { cs, model, feeds }] of cases.entries()) {
    await t.step(cs.name, () => {
      const ours = runSingleNode(decodeModelProto(model, cs.name), cs.name, feeds);
      const theirs = results[j];
      if (theirs instanceof Error) throw theirs;
      for (const [k, got] of ours.entries()) {
        const o = theirs[`out${k}`];
        const want: HostTensor = {
          dtype: "float32",
          dims: o.dims,
          data: Float64Array.from(o.data),
        };
        assert.equal(differs(got, want), undefined, `${cs.name} output ${k}`);
        assert.ok(got.data.every((v) => Math.fround(v) === v || Number.isNaN(v)), "float32 values");
      }
    });
  }
});

/** Runs host op `type` on `inputs` as node `node`. */
function run(
  type: string,
  inputs: (HostTensor | undefined)[],
  attrs: Record<string, number | number[] | string> = {},
  opset = 17,
  node = "n0",
): HostTensor[] {
  return HOST_OPS.get(type)!(inputs, attrs, { node, opset });
}

/** A host tensor; zeros when no values are given. */
function T(dtype: string, dims: number[], ...v: number[]): HostTensor {
  const n = dims.reduce((p, q) => p * q, 1);
  return { dtype, dims, data: v.length ? Float64Array.from(v) : new Float64Array(n) };
}

Deno.test("host ops: every op of issue 15 is in HOST_OPS", () => {
  const wanted = `Add Sub Mul Div Pow Max Min Sum Mean Mod Relu LeakyRelu PRelu Sigmoid HardSigmoid
    HardSwish Tanh Erf Gelu Elu Selu Softplus Softsign Clip Exp Log Sqrt Reciprocal Neg Abs
    Floor Ceil Round Sin Cos Sign Mish MatMul Gemm Conv MaxPool AveragePool GlobalAveragePool
    GlobalMaxPool BatchNormalization LayerNormalization InstanceNormalization ReduceMean
    ReduceSum ReduceMax ReduceMin ReduceProd Reshape Transpose Flatten Squeeze Unsqueeze Concat
    Split Slice Gather Expand Tile Shape Size Identity Cast CastLike ConstantOfShape Constant
    Range Where Pad Equal Less Greater LessOrEqual GreaterOrEqual Not And Or Softmax LogSoftmax
    Dropout ArgMax ArgMin TopK`.split(/\s+/);
  assert.deepEqual(wanted.filter((op) => !HOST_OPS.has(op)), []);
});

Deno.test("host ops: element types, legacy broadcasting and the output count", async (t) => {
  await t.step("opset 6 Add aligns B at axis with broadcast=1", () => {
    const a = T("float32", [2, 3, 1], 0, 1, 2, 3, 4, 5), b = T("float32", [3], 10, 20, 30);
    const [y] = run("Add", [a, b], { broadcast: 1, axis: 1 }, 6);
    assert.deepEqual(y.dims, [2, 3, 1]);
    assert.deepEqual([...y.data], [10, 21, 32, 13, 24, 35]);
  });
  await t.step("integer Div truncates toward zero; uint8 Add wraps", () => {
    const [q] = run("Div", [T("int32", [4], -7, 7, -7, 7), T("int32", [4], 2, -2, -2, 2)]);
    assert.deepEqual([...q.data], [-3, -3, 3, 3]);
    const [s] = run("Add", [T("uint8", [2], 250, 3), T("uint8", [2], 10, 4)]);
    assert.deepEqual([...s.data], [4, 7]);
  });
  await t.step("result element types: bool, int64, float16 rounding", () => {
    assert.equal(run("Less", [T("float32", [1], 1), T("float32", [1], 2)])[0].dtype, "bool");
    const [shape] = run("Shape", [T("float32", [2, 3], 0, 0, 0, 0, 0, 0)]);
    assert.deepEqual([shape.dtype, [...shape.data]], ["int64", [2, 3]]);
    const x = T("float32", [5], 1 + 2 ** -10, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520);
    const [h] = run("Cast", [x], { to: 10 });
    assert.deepEqual([h.dtype, [...h.data]], ["float16", [
      1 + 2 ** -10,
      1,
      1 + 2 ** -9,
      65504,
      Infinity,
    ]]);
    const [f] = run("Mul", [T("float32", [1], 0.1), T("float32", [1], 3)]);
    assert.equal(f.data[0], Math.fround(Math.fround(0.1) * 3));
  });
  await t.step("Split into equal parts reads the node's output count from ctx.outputs", () => {
    const x = T("float32", [4], 1, 2, 3, 4);
    const ctx = { node: "s0", opset: 13, outputs: 2 };
    const parts = HOST_OPS.get("Split")!([x], {}, ctx);
    assert.deepEqual(parts.map((p) => [...p.data]), [[1, 2], [3, 4]]);
    assert.throws(() => run("Split", [x], {}, 13, "s1"), /Split node "s1".*output count/);
  });
});

Deno.test("host ops: bad shapes throw RangeError naming the node, the op and the value", () => {
  const bad: [string, () => unknown, RegExp][] = [
    [
      "MatMul",
      () => run("MatMul", [T("float32", [2, 3]), T("float32", [4, 5])], {}, 13, "mm"),
      /MatMul node "mm".*\[2,3\].*\[4,5\]/,
    ],
    [
      "Reshape",
      () => run("Reshape", [T("float32", [2, 3]), T("int64", [2], 4, -1)], {}, 14, "rs"),
      /Reshape node "rs".*\[4,-1\]/,
    ],
    [
      "Gather",
      () => run("Gather", [T("float32", [3]), T("int64", [1], 5)], {}, 13, "g"),
      /Gather node "g".*index 5/,
    ],
    [
      "Conv",
      () =>
        run(
          "Conv",
          [T("float32", [1, 3, 4, 4]), T("float32", [2, 2, 1, 1])],
          { group: 2 },
          11,
          "cv",
        ),
      /Conv node "cv".*\[1,3,4,4\].*group 2/,
    ],
    [
      "Add",
      () => run("Add", [T("float32", [2, 3]), T("float32", [4])], {}, 14, "ad"),
      /Add node "ad".*\[2,3\] and \[4\]/,
    ],
    [
      "Transpose",
      () => run("Transpose", [T("float32", [2, 3])], { perm: [0, 0] }, 13, "tp"),
      /Transpose node "tp".*\[0,0\]/,
    ],
  ];
  for (const [op, f, re] of bad) {
    assert.throws(f, (e: Error) => e instanceof RangeError && re.test(e.message), op);
  }
});
