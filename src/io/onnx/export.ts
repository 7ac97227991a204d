/**
 * ONNX export: a squeeze graph module (original, masked or minimized) → an ONNX model
 * (opset 17, IR 8) that any ONNX runtime runs. Input and output names are the graph's,
 * the batch axis is dynamic (`N`), CompensatedLayerNorm and RMSNorm are written as
 * standard ops (`ReduceSum`, `Sub`, `Mul`, `Sqrt`, …), and generic ONNX nodes are
 * written back as they came. Large models put their weights in an external data file.
 *
 * @module
 */
import type { AttrValue, GraphNode, SymShape } from "../../graph/ir.ts";
import type { GraphModule } from "../../graph/graph_module.ts";
import { validateGraph } from "../../graph/validate.ts";
import { genericOutput, unitShape } from "../../graph/onnx_ops.ts";
import { attrFromJson } from "./attributes.ts";
import { elemTypeCode, type HostTensor } from "./host_tensor.ts";
// deno-lint-ignore no-import-prefix -- pinned here so the module runs without an import map
import { create } from "npm:@bufbuild/protobuf@2.17.0";
import { StringStringEntryProtoSchema } from "./_gen/onnx_ml_pb.ts";
import {
  type AttributeInit,
  encodeModelProto,
  type ModelInit,
  type NodeInit,
  type TensorProto,
  tensorValueInfo,
} from "./proto.ts";
import { toTensorProto } from "./tensor_proto_write.ts";

/** The opset exported files declare. */
export const EXPORT_OPSET = 17;

/** Options of {@linkcode exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * Put initializers of 1 KiB or more in an external data file of this name (relative to
   * the model file); set automatically when the weights exceed 1.5 GiB.
   */
  externalData?: string;
  /** The data file's name when the weights go external on their own (> 1.5 GiB). */
  autoExternalName?: string;
  /** Producer name written in the file. */
  producer?: string;
}

/** The exported bytes: the model and, with external data, the data file. */
export interface OnnxExport {
  /** The `.onnx` file. */
  model: Uint8Array;
  /** The external data file (when the weights went external). */
  data?: Uint8Array;
  /** Its name (the `location` the model refers to). */
  dataName?: string;
}

const enc = new TextEncoder();

/** Attributes squeeze's own ops write that ONNX types FLOAT, even when whole numbers. */
const FLOAT_ATTRS = new Set(["epsilon", "momentum", "alpha", "beta"]);

/**
 * An attribute message: of ONNX type `type` where known (a generic node keeps its
 * original types, so `alpha: 1.0` stays FLOAT), else from the value.
 */
function attrOf(name: string, v: unknown, type?: number): AttributeInit {
  const t = type ??
    (typeof v === "number"
      ? (Number.isInteger(v) && !FLOAT_ATTRS.has(name) ? 2 : 1)
      : typeof v === "string"
      ? 3
      : Array.isArray(v)
      ? (v.length > 0 && v.every((e) => typeof e === "string")
        ? 8
        : v.every((e) => Number.isInteger(e))
        ? 7
        : 6)
      : 4);
  switch (t) {
    case 1:
      return { name, type: 1, f: v as number };
    case 2:
      return { name, type: 2, i: BigInt(v as number) };
    case 3:
      return { name, type: 3, s: enc.encode(v as string) };
    case 6:
      return { name, type: 6, floats: v as number[] };
    case 7:
      return { name, type: 7, ints: (v as number[]).map(BigInt) };
    case 8:
      return { name, type: 8, strings: (v as string[]).map((e) => enc.encode(e)) };
    default:
      return { name, type: 4, t: toTensorProto(v as HostTensor, name) };
  }
}

/** Accumulates nodes and initializers with unique names. */
class Writer {
  /** The opset the file declares. */
  opset = EXPORT_OPSET;
  nodes: NodeInit[] = [];
  inits: TensorProto[] = [];
  #names = new Set<string>();
  constructor(taken: Iterable<string>) {
    for (const t of taken) this.#names.add(t);
  }
  fresh(base: string): string {
    let n = base;
    for (let k = 1; this.#names.has(n); k++) n = `${base}_${k}`;
    this.#names.add(n);
    return n;
  }
  init(base: string, t: HostTensor): string {
    const name = this.fresh(base);
    this.inits.push(toTensorProto(t, name));
    return name;
  }
  f32(base: string, dims: number[], data: ArrayLike<number>): string {
    return this.init(base, { dtype: "float32", dims, data: Float64Array.from(data) });
  }
  i64(base: string, data: number[]): string {
    return this.init(base, { dtype: "int64", dims: [data.length], data: Float64Array.from(data) });
  }
  op(type: string, inputs: string[], attrs: Record<string, unknown> = {}, out?: string): string {
    const o = out ?? this.fresh(`${inputs[0] ?? type}.${type}`);
    this.nodes.push({
      opType: type,
      name: this.fresh(`${o}:${type}`),
      input: inputs,
      output: [o],
      attribute: Object.entries(attrs).map(([k, v]) => attrOf(k, v)),
    });
    return o;
  }
}

type P = (role: string) => { name: string; t: HostTensor } | undefined;

/**
 * Exports `model` to ONNX. Every layer op has an ONNX form; a `RangeError` names a node
 * whose form cannot be written (attention with no value channel at all).
 *
 * @example
 * ```ts ignore
 * import { exportOnnx } from "./export.ts";
 * const { model: bytes } = exportOnnx(minimized);
 * await Deno.writeFile("small.onnx", bytes);
 * ```
 */
export function exportOnnx(model: GraphModule, opts: OnnxExportOptions = {}): OnnxExport {
  const { graph, shapes } = validateGraph(model.graph);
  const params = new Map(model.ownParameters());
  const w = new Writer([...shapes.keys(), ...Object.keys(graph.params)]);
  w.opset = Math.max(
    EXPORT_OPSET,
    ...graph.nodes.map((n) => (n.op.startsWith("onnx") ? (n.attrs.opset as number) : 0)),
  );
  const host = new Map<string, HostTensor>();
  const hostOf = (pn: string) => {
    let h = host.get(pn);
    if (!h) {
      const p = params.get(pn)!;
      h = { dtype: "float32", dims: [...p.shape], data: Float64Array.from(p.toArray()) };
      host.set(pn, h);
    }
    return h;
  };
  const written = new Set<string>();
  const paramInit = (pn: string) => {
    if (!written.has(pn)) {
      w.inits.push(toTensorProto(hostOf(pn), pn));
      written.add(pn);
    }
    return pn;
  };
  // Inputs declared as integers (token ids) reach squeeze's own ops through a Cast to
  // float; host nodes and embeddings read them as they are.
  const intInputs = new Map(
    graph.inputs.filter((i) => i.dtype && !i.dtype.startsWith("float")).map((i) => [i.name, ""]),
  );
  const asFloat = (v: string) => {
    if (!intInputs.has(v)) return v;
    if (!intInputs.get(v)) intInputs.set(v, w.op("Cast", [v], { to: 1 }));
    return intInputs.get(v)!;
  };
  for (const n of graph.nodes) {
    const keepsType = n.op === "onnx" || n.op === "onnx_unary" || n.op === "embedding";
    const ins = keepsType ? n.inputs : n.inputs.map(asFloat);
    const p: P = (role) => {
      const pn = n.params[role];
      return pn === undefined ? undefined : { name: pn, t: hostOf(pn) };
    };
    if (ins.some((v) => isEmpty(shapes.get(v)!))) {
      emptyInputNode(w, n, p, shapes, graph.inputs[0].name);
      continue;
    }
    exportNode(w, n, ins, p, paramInit, shapes);
  }
  const valueInfo = (name: string, s: SymShape, dtype = "float32") =>
    tensorValueInfo(name, s, elemTypeCode(dtype));
  const outputType = (o: string) => {
    const n = graph.nodes.find((x) => x.name === o);
    if (!n || (n.op !== "onnx" && n.op !== "onnx_unary")) return "float32";
    const psh = Object.fromEntries(Object.entries(n.params).map(([r, p]) => [r, graph.params[p]]));
    const ins = n.inputs.map((v) => shapes.get(v)!);
    return genericOutput(n.name, n.op === "onnx_unary" ? ins.map(unitShape) : ins, psh, n.attrs)
      .dtype;
  };
  const bytes = w.inits.reduce((s, t) => s + (t.rawData?.length ?? 0), 0);
  const ext = opts.externalData ??
    (bytes > 1.5 * 2 ** 30 ? opts.autoExternalName ?? "model.onnx.data" : undefined);
  let data: Uint8Array | undefined;
  if (ext) {
    const chunks: Uint8Array[] = [];
    let off = 0;
    for (const t of w.inits) {
      const raw = t.rawData!;
      if (raw.length < 1024) continue;
      const pad = (64 - (off % 64)) % 64;
      if (pad) chunks.push(new Uint8Array(pad)), (off += pad);
      t.externalData = [
        create(StringStringEntryProtoSchema, { key: "location", value: ext }),
        create(StringStringEntryProtoSchema, { key: "offset", value: String(off) }),
        create(StringStringEntryProtoSchema, { key: "length", value: String(raw.length) }),
      ];
      t.dataLocation = 1;
      chunks.push(raw);
      off += raw.length;
      t.rawData = new Uint8Array();
    }
    data = new Uint8Array(off);
    let o = 0;
    for (const c of chunks) data.set(c, o), (o += c.length);
  }
  const proto: ModelInit = {
    irVersion: 8n,
    producerName: opts.producer ?? "squeeze",
    opsetImport: [{
      domain: "",
      version: BigInt(w.opset),
    }],
    graph: {
      name: graph.name,
      node: w.nodes,
      initializer: w.inits,
      input: graph.inputs.map((i) => valueInfo(i.name, i.shape, i.dtype)),
      output: graph.outputs.map((o) => valueInfo(o, shapes.get(o)!, outputType(o))),
    },
  };
  return { model: encodeModelProto(proto), data, dataName: ext };
}

/** A value with no elements per sample (every channel removed): never materialized. */
function isEmpty(s: SymShape): boolean {
  return s.slice(1).some((d) => d === 0);
}

/**
 * A node reading a value with no channels left: nothing when its output is empty too; a
 * dense layer's output is its bias (or zeros) expanded to `[N, …]`, the batch size read
 * from the first graph input. ONNX runtimes need not run ops on zero-size tensors.
 */
function emptyInputNode(
  w: Writer,
  n: GraphNode,
  p: P,
  shapes: Map<string, SymShape>,
  input: string,
): void {
  const out = shapes.get(n.name)!;
  if (isEmpty(out)) return;
  if (n.op === "attention") {
    return attentionNode(w, n, n.inputs, shapes);
  }
  if (!["linear", "conv2d", "dwconv2d", "patch_embed"].includes(n.op)) {
    throw new RangeError(
      `exportOnnx: node "${n.name}" (${n.op}) reads a value with no channels but has an output`,
    );
  }
  const axis = n.op === "linear" || n.op === "patch_embed" ? out.length - 1 : 1;
  const c = out[axis];
  const b = p("bias")?.t.data ?? new Float64Array(c);
  const dims = out.map((_, i) => (i === axis ? c : 1));
  dims[0] = 1;
  const bias = w.f32(`${n.name}.constant`, dims, b);
  const batch = w.op("Slice", [
    w.op("Shape", [input]),
    w.i64(`${n.name}.zero`, [0]),
    w.i64(`${n.name}.one`, [1]),
  ]);
  const shape = w.op("Concat", [batch, w.i64(`${n.name}.dims`, out.slice(1) as number[])], {
    axis: 0,
  });
  w.op("Expand", [bias, shape], {}, n.name);
}

/** Broadcast shape of a per-channel vector on `axis` of a rank-`r` value. */
function channelShape(c: number, axis: number, r: number): number[] {
  return Array.from({ length: r - 1 }, (_, i) => (i + 1 === axis ? c : 1));
}

function exportNode(
  w: Writer,
  n: GraphNode,
  ins: string[],
  p: P,
  init: (pn: string) => string,
  shapes: Map<string, SymShape>,
): void {
  const out = n.name, a = n.attrs;
  const xs = shapes.get(ins[0])!;
  const r = xs.length;
  switch (n.op) {
    case "linear": {
      const wt = p("weight")!.t, [o, i] = wt.dims;
      const b = p("bias");
      if (r === 2) {
        const args = [ins[0], init(n.params.weight)];
        if (b) args.push(init(n.params.bias));
        w.op("Gemm", args, { transB: 1 }, out);
        return;
      }
      const t = new Float64Array(o * i);
      for (let a2 = 0; a2 < o; a2++) {
        for (let c = 0; c < i; c++) t[c * o + a2] = wt.data[a2 * i + c];
      }
      const wn = w.init(`${n.params.weight}.T`, { dtype: "float32", dims: [i, o], data: t });
      if (!b) return void w.op("MatMul", [ins[0], wn], {}, out);
      const mm = w.op("MatMul", [ins[0], wn]);
      w.op("Add", [mm, init(n.params.bias)], {}, out);
      return;
    }
    case "conv2d":
    case "dwconv2d": {
      const wt = p("weight")!.t;
      const pad = (a.padding as number | undefined) ?? 0, s = (a.stride as number | undefined) ?? 1;
      const args = [ins[0], init(n.params.weight)];
      if (p("bias")) args.push(init(n.params.bias));
      w.op("Conv", args, {
        kernel_shape: [wt.dims[2], wt.dims[3]],
        pads: [pad, pad, pad, pad],
        strides: [s, s],
        group: n.op === "dwconv2d" ? wt.dims[0] : 1,
      }, out);
      return;
    }
    case "batch_norm":
      w.op(
        "BatchNormalization",
        ["weight", "bias", "running_mean", "running_var"].reduce(
          (l, role) => [...l, init(n.params[role])],
          [ins[0]],
        ),
        {
          epsilon: (a.eps as number | undefined) ?? 1e-5,
          momentum: 1 - ((a.momentum as number | undefined) ?? 0.1),
        },
        out,
      );
      return;
    case "relu":
    case "sigmoid":
    case "tanh":
      w.op({ relu: "Relu", sigmoid: "Sigmoid", tanh: "Tanh" }[n.op]!, [ins[0]], {}, out);
      return;
    case "hardswish":
      w.op("HardSwish", [ins[0]], {}, out);
      return;
    case "silu":
      w.op("Mul", [ins[0], w.op("Sigmoid", [ins[0]])], {}, out);
      return;
    case "gelu": {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const x = ins[0];
      const x3 = w.op("Mul", [x, w.op("Mul", [x, x])]);
      const inner = w.op("Add", [x, w.op("Mul", [x3, w.f32("c0.044715", [], [0.044715])])]);
      const t = w.op("Tanh", [
        w.op("Mul", [inner, w.f32("c_sqrt_2_pi", [], [Math.sqrt(2 / Math.PI)])]),
      ]);
      const one = w.op("Add", [t, w.f32("c1", [], [1])]);
      w.op("Mul", [w.op("Mul", [x, w.f32("c0.5", [], [0.5])]), one], {}, out);
      return;
    }
    case "identity":
    case "dropout":
    case "drop_path":
      w.op("Identity", [ins[0]], {}, out);
      return;
    case "flatten":
      w.op("Flatten", [ins[0]], { axis: 1 }, out);
      return;
    case "select": {
      const axis = (a.axis as number | undefined) ?? 1;
      w.op("Gather", [ins[0], w.i64(`${out}.indices`, a.indices as number[])], { axis }, out);
      return;
    }
    case "add":
      w.op("Add", [ins[0], ins[1]], {}, out);
      return;
    case "max_pool":
    case "avg_pool": {
      const k = (a.kernel as number | undefined) ?? 2;
      w.op(n.op === "max_pool" ? "MaxPool" : "AveragePool", [ins[0]], {
        kernel_shape: [k, k],
        strides: [k, k],
      }, out);
      return;
    }
    case "global_avg_pool":
      w.op("Flatten", [w.op("GlobalAveragePool", [ins[0]])], { axis: 1 }, out);
      return;
    case "scale": {
      const g = p("weight")!.t;
      const s = w.init(`${n.params.weight}.b`, { ...g, dims: channelShape(g.data.length, 1, r) });
      w.op("Mul", [ins[0], s], {}, out);
      return;
    }
    case "permute":
      w.op("Transpose", [ins[0]], { perm: a.perm as number[] }, out);
      return;
    case "reshape":
      w.op("Reshape", [ins[0], w.i64(`${out}.shape`, [0, ...(a.shape as number[])])], {}, out);
      return;
    case "layer_norm":
    case "rms_norm":
      return normNode(w, n, ins[0], p, r, xs);
    case "embedding":
      w.op("Gather", [init(n.params.weight), w.op("Cast", [ins[0]], { to: 7 })], { axis: 0 }, out);
      return;
    case "pos_embed": {
      const t = p("weight")!.t;
      const pe = w.init(`${n.params.weight}.b`, { ...t, dims: [1, ...t.dims] });
      w.op("Add", [ins[0], pe], {}, out);
      return;
    }
    case "token_pool":
      if (a.mode === "first") {
        w.op(
          "Gather",
          [ins[0], w.init(`${out}.first`, { dtype: "int64", dims: [], data: Float64Array.of(0) })],
          { axis: 1 },
          out,
        );
      } else {
        const t = shapes.get(ins[0])![1];
        if (t === -1) {
          // A symbolic length: the mean over the tokens there are (axes an input from 18).
          if (w.opset >= 18) {
            w.op("ReduceMean", [ins[0], w.i64(`${out}.axes`, [1])], { keepdims: 0 }, out);
          } else w.op("ReduceMean", [ins[0]], { axes: [1], keepdims: 0 }, out);
          return;
        }
        const sum = w.op("ReduceSum", [ins[0], w.i64(`${out}.axes`, [1])], { keepdims: 0 });
        w.op("Mul", [sum, w.f32(`${out}.inv_t`, [], [1 / t])], {}, out);
      }
      return;
    case "attention":
      return attentionNode(w, n, ins, shapes);
    case "patch_embed": {
      // Conv with stride = kernel, then [N, C, H', W'] → [N, H'·W', C].
      const wt = p("weight")!.t, k = wt.dims[2];
      const args = [ins[0], init(n.params.weight)];
      if (p("bias")) args.push(init(n.params.bias));
      const y = w.op("Conv", args, { kernel_shape: [k, k], strides: [k, k] });
      const flat = w.op("Reshape", [y, w.i64(`${out}.shape`, [0, wt.dims[0], -1])]);
      w.op("Transpose", [flat], { perm: [0, 2, 1] }, out);
      return;
    }
    case "cls_token": {
      // Token 0 of every sequence: the [1, 1, C] parameter expanded to [N, 1, C].
      const t = p("weight")!.t;
      const tok = w.init(`${n.params.weight}.b`, { ...t, dims: [1, 1, t.data.length] });
      const batch = w.op("Slice", [
        w.op("Shape", [ins[0]]),
        w.i64(`${out}.zero`, [0]),
        w.i64(`${out}.one`, [1]),
      ]);
      const shape = w.op("Concat", [batch, w.i64(`${out}.tail`, [1, t.data.length])], { axis: 0 });
      w.op("Concat", [w.op("Expand", [tok, shape]), ins[0]], { axis: 1 }, out);
      return;
    }
    case "onnx":
    case "onnx_unary":
      return genericNode(w, n, ins, init);
    default:
      throw new RangeError(
        `exportOnnx: node "${n.name}": layer op "${n.op}" has no ONNX export yet`,
      );
  }
}

/** LayerNorm / CompensatedLayerNorm / RMSNorm as standard ops (plain LN as `LayerNormalization`). */
function normNode(w: Writer, n: GraphNode, x: string, p: P, r: number, xs: SymShape): void {
  const a = n.attrs, out = n.name;
  const axis = (a.axis as number | undefined) ?? 1;
  const c = xs[axis];
  const width = (a.width as number | undefined) ?? c;
  const eps = (a.eps as number | undefined) ?? 1e-6;
  const outputs = a.outputs as number[] | undefined;
  const g = p("weight")!, b = p("bias");
  const plain = n.op === "layer_norm" && width === c && !outputs && axis === r - 1;
  if (plain) {
    w.op("LayerNormalization", [x, w.init(g.name, g.t), w.init(b!.name, b!.t)], {
      axis: -1,
      epsilon: eps,
    }, out);
    return;
  }
  const axes = w.i64(`${out}.axes`, [axis]);
  const inv = w.f32(`${out}.inv_width`, [], [1 / width]);
  const vecShape = channelShape(g.t.data.length, axis, r);
  let y: string;
  if (n.op === "rms_norm") {
    const s2 = (a.s2 as number | undefined) ?? 0;
    const q = w.op("ReduceSum", [w.op("Mul", [x, x]), axes], { keepdims: 1 });
    const ms = w.op("Mul", [w.op("Add", [q, w.f32(`${out}.s2`, [], [s2])]), inv]);
    const rstd = w.op("Reciprocal", [
      w.op("Sqrt", [w.op("Add", [ms, w.f32(`${out}.eps`, [], [eps])])]),
    ]);
    y = w.op("Mul", [x, rstd]);
  } else {
    const rem = width - c,
      kbar = (a.kbar as number | undefined) ?? 0,
      m2 = (a.m2 as number | undefined) ?? 0;
    const s1 = w.op("ReduceSum", [x, axes], { keepdims: 1 });
    const mean = w.op("Mul", [w.op("Add", [s1, w.f32(`${out}.rk`, [], [rem * kbar])]), inv]);
    const d = w.op("Sub", [x, mean]);
    let q = w.op("ReduceSum", [w.op("Mul", [d, d]), axes], { keepdims: 1 });
    if (rem > 0) {
      const e = w.op("Sub", [w.f32(`${out}.kbar`, [], [kbar]), mean]);
      const extra = w.op("Add", [
        w.op("Mul", [w.op("Mul", [e, e]), w.f32(`${out}.r`, [], [rem])]),
        w.f32(`${out}.m2`, [], [m2]),
      ]);
      q = w.op("Add", [q, extra]);
    }
    const v = w.op("Mul", [q, inv]);
    const rstd = w.op("Reciprocal", [
      w.op("Sqrt", [w.op("Add", [v, w.f32(`${out}.eps`, [], [eps])])]),
    ]);
    y = w.op("Mul", [d, rstd]);
  }
  if (outputs) y = w.op("Gather", [y, w.i64(`${out}.outputs`, outputs)], { axis });
  const gn = w.init(g.name, { ...g.t, dims: vecShape });
  if (!b) return void w.op("Mul", [y, gn], {}, out);
  const bn = w.init(b.name, { ...b.t, dims: vecShape });
  w.op("Add", [w.op("Mul", [y, gn]), bn], {}, out);
}

/**
 * Multi-head attention as standard ops, head by head: `Slice` the head's query, key and
 * value channels, `softmax(scale · q kᵀ (+ causal mask)) v`, `Concat` the heads. A head
 * of query/key width 0 attends uniformly (zero scores); one of value width 0 adds nothing.
 */
function attentionNode(
  w: Writer,
  n: GraphNode,
  ins: string[],
  shapes: Map<string, SymShape>,
): void {
  const qk = n.attrs.qk as number[], vw = n.attrs.v as number[];
  const scale = n.attrs.scale as number, causal = !!n.attrs.causal;
  const [q, k, v] = ins;
  const t = shapes.get(q)![1], s = shapes.get(k)![1];
  const axis2 = w.i64(`${n.name}.axis2`, [2]);
  const slice = (x: string, from: number, width: number) =>
    w.op("Slice", [
      x,
      w.i64(`${n.name}.start`, [from]),
      w.i64(`${n.name}.end`, [from + width]),
      axis2,
    ]);
  let mask: string | undefined;
  if (causal) {
    if (t < 0 || s < 0) {
      throw new RangeError(
        `exportOnnx: node "${n.name}": a causal mask over a symbolic sequence length is not written yet; import with fixed sizes (dims option)`,
      );
    }
    const m = new Float64Array(t * s);
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < s; j++) {
        m[i * s + j] = j > i + (s - t) ? -Infinity : 0;
      }
    }
    mask = w.f32(`${n.name}.causal_mask`, [t, s], m);
  }
  const heads: string[] = [];
  let qo = 0, vo = 0;
  qk.forEach((dq, h) => {
    const dv = vw[h];
    if (dv > 0) {
      let scores: string;
      if (dq > 0) {
        const kt = w.op("Transpose", [slice(k, qo, dq)], { perm: [0, 2, 1] });
        scores = w.op("Mul", [
          w.op("MatMul", [slice(q, qo, dq), kt]),
          w.f32(`${n.name}.scale`, [], [scale]),
        ]);
      } else {
        // Zero scores [B,T,S] (no query/key channels), the batch size read from the values.
        const batch = w.op("Slice", [
          w.op("Shape", [v]),
          w.i64(`${n.name}.zero`, [0]),
          w.i64(`${n.name}.one`, [1]),
        ]);
        const zeros = (len: number) =>
          w.op("Expand", [
            w.f32(`${n.name}.zeros`, [1, len, 1], new Float64Array(len)),
            w.op("Concat", [batch, w.i64(`${n.name}.dims`, [len, 1])], { axis: 0 }),
          ]);
        scores = w.op("MatMul", [zeros(t), w.op("Transpose", [zeros(s)], { perm: [0, 2, 1] })]);
      }
      if (mask) scores = w.op("Add", [scores, mask]);
      heads.push(w.op("MatMul", [w.op("Softmax", [scores], { axis: -1 }), slice(v, vo, dv)]));
    }
    qo += dq;
    vo += dv;
  });
  if (heads.length === 0) {
    throw new RangeError(`exportOnnx: node "${n.name}": attention with no value channels`);
  }
  if (heads.length === 1) w.op("Identity", heads, {}, n.name);
  else w.op("Concat", heads, { axis: 2 }, n.name);
}

/**
 * ONNX ops whose signature or semantics changed between opset 9 and 17, with the opset of
 * the last change: a generic node read at an older opset is not written at 17 as it is.
 */
const CHANGED_BY: Readonly<Record<string, number>> = {
  Slice: 10,
  TopK: 10,
  Clip: 11,
  Pad: 11,
  Dropout: 12,
  Unsqueeze: 13,
  Squeeze: 13,
  Split: 13,
  ReduceSum: 13,
  Softmax: 13,
  LogSoftmax: 13,
  Hardmax: 13,
  Resize: 13,
  Upsample: 99,
};

/** A generic ONNX node written back: operands in order, inline constants as initializers. */
function genericNode(w: Writer, n: GraphNode, ins: string[], init: (pn: string) => string): void {
  const a = n.attrs;
  const operands = (a.operands as AttrValue[]).map((o, i) => {
    if (o === null) return "";
    if (typeof o === "string") return o[0] === "x" ? ins[Number(o.slice(1))] : init(n.params[o]);
    return w.init(`${n.name}.in${i}`, attrFromJson(o) as HostTensor);
  });
  while (operands.length && operands.at(-1) === "") operands.pop();
  const attrs = Object.fromEntries(
    Object.entries((a.onnx ?? {}) as Record<string, AttrValue>).map((
      [k, v],
    ) => [k, attrFromJson(v)]),
  );
  const type = a.op_type as string;
  if ((a.opset as number) < (CHANGED_BY[type] ?? 0)) {
    throw new RangeError(
      `exportOnnx: node "${n.name}": ONNX ${type} read at opset ${a.opset} changed by opset ${
        CHANGED_BY[type]
      }; squeeze does not convert it to opset ${EXPORT_OPSET} yet`,
    );
  }
  if (type === "Gelu" && (a.opset as number) < 20) {
    // The fused form of a decomposed GELU: written back as x · 0.5 · (1 + erf(x / √2)).
    const x = operands[0];
    const e = w.op("Erf", [w.op("Div", [x, w.f32(`${n.name}.sqrt2`, [], [Math.SQRT2])])]);
    const one = w.op("Add", [e, w.f32(`${n.name}.one`, [], [1])]);
    w.op("Mul", [w.op("Mul", [x, one]), w.f32(`${n.name}.half`, [], [0.5])], {}, n.name);
    return;
  }
  const k = (a.output as number | undefined) ?? 0;
  const outs = Array.from(
    { length: k + 1 },
    (_, j) => (j === k ? n.name : w.fresh(`${n.name}.out${j}`)),
  );
  w.nodes.push({
    opType: type,
    name: w.fresh(`${n.name}:${type}`),
    input: operands,
    output: outs,
    attribute: Object.entries(attrs).map(([key, v]) =>
      attrOf(key, v, (a.onnx_types as Record<string, number> | undefined)?.[key])
    ),
  });
}
