/**
 * How ONNX nodes become squeeze layer ops during import (`import.ts`): the mapping of
 * each op that has a layer of its own, the folding of shape computations with a
 * symbolic batch size, and the generic host node for everything else.
 *
 * @module
 */
import type { AttrValue, GraphNode, SymShape } from "../../graph/ir.ts";
import { attrToJson, type OnnxAttrs } from "./attributes.ts";
import type { HostTensor } from "./host_tensor.ts";
import { HOST_OPS } from "./host_ops/index.ts";
import type { OnnxNode as NodeProto } from "./onnx_types.ts";

/** A constant destined to be a parameter: its ONNX name and value. */
export interface NamedConst {
  /** Initializer name (the parameter's name). */
  name: string;
  /** Value. */
  t: HostTensor;
}

/** What the layer mappings need from the importer. */
export interface MapContext {
  /** File name for messages. */
  where: string;
  /** Default-domain opset. */
  opset: number;
  /** ONNX value name → value. */
  values: Map<string, ImportValue>;
  /** Graph output names (values that must stay). */
  outputs: ReadonlySet<string>;
  /** Graph values that other ONNX names alias (Identity, Dropout, …): readers not all counted. */
  aliased: Set<string>;
  /** ONNX value name → the nodes reading it. */
  consumers: ReadonlyMap<string, readonly NodeProto[]>;
  /** The graph node producing a value (for bias folding), if any. */
  producer(value: string): GraphNode | undefined;
  /** Sets a node's bias parameter (it had none). */
  setBias(node: GraphNode, bias: NamedConst): void;
  /** Adds a graph node; returns its value name, shape and element type. */
  emit(
    name: string,
    op: string,
    inputs: string[],
    params: Record<string, NamedConst>,
    attrs: Record<string, AttrValue>,
  ): { name: string; shape: SymShape; dtype: string };
}

/** A value during import: a constant, or a runtime value of the graph being built. */
export type ImportValue =
  | { kind: "const"; t: HostTensor }
  | {
    kind: "run";
    /** Graph value name. */
    name: string;
    shape: SymShape;
    dtype: string;
    /** For int vectors computed from shapes: entries, with "N" for the batch size. */
    sym?: (number | "N")[];
    /** The ONNX value name of the same value without its trailing 1×1 axes (pooled). */
    flat?: string;
  };

/** Emits a generic node per used output of `n`. */
export function emitGeneric(
  ctx: MapContext,
  n: NodeProto,
  ins: readonly (ImportValue | undefined)[],
  attrs: OnnxAttrs,
  outs: readonly string[],
  unary = false,
): void {
  const runtime: string[] = [];
  const dtypes: string[] = [];
  const syms: Record<string, AttrValue> = {};
  const ps: Record<string, { name: string; t: HostTensor }> = {};
  let nparams = 0;
  const operands: AttrValue[] = ins.map((v, i) => {
    if (!v) return null;
    if (v.kind === "run") {
      runtime.push(v.name);
      dtypes.push(v.dtype);
      if (v.sym) syms[runtime.length - 1] = v.sym;
      return `x${runtime.length - 1}`;
    }
    const big = v.t.dtype.startsWith("float") && v.t.data.length > 64 && nparams < 8;
    if (!big) return attrToJson(v.t);
    const role = `p${nparams++}`;
    ps[role] = { name: n.input![i], t: v.t };
    return role;
  });
  const onnx = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, attrToJson(v)]));
  // The ONNX attribute types, so export writes `alpha: 1.0` back as FLOAT, not INT.
  const onnxTypes = Object.fromEntries((n.attribute ?? []).map((a) => [a.name, a.type]));
  const all = n.output ?? [];
  for (const o of outs) {
    const r = ctx.emit(o, unary ? "onnx_unary" : "onnx", runtime, ps, {
      op_type: n.opType ?? "",
      opset: ctx.opset,
      outputs: all.length,
      onnx,
      onnx_types: onnxTypes,
      operands,
      dtypes,
      ...(Object.keys(syms).length ? { syms } : {}),
      output: all.indexOf(o),
    });
    ctx.values.set(o, { kind: "run", name: r.name, shape: r.shape, dtype: r.dtype });
  }
}

const UNARY = new Set([
  "Abs",
  "Acos",
  "Asin",
  "Atan",
  "Ceil",
  "Celu",
  "Clip",
  "Cos",
  "Cosh",
  "Elu",
  "Erf",
  "Exp",
  "Floor",
  "Gelu",
  "HardSigmoid",
  "LeakyRelu",
  "Log",
  "Mish",
  "Neg",
  "Reciprocal",
  "Round",
  "Selu",
  "Sign",
  "Sin",
  "Sinh",
  "Softplus",
  "Softsign",
  "Sqrt",
  "Tan",
  "ThresholdedRelu",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Max",
  "Min",
]);
const ACTIVATIONS: Record<string, string> = {
  Relu: "relu",
  Sigmoid: "sigmoid",
  Tanh: "tanh",
  HardSwish: "hardswish",
};
const S1 = 1000003, S2 = 1000033;

type Run = Extract<ImportValue, { kind: "run" }>;
const isRun = (v: ImportValue | undefined): v is Run => v?.kind === "run";
const ints = (a: OnnxAttrs, k: string, d: number[]): number[] =>
  (a[k] as number[] | undefined) ?? d;
const int = (a: OnnxAttrs, k: string, d: number): number => (a[k] as number | undefined) ?? d;
const transpose2 = (t: HostTensor): HostTensor => {
  const [r, c] = t.dims, out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { dtype: t.dtype, dims: [c, r], data: out };
};
const vec = (t: HostTensor): HostTensor => ({ ...t, dims: [t.data.length] });

/**
 * Folds a node whose inputs are constants or shape vectors holding the batch size "N":
 * runs it with N = two sentinels; entries that agree are constants, entries equal to the
 * sentinel are N. Returns the folded value, or undefined when the batch size mixes in.
 */
function foldSymbolic(
  ctx: MapContext,
  n: NodeProto,
  ins: readonly (ImportValue | undefined)[],
  attrs: OnnxAttrs,
  label: string,
): { t?: HostTensor; sym?: (number | "N")[] } | undefined {
  const op = HOST_OPS.get(n.opType ?? "");
  if (!op || (n.output ?? []).length !== 1) return undefined;
  const at = (s: number) =>
    ins.map((v) => {
      if (!v) return undefined;
      if (v.kind === "const") return v.t;
      const data = Float64Array.from(v.sym!, (e) => (e === "N" ? s : e));
      return { dtype: v.dtype, dims: [...v.shape], data } as HostTensor;
    });
  const c = { node: label, opset: ctx.opset, outputs: (n.output ?? []).length };
  const a = op(at(S1), attrs, c)[0];
  const b = op(at(S2), attrs, c)[0];
  if (!a || a.dims.join() !== b.dims.join() || a.data.length > 64) return undefined;
  const sym: (number | "N")[] = [];
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] === b.data[i]) sym.push(a.data[i]);
    else if (a.data[i] === S1 && b.data[i] === S2) sym.push("N");
    else return undefined;
  }
  return sym.includes("N") ? { sym } : { t: a };
}

/**
 * Maps `n` to layer ops when it has one (or folds it); false leaves it to the generic
 * node. Throws `RangeError` on a node it recognizes but whose form it cannot express.
 */
export function mapNode(
  ctx: MapContext,
  n: NodeProto,
  ins: readonly (ImportValue | undefined)[],
  attrs: OnnxAttrs,
  outs: readonly string[],
): boolean {
  const type = n.opType ?? "";
  const [x] = ins;
  const out = outs[0];
  const label = `${ctx.where}: node "${n.name || out}" (${type})`;
  const set = (v: ImportValue) => ctx.values.set(out, v);
  /** `out` names the same graph value as `v` (its readers are `v`'s too: no bias folds into it). */
  const alias = (v: ImportValue) => {
    if (v.kind === "run") ctx.aliased.add(v.name);
    set(v);
  };
  const emitRun = (
    op: string,
    inputs: string[],
    ps: Record<string, NamedConst>,
    a: Record<string, AttrValue>,
  ) => {
    const r = ctx.emit(out, op, inputs, ps, a);
    set({ kind: "run", name: r.name, shape: r.shape, dtype: r.dtype });
    return r;
  };
  const cst = (
    i: number,
  ):
    | HostTensor
    | undefined => (ins[i]?.kind === "const" ? (ins[i] as { t: HostTensor }).t : undefined);
  const pname = (i: number) => n.input![i];

  // Shape arithmetic with a symbolic batch size.
  if (ins.some((v) => isRun(v) && v.sym) && ins.every((v) => !v || v.kind === "const" || v.sym)) {
    const f = foldSymbolic(ctx, n, ins, attrs, label);
    if (f?.t) return set({ kind: "const", t: f.t }), true;
    if (f?.sym) {
      emitGeneric(ctx, n, ins, attrs, outs);
      (ctx.values.get(out) as Run).sym = f.sym;
      return true;
    }
  }
  if (!isRun(x) && type !== "Gather" && type !== "Add") return false;
  switch (type) {
    case "Identity":
      return alias(x!), true;
    case "Dropout":
      if (outs.length > 1 || (ins[2] && !(cst(2)?.data[0] === 0))) return false;
      return alias(x!), true;
    case "Shape": {
      const xs = (x as Run).shape;
      emitGeneric(ctx, n, ins, attrs, outs);
      const start = int(attrs, "start", 0), end = int(attrs, "end", xs.length);
      const sym = xs.map((d) => (d === -1 ? "N" as const : d)).slice(start, end);
      if (!sym.includes("N") && !ctx.outputs.has(out)) {
        return set({
          kind: "const",
          t: { dtype: "int64", dims: [sym.length], data: Float64Array.from(sym as number[]) },
        }),
          true;
      }
      (ctx.values.get(out) as Run).sym = sym;
      return true;
    }
    case "Flatten": {
      const xr = x as Run;
      if (int(attrs, "axis", 1) !== 1 || xr.shape.length < 2) return false;
      if (xr.flat) return alias(ctx.values.get(xr.flat)!), true;
      if (xr.shape.length === 2) return alias(xr), true;
      return emitRun("flatten", [xr.name], {}, {}), true;
    }
    case "Reshape":
      return reshapeNode(ctx, n, ins, attrs, emitRun);
    case "Transpose": {
      const xr = x as Run;
      const perm = ints(attrs, "perm", xr.shape.map((_, i) => xr.shape.length - 1 - i));
      if (perm[0] !== 0 || xr.shape.length < 2) return false;
      if (perm.every((p, i) => p === i)) return alias(xr), true;
      return emitRun("permute", [xr.name], {}, { perm }), true;
    }
    case "Relu":
    case "Sigmoid":
    case "Tanh":
    case "HardSwish":
      return emitRun(ACTIVATIONS[type], [(x as Run).name], {}, {}), true;
    case "Gelu":
      if (attrs.approximate === "tanh") return emitRun("gelu", [(x as Run).name], {}, {}), true;
      break;
    case "Add": {
      const [a, b] = ins;
      if (isRun(a) && isRun(b) && a.shape.join() === b.shape.join() && a.shape.length >= 2) {
        return emitRun("add", [a.name, b.name], {}, {}), true;
      }
      const run = isRun(a) ? a : isRun(b) ? b : undefined;
      const c = isRun(a) ? cst(1) : cst(0);
      if (run && c && foldBias(ctx, run, c, isRun(a) ? pname(1) : pname(0))) {
        return set({ ...run }), true;
      }
      break;
    }
    case "MatMul": {
      const w = cst(1), xr = x as Run;
      if (!w || w.dims.length !== 2 || xr.shape.length < 2) return false;
      return emitRun("linear", [xr.name], { weight: { name: pname(1), t: transpose2(w) } }, {}),
        true;
    }
    case "Gemm": {
      const b = cst(1), c = ins[2] ? cst(2) : undefined, xr = x as Run;
      if (!b || b.dims.length !== 2 || xr.shape.length !== 2) return false;
      if ((attrs.alpha ?? 1) !== 1 || (attrs.beta ?? 1) !== 1 || int(attrs, "transA", 0)) {
        return false;
      }
      if (ins[2] && !c) return false;
      const w = int(attrs, "transB", 0) ? b : transpose2(b);
      if (c && c.data.length !== w.dims[0]) return false;
      const ps: Record<string, NamedConst> = { weight: { name: pname(1), t: w } };
      if (c) ps.bias = { name: pname(2), t: vec(c) };
      return emitRun("linear", [xr.name], ps, {}), true;
    }
    case "Conv":
      return convNode(ctx, n, ins, attrs, emitRun);
    case "BatchNormalization": {
      const xr = x as Run;
      const p = [1, 2, 3, 4].map(cst);
      if (
        outs.length > 1 || p.some((t) => !t) || xr.shape.length < 2 ||
        int(attrs, "training_mode", 0)
      ) return false;
      const [g, b, mean, v] = p as HostTensor[];
      return emitRun("batch_norm", [xr.name], {
        weight: { name: pname(1), t: g },
        bias: { name: pname(2), t: b },
        running_mean: { name: pname(3), t: mean },
        running_var: { name: pname(4), t: v },
      }, {
        eps: (attrs.epsilon as number | undefined) ?? 1e-5,
        momentum: 1 - ((attrs.momentum as number | undefined) ?? 0.9),
      }),
        true;
    }
    case "LayerNormalization": {
      const xr = x as Run, r = xr.shape.length;
      const axis = int(attrs, "axis", -1);
      const c = xr.shape[r - 1];
      const full = (t: HostTensor | undefined) =>
        t && t.data.length === 1
          ? { ...t, dims: [c], data: new Float64Array(c).fill(t.data[0]) }
          : t;
      const g = full(cst(1));
      if (
        outs.length > 1 || (axis !== -1 && axis !== r - 1) || r < 2 || !g || g.data.length !== c
      ) return false;
      const b = ins[2] ? full(cst(2)) : { dtype: "float32", dims: [c], data: new Float64Array(c) };
      if (!b || b.data.length !== c) return false;
      return emitRun("layer_norm", [xr.name], {
        weight: { name: pname(1), t: vec(g) },
        bias: { name: ins[2] ? pname(2) : `${out}.bias`, t: vec(b) },
      }, { eps: (attrs.epsilon as number | undefined) ?? 1e-5, axis: r - 1, width: c }),
        true;
    }
    case "GlobalAveragePool": {
      const xr = x as Run;
      if (xr.shape.length !== 4) return false;
      const gap = ctx.emit(`${out}.pooled`, "global_avg_pool", [xr.name], {}, {});
      ctx.values.set(`${out}.pooled`, {
        kind: "run",
        name: gap.name,
        shape: gap.shape,
        dtype: "float32",
      });
      const r = ctx.emit(out, "reshape", [gap.name], {}, { shape: [xr.shape[1], 1, 1] });
      set({ kind: "run", name: r.name, shape: r.shape, dtype: "float32", flat: `${out}.pooled` });
      return true;
    }
    case "MaxPool":
    case "AveragePool": {
      const xr = x as Run, k = ints(attrs, "kernel_shape", []);
      const ok = xr.shape.length === 4 && k.length === 2 && k[0] === k[1] &&
        ints(attrs, "strides", [1, 1]).every((s) => s === k[0]) &&
        ints(attrs, "pads", [0, 0, 0, 0]).every((p) => p === 0) &&
        ints(attrs, "dilations", [1, 1]).every((d) => d === 1) && !int(attrs, "ceil_mode", 0) &&
        ((attrs.auto_pad as string | undefined) ?? "NOTSET") === "NOTSET" && outs.length === 1;
      if (!ok) return false;
      return emitRun(type === "MaxPool" ? "max_pool" : "avg_pool", [xr.name], {}, { kernel: k[0] }),
        true;
    }
    case "ReduceMean": {
      // The mean over tokens of a [B, T, C] stream (axes attribute, or input from opset 18).
      const xr = x as Run;
      const axes = (attrs.axes as number[] | undefined) ??
        (ins[1] ? [...(cst(1)?.data ?? [])] : []);
      const ax = axes.map((a) => (a < 0 ? a + xr.shape.length : a));
      if (xr.shape.length !== 3 || ax.length !== 1 || ax[0] !== 1 || int(attrs, "keepdims", 1)) {
        break;
      }
      return emitRun("token_pool", [xr.name], {}, { mode: "mean" }), true;
    }
    case "Gather": {
      const table = cst(0), ids = ins[1];
      if (
        !table || !isRun(ids) || table.dims.length !== 2 || int(attrs, "axis", 0) !== 0 ||
        ids.shape.length !== 2
      ) return false;
      return emitRun("embedding", [ids.name], { weight: { name: pname(0), t: table } }, {}), true;
    }
  }
  // Elementwise with scalar constants: channelwise, folds constants.
  if (UNARY.has(type)) {
    const runs = ins.filter(isRun);
    const consts = ins.filter((v) => v?.kind === "const") as { t: HostTensor }[];
    if (
      runs.length === 1 && (runs[0].shape.length >= 2) && consts.every((c) =>
        c.t.data.length === 1 && c.t.dims.length <= runs[0].shape.length
      ) && outs.length === 1
    ) {
      emitGeneric(ctx, n, ins, attrs, outs, true);
      return true;
    }
  }
  return false;
}

/** A bias add after a bias-less linear or convolution folds into it. */
function foldBias(ctx: MapContext, run: Run, c: HostTensor, name: string): boolean {
  const node = ctx.producer(run.name);
  if (!node || node.params.bias || !["linear", "conv2d", "dwconv2d"].includes(node.op)) {
    return false;
  }
  const width = node.op === "linear" ? run.shape[run.shape.length - 1] : run.shape[1];
  const ones = c.dims.filter((d) => d !== 1).length;
  const okShape = node.op === "linear"
    ? c.dims.length <= run.shape.length && c.dims.at(-1) === width && ones <= 1
    : c.dims.length === 3 && c.dims[0] === width && c.dims[1] === 1 && c.dims[2] === 1 ||
      c.dims.length === 4 && c.dims[0] === 1 && c.dims[1] === width && c.dims[2] === 1 &&
        c.dims[3] === 1;
  if (!okShape || c.data.length !== width) return false;
  if (
    (ctx.consumers.get(run.name) ?? []).length !== 1 || ctx.outputs.has(run.name) ||
    ctx.aliased.has(run.name)
  ) return false;
  ctx.setBias(node, { name, t: vec(c) });
  return true;
}

type EmitRun = (
  op: string,
  inputs: string[],
  ps: Record<string, NamedConst>,
  a: Record<string, AttrValue>,
) => unknown;

function reshapeNode(
  _ctx: MapContext,
  _n: NodeProto,
  ins: readonly (ImportValue | undefined)[],
  attrs: OnnxAttrs,
  emitRun: EmitRun,
): boolean {
  const [x, s] = ins as [Run, ImportValue | undefined];
  if (!s) return false;
  let target: (number | "N")[];
  if (s.kind === "const") target = [...s.t.data];
  else if (s.sym) target = [...s.sym];
  else return false;
  const allowzero = int(attrs, "allowzero", 0);
  target = target.map((
    d,
    i,
  ) => (d === 0 && !allowzero ? (x.shape[i] === -1 ? "N" : x.shape[i]) : d));
  const rest = target.slice(1);
  if (rest.includes("N")) return false;
  const size = x.shape.slice(1).reduce((p, q) => p * q, 1);
  const batchFirst = target[0] === "N" ||
    (x.shape[0] === -1 && target[0] === -1 && !rest.includes(-1) &&
      (rest as number[]).reduce((p, q) => p * q, 1) === size) ||
    (x.shape[0] !== -1 && target[0] === x.shape[0]);
  if (!batchFirst || rest.length === 0) return false;
  return emitRun("reshape", [x.name], {}, { shape: rest as number[] }), true;
}

function convNode(
  _ctx: MapContext,
  n: NodeProto,
  ins: readonly (ImportValue | undefined)[],
  attrs: OnnxAttrs,
  emitRun: EmitRun,
): boolean {
  const x = ins[0] as Run;
  const w = ins[1]?.kind === "const" ? ins[1].t : undefined;
  const b = ins[2] ? (ins[2].kind === "const" ? ins[2].t : undefined) : null;
  if (!w || w.dims.length !== 4 || x.shape.length !== 4 || b === undefined) return false;
  const pads = ints(attrs, "pads", [0, 0, 0, 0]);
  const strides = ints(attrs, "strides", [1, 1]);
  const group = int(attrs, "group", 1);
  const autoPad = (attrs.auto_pad as string | undefined) ?? "NOTSET";
  const ok = (autoPad === "NOTSET" || (autoPad === "VALID" && pads.every((p) => p === 0))) &&
    pads.every((p) => p === pads[0]) && strides[0] === strides[1] &&
    ints(attrs, "dilations", [1, 1]).every((d) => d === 1);
  if (!ok) return false;
  const c = x.shape[1];
  const ps: Record<string, NamedConst> = { weight: { name: n.input![1], t: w } };
  if (b) ps.bias = { name: n.input![2], t: vec(b) };
  const a = { stride: strides[0], padding: pads[0] };
  if (group === 1 && w.dims[1] === c) return emitRun("conv2d", [x.name], ps, a), true;
  if (group === c && w.dims[0] === c && w.dims[1] === 1) {
    return emitRun("dwconv2d", [x.name], ps, a), true;
  }
  return false;
}
