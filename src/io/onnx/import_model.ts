/**
 * ONNX import: a decoded ONNX model → a squeeze graph module (no npm import: the runtime
 * entry runs it on its own reader's messages). Initializers and `Constant`
 * nodes are constants; nodes whose inputs are all constant fold on the host; shape
 * subgraphs (`Shape` → `Gather`/`Slice`/`Unsqueeze`/`Concat` → `Reshape`) fold with the
 * batch size symbolic; ONNX nodes with a squeeze layer op become it (`Gemm`/`MatMul`+`Add`
 * → linear, `Conv` → conv2d/dwconv2d, `BatchNormalization`, `LayerNormalization`,
 * activations, residual `Add`, `Flatten`, `Reshape`, `Transpose`, pools, embeddings), so
 * minimization understands them; every other op the host runs becomes a generic node
 * (`graph/onnx_ops.ts`) that minimization keeps whole. The batch axis (axis 0 of every
 * input) stays symbolic unless `batch: "static"`.
 *
 * @module
 */
import type { Backend } from "../../backends/backend.ts";
import { createBackend } from "../../backends/select.ts";
import type { Graph, GraphNode, SymShape } from "../../graph/ir.ts";
import { LAYER_OPS } from "../../graph/layer_ops.ts";
import { genericOutput, unitShape } from "../../graph/onnx_ops.ts";
import { GraphModule } from "../../graph/graph_module.ts";
import { GRAPH_VERSION } from "../../graph/upgrade.ts";
import { Parameter } from "../../nn/parameter.ts";
import type { OnnxAttrs } from "./attributes.ts";
import { attrsOf } from "./node_attrs.ts";
import { fuseGelu, fuseLayerNorm, scalarOf } from "./fuse.ts";
import { fuseAttention } from "./fuse_attention.ts";
import { ELEM_TYPES, type HostTensor } from "./host_tensor.ts";
import { HOST_OPS } from "./host_ops/index.ts";
import { checkGraph, defaultOpset, nodeLabel } from "./onnx_graph.ts";
import {
  num,
  type OnnxModel,
  type OnnxNode as NodeProto,
  type OnnxValueInfo as ValueInfoProto,
} from "./onnx_types.ts";
import { type ExternalReader, fromTensorProto } from "./tensor_proto.ts";
import { emitGeneric, type ImportValue, type MapContext, mapNode } from "./import_layers.ts";

/** Options of {@linkcode importOnnx}. */
export interface OnnxImportOptions {
  /** File name for messages. */
  where?: string;
  /** Backend of the parameters (default: `createBackend("auto")`). */
  backend?: Backend;
  /** `dynamic` (default): axis 0 of every input is the batch; `static`: declared sizes. */
  batch?: "dynamic" | "static";
  /** Sizes of symbolic input axes other than the batch, by `dim_param` name. */
  dims?: Readonly<Record<string, number>>;
  /** Graph inputs bound to constants (they leave the graph's inputs). */
  constants?: Readonly<Record<string, HostTensor>>;
  /** Reads external tensor data (location relative to the model file). */
  external?: ExternalReader;
}

/** What {@linkcode importOnnx} returns. */
export interface OnnxImport {
  /** The model (inference mode). */
  model: GraphModule;
  /** Default-domain opset of the file. */
  opset: number;
  /** Graph inputs: name, ONNX element type, shape (-1 batch). */
  inputs: { name: string; dtype: string; shape: SymShape }[];
  /** Graph outputs by name. */
  outputs: string[];
  /** ONNX op types that became generic (host) nodes, with counts. */
  generic: Record<string, number>;
}

/**
 * Imports a decoded ONNX model (see `import.ts` for bytes). Throws `SyntaxError` naming
 * the file and the node on a malformed model, an unsupported opset, or an op it cannot
 * run (naming the op type and opset).
 *
 * @example
 * ```ts ignore
 * import { importOnnxModel } from "./import_model.ts";
 * const { model } = importOnnxModel(decoded, { where: "mlp.onnx" });
 * ```
 */
export function importOnnxModel(m: OnnxModel, opts: OnnxImportOptions = {}): OnnxImport {
  const where = opts.where ?? "model.onnx";
  if (!m.graph) throw new SyntaxError(`${where}: ONNX model has no graph`);
  const opset = defaultOpset(m, where);
  const g = m.graph!;
  checkGraph(g, where);
  const backend = opts.backend ?? createBackend("auto");
  const values = new Map<string, ImportValue>();
  for (const [i, t] of (g.initializer ?? []).entries()) {
    values.set(t.name ?? "", {
      kind: "const",
      t: fromTensorProto(t, `${where}: initializer ${i} "${t.name}"`, opts.external),
    });
  }
  const nodes: GraphNode[] = [];
  const shapes = new Map<string, SymShape>();
  const params = new Map<string, Parameter>();
  const inputs: OnnxImport["inputs"] = [];
  const graphInputs: Graph["inputs"] = [];
  const consumers = new Map<string, NodeProto[]>();
  for (const n of g.node ?? []) {
    for (const v of n.input ?? []) consumers.set(v, [...(consumers.get(v) ?? []), n]);
  }
  for (const vi of g.input ?? []) {
    const name = vi.name ?? "";
    if (values.has(name)) continue; // an initializer listed as an input (IR < 4)
    const bound = opts.constants?.[name];
    if (bound) {
      values.set(name, { kind: "const", t: bound });
      continue;
    }
    const { dtype, shape } = inputType(vi, where, opts);
    const users = consumers.get(name) ?? [];
    const nhwc = shape.length === 4 && users.length > 0 &&
      users.every((u) => u.opType === "Transpose" && isPerm(u, [0, 3, 1, 2]));
    const axis = nhwc ? 3 : shape.length === 3 ? 2 : 1;
    graphInputs.push({
      name,
      shape,
      ...(axis === 1 ? {} : { channelAxis: axis }),
      ...(dtype === "float32" ? {} : { dtype }),
    });
    inputs.push({ name, dtype, shape });
    shapes.set(name, shape);
    values.set(name, { kind: "run", name, shape, dtype });
  }
  if (graphInputs.length === 0) {
    throw new SyntaxError(`${where}: the graph has no runtime input (everything is constant)`);
  }
  const outputNames = new Set((g.output ?? []).map((o) => o.name ?? ""));
  const scalar = (v: string) => {
    const x = values.get(v) ?? constantNode(g.node ?? [], v, where);
    return x?.kind === "const" ? scalarOf(x.t) : undefined;
  };
  const addConst = (base: string, value: number) => {
    let name = base;
    for (let k = 1; values.has(name); k++) name = `${base}_${k}`;
    values.set(name, {
      kind: "const",
      t: { dtype: "float32", dims: [1], data: Float64Array.of(value) },
    });
    return name;
  };
  const axesOf = (v: string) => {
    const c = values.get(v) ?? constantNode(g.node ?? [], v, where);
    return c?.kind === "const" ? [...c.t.data] : undefined;
  };
  const onnxNodes = fuseLayerNorm(
    fuseGelu(g.node ?? [], scalar, outputNames),
    scalar,
    axesOf,
    addConst,
    outputNames,
  );
  const usedNames = new Set<string>([...shapes.keys()]);
  const generic: Record<string, number> = {};
  const ctx: MapContext = {
    where,
    opset,
    values,
    outputs: outputNames,
    aliased: new Set(),
    consumers,
    producer: (v) => nodes.find((n) => n.name === v),
    setBias(node, b) {
      let pn = b.name;
      for (let k = 1; params.has(pn); k++) pn = `${b.name}_${k}`;
      params.set(pn, Parameter.of(Float32Array.from(b.t.data), b.t.dims, backend));
      node.params.bias = pn;
    },
    emit(name, op, ins, ps, attrs) {
      const lop = LAYER_OPS.get(op)!;
      const psh: Record<string, number[]> = {};
      const roles: Record<string, string> = {};
      for (const [role, t] of Object.entries(ps)) {
        let pn = t.name;
        for (let k = 1; params.has(pn); k++) pn = `${t.name}_${k}`;
        params.set(pn, Parameter.of(Float32Array.from(t.t.data), t.t.dims, backend));
        psh[role] = t.t.dims;
        roles[role] = pn;
      }
      let vn = name;
      for (let k = 1; usedNames.has(vn); k++) vn = `${name}_${k}`;
      usedNames.add(vn);
      const inShapes = ins.map((v) => shapes.get(v)!);
      const out = lop.infer(vn, inShapes, psh, attrs);
      shapes.set(vn, out);
      nodes.push({ name: vn, op, inputs: ins, params: roles, attrs });
      let dtype = "float32";
      if (op === "onnx") dtype = genericOutput(vn, inShapes, psh, attrs).dtype;
      if (op === "onnx_unary") dtype = genericOutput(vn, inShapes.map(unitShape), psh, attrs).dtype;
      return { name: vn, shape: out, dtype };
    },
  };
  for (const [i, n] of onnxNodes.entries()) {
    const label = `${where}: ${nodeLabel(n, i)}`;
    if (n.domain && n.domain !== "ai.onnx") {
      throw new SyntaxError(`${label}: domain "${n.domain}" is not supported`);
    }
    const ins = (n.input ?? []).map((v) => (v === "" ? undefined : values.get(v)));
    const outs = (n.output ?? []).filter((o) => o !== "");
    let attrs: OnnxAttrs;
    try {
      attrs = attrsOf(n, label);
    } catch (e) {
      throw new SyntaxError((e as Error).message);
    }
    try {
      if (n.opType === "Constant") {
        const h = HOST_OPS.get("Constant")!([], attrs, { node: label, opset })[0];
        values.set(outs[0], { kind: "const", t: h });
        continue;
      }
      const allConst = ins.every((v) => v === undefined || v.kind === "const");
      if (allConst && ins.some((v) => v)) {
        const op = HOST_OPS.get(n.opType ?? "");
        if (!op) throw unsupported(label, n, opset);
        const res = op(ins.map((v) => (v?.kind === "const" ? v.t : undefined)), attrs, {
          node: label,
          opset,
          outputs: (n.output ?? []).length,
        });
        outs.forEach((o, k) => res[k] && values.set(o, { kind: "const", t: res[k] }));
        continue;
      }
      const mapped = mapNode(ctx, n, ins, attrs, outs);
      if (mapped) continue;
      if (!HOST_OPS.has(n.opType ?? "")) throw unsupported(label, n, opset);
      emitGeneric(ctx, n, ins, attrs, outs);
    } catch (e) {
      if (e instanceof SyntaxError) throw e;
      throw new SyntaxError(`${label}: ${(e as Error).message}`);
    }
  }
  const outputs = (g.output ?? []).map((o) => {
    const v = values.get(o.name ?? "");
    if (!v || v.kind !== "run") {
      throw new SyntaxError(`${where}: graph output "${o.name}" is a constant, not computed`);
    }
    return v.name;
  });
  // An output that is a graph input, or a value already output, gets a node of its own.
  const seen = new Set<string>();
  outputs.forEach((v, i) => {
    const want = (g.output ?? [])[i].name ?? v;
    if (shapes.has(v) && !graphInputs.some((x) => x.name === v) && !seen.has(v)) {
      seen.add(v);
      return;
    }
    const r = ctx.emit(want, "identity", [v], {}, {});
    outputs[i] = r.name;
    seen.add(r.name);
  });
  const fused = fuseAttention(nodes, outputs);
  const live = liveNodes(fused, outputs);
  const graph: Graph = {
    format: "squeeze.graph",
    version: GRAPH_VERSION,
    name: g.name || where.replace(/^.*\//, "").replace(/\.onnx$/, ""),
    inputs: graphInputs,
    nodes: fused.filter((n) => live.has(n.name)),
    outputs,
    params: {},
  };
  const usedParams = new Map<string, Parameter>();
  for (const n of graph.nodes) {
    for (const pn of Object.values(n.params)) {
      usedParams.set(pn, params.get(pn)!);
      graph.params[pn] = [...params.get(pn)!.shape];
    }
  }
  renameOutputs(graph, (g.output ?? []).map((o) => o.name ?? ""));
  for (const n of graph.nodes) {
    if (n.op !== "onnx" && n.op !== "onnx_unary") continue;
    const t = n.attrs.op_type as string;
    generic[t] = (generic[t] ?? 0) + 1;
  }
  const model = new GraphModule(graph, usedParams);
  model.eval();
  return { model, opset, inputs, outputs: graph.outputs, generic };
}

function unsupported(label: string, n: NodeProto, opset: number): SyntaxError {
  return new SyntaxError(
    `${label}: op type "${n.opType}" (opset ${opset}) is not supported by squeeze's ONNX importer`,
  );
}

function constantNode(nodes: readonly NodeProto[], v: string, where: string) {
  const n = nodes.find((c) => c.opType === "Constant" && c.output?.[0] === v);
  if (!n) return undefined;
  const attrs = attrsOf(n, where);
  const h = HOST_OPS.get("Constant")!([], attrs, { node: v, opset: 13 })[0];
  return { kind: "const" as const, t: h };
}

function isPerm(n: NodeProto, perm: number[]): boolean {
  const a = (n.attribute ?? []).find((x) => x.name === "perm");
  const p = (a?.ints ?? []).map(num);
  return p.length === perm.length && p.every((v, i) => v === perm[i]);
}

function inputType(
  vi: ValueInfoProto,
  where: string,
  opts: OnnxImportOptions,
): { dtype: string; shape: number[] } {
  const name = vi.name ?? "";
  const tt = vi.type?.value.case === "tensorType" ? vi.type.value.value : undefined;
  if (!tt) throw new SyntaxError(`${where}: input "${name}" is not a tensor`);
  const dtype = ELEM_TYPES[tt.elemType ?? 0];
  if (!dtype) throw new SyntaxError(`${where}: input "${name}" has element type ${tt.elemType}`);
  const dims = tt.shape?.dim ?? [];
  const shape = dims.map((d, i) => {
    const batch = i === 0 && opts.batch !== "static";
    if (d.value.case === "dimValue") {
      const v = num(d.value.value);
      if (!Number.isSafeInteger(v) || v < 0 || v > 2 ** 31) {
        throw new SyntaxError(`${where}: input "${name}" axis ${i}: bad size ${v}`);
      }
      return batch ? -1 : v;
    }
    if (batch) return -1;
    const param = d.value.case === "dimParam" ? d.value.value : undefined;
    const given = param ? opts.dims?.[param] : undefined;
    if (given === undefined) {
      throw new SyntaxError(
        `${where}: input "${name}" axis ${i} has no fixed size${
          param ? ` ("${param}")` : ""
        }; give it (dims option, or --dim ${param ?? "NAME"}=SIZE)`,
      );
    }
    return given;
  });
  const per = shape.reduce((p, d) => p * (d === -1 ? 1 : d), 1);
  if (per > 2 ** 28) {
    throw new SyntaxError(
      `${where}: input "${name}" declares [${
        shape.join(",")
      }]: ${per} elements per sample is absurd`,
    );
  }
  if (opts.batch !== "static" && shape.length === 0) {
    throw new SyntaxError(`${where}: input "${name}" is a scalar; it has no batch axis`);
  }
  return { dtype, shape };
}

function liveNodes(nodes: readonly GraphNode[], outputs: readonly string[]): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const live = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    const n = byName.get(v);
    if (!n || live.has(v)) continue;
    live.add(v);
    stack.push(...n.inputs);
  }
  return live;
}

/** Gives graph outputs their ONNX names where the node producing them got another name. */
function renameOutputs(graph: Graph, want: readonly string[]): void {
  graph.outputs.forEach((o, i) => {
    const w = want[i];
    if (
      o === w || graph.nodes.some((n) => n.name === w) || graph.inputs.some((x) => x.name === w)
    ) {
      return;
    }
    for (const n of graph.nodes) {
      if (n.name === o) n.name = w;
      n.inputs = n.inputs.map((v) => (v === o ? w : v));
    }
    graph.outputs[i] = w;
  });
}
