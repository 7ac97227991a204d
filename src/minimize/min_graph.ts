import type { TypedArray } from "../tensor/dtype.ts";
import type { Backend } from "../backends/backend.ts";
import { GraphModule } from "../graph/graph_module.ts";
import type { AttrValue, Graph, GraphNode } from "../graph/ir.ts";
import { Parameter } from "../nn/parameter.ts";
import { firstNonFinite } from "../nn/finite.ts";

/** Attributes of a select keeping `indices` on `axis` (axis 1, the default, is left out). */
function selectAttrs(indices: readonly number[], axis: number): Record<string, AttrValue> {
  return axis === 1 ? { indices: [...indices] } : { indices: [...indices], axis };
}

/** A parameter's elements and shape while minimization rewrites it. */
export interface ParamData {
  /** Axis sizes. */
  shape: number[];
  /** Elements, row-major. */
  data: TypedArray;
}

/** One use of a parameter: a node and the role it fills there. */
export interface ParamUse {
  /** The node. */
  node: GraphNode;
  /** Its parameter role. */
  role: string;
}

/**
 * The mutable working copy minimization rewrites: a graph plus parameter arrays (masks
 * already applied, so masked weights are exact zeros). Rules change it through the
 * helpers here, which keep parameter shapes and the graph's declarations in step. A
 * parameter may be tied (named by several nodes); it is sliced once, never per use.
 */
export class MinGraph {
  /** The graph being rewritten. */
  graph: Graph;
  /** Parameter arrays by name. */
  readonly params: Map<string, ParamData>;
  /** Backend of the source model, for building the result. */
  readonly backend: Backend;

  /** Copies `model` (graph and parameters). */
  constructor(model: GraphModule) {
    this.graph = structuredClone(model.graph);
    this.params = new Map();
    let backend: Backend | null = null;
    for (const [name, p] of model.namedParameters()) {
      const data = p.toArray();
      const i = firstNonFinite(data);
      if (i >= 0) {
        throw new RangeError(
          `minimize: parameter "${name}" holds ${
            data[i]
          } at index ${i}; minimization needs finite weights`,
        );
      }
      this.params.set(name, { shape: [...p.shape], data });
      backend = p.backend;
    }
    if (!backend) throw new RangeError(`minimize: model "${model.graph.name}" has no parameters`);
    this.backend = backend;
  }

  /** The node producing `value`, or undefined for a graph input. */
  producer(value: string): GraphNode | undefined {
    return this.graph.nodes.find((n) => n.name === value);
  }

  /** Nodes reading each value, for every value at once (one pass over the graph). */
  readerMap(): Map<string, GraphNode[]> {
    const m = new Map<string, GraphNode[]>();
    for (const n of this.graph.nodes) {
      for (const v of new Set(n.inputs)) m.set(v, [...(m.get(v) ?? []), n]);
    }
    return m;
  }

  /** Every use of every parameter (a tied parameter has several). */
  paramUses(): Map<string, ParamUse[]> {
    const m = new Map<string, ParamUse[]>();
    for (const node of this.graph.nodes) {
      for (const [role, name] of Object.entries(node.params)) {
        m.set(name, [...(m.get(name) ?? []), { node, role }]);
      }
    }
    return m;
  }

  /** Whether `value` is a graph output. */
  isOutput(value: string): boolean {
    return this.graph.outputs.includes(value);
  }

  /** The parameter of `node` in `role`. */
  param(node: GraphNode, role: string): ParamData | undefined {
    const name = node.params[role];
    return name === undefined ? undefined : this.params.get(name);
  }

  /** Replaces a parameter's contents and shape (and the graph's declaration). */
  setParam(name: string, shape: number[], data: TypedArray): void {
    this.params.set(name, { shape, data });
    this.graph.params[name] = [...shape];
  }

  /** Keeps only entries `keep` along `axis` of parameter `name`. */
  keepAxis(name: string, axis: number, keep: readonly number[]): void {
    const p = this.params.get(name)!;
    const outer = p.shape.slice(0, axis).reduce((a, b) => a * b, 1), n = p.shape[axis];
    const inner = p.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const data = new (p.data.constructor as Float32ArrayConstructor)(outer * keep.length * inner);
    for (let o = 0; o < outer; o++) {
      keep.forEach((c, i) =>
        data.set(
          p.data.subarray((o * n + c) * inner, (o * n + c + 1) * inner),
          (o * keep.length + i) * inner,
        )
      );
    }
    const shape = [...p.shape];
    shape[axis] = keep.length;
    this.setParam(name, shape, data);
  }

  /** A value name not used yet, starting from `base`. */
  freshName(base: string): string {
    const taken = (m: string) =>
      this.graph.nodes.some((q) => q.name === m) || this.graph.inputs.some((q) => q.name === m);
    let name = base;
    for (let i = 1; taken(name); i++) name = `${base}_${i}`;
    return name;
  }

  /**
   * Puts a `select` layer keeping input channels `indices` (on channel axis `axis`) in
   * front of `node`.
   */
  insertSelect(node: GraphNode, indices: readonly number[], axis = 1): void {
    const name = this.freshName(`${node.name}_keep`);
    const sel: GraphNode = {
      name,
      op: "select",
      inputs: [node.inputs[0]],
      params: {},
      attrs: selectAttrs(indices, axis),
    };
    this.graph.nodes.splice(this.graph.nodes.indexOf(node), 0, sel);
    node.inputs = [name, ...node.inputs.slice(1)];
  }

  /**
   * Puts a `select` keeping channels `indices` (on channel axis `axis`) of `value` right
   * after its producer and makes `readers` read it instead. Returns the select node.
   */
  selectAfter(
    value: string,
    indices: readonly number[],
    readers: GraphNode[],
    axis = 1,
  ): GraphNode {
    const sel: GraphNode = {
      name: this.freshName(`${value}_live`),
      op: "select",
      inputs: [value],
      params: {},
      attrs: selectAttrs(indices, axis),
    };
    const at = this.graph.nodes.findIndex((n) => n.name === value);
    this.graph.nodes.splice(at + 1, 0, sel);
    for (const r of readers) r.inputs = r.inputs.map((v) => (v === value ? sel.name : v));
    return sel;
  }

  /** The bias of a dense node, created (zeros) when it has none. */
  ensureBias(node: GraphNode): ParamData {
    const existing = this.param(node, "bias");
    if (existing) return existing;
    const w = this.param(node, "weight")!;
    let name = `${node.name}.bias`;
    for (let i = 1; this.params.has(name); i++) name = `${node.name}.bias_${i}`;
    node.params.bias = name;
    this.setParam(
      name,
      [w.shape[0]],
      new (w.data.constructor as Float32ArrayConstructor)(w.shape[0]),
    );
    return this.params.get(name)!;
  }

  /** Deletes `node` and the parameters no other node names. */
  deleteNode(node: GraphNode): void {
    this.graph.nodes.splice(this.graph.nodes.indexOf(node), 1);
    const used = new Set(this.graph.nodes.flatMap((n) => Object.values(n.params)));
    for (const p of Object.values(node.params)) {
      if (used.has(p)) continue;
      this.params.delete(p);
      delete this.graph.params[p];
    }
  }

  /**
   * Replaces `node` by the value `value` it passes through unchanged: its readers read
   * `value` instead and the node goes; a graph output keeps its name as an `identity`.
   */
  bypass(node: GraphNode, value: string): void {
    if (this.isOutput(node.name)) {
      const params = node.params;
      node.op = "identity";
      node.inputs = [value];
      node.params = {};
      node.attrs = {};
      const used = new Set(this.graph.nodes.flatMap((n) => Object.values(n.params)));
      for (const p of Object.values(params)) {
        if (!used.has(p)) (this.params.delete(p), delete this.graph.params[p]);
      }
      return;
    }
    for (const r of this.graph.nodes) {
      r.inputs = r.inputs.map((v) => (v === node.name ? value : v));
    }
    this.deleteNode(node);
  }

  /** A deep copy (graph and parameter arrays). */
  clone(): MinGraph {
    const c = Object.create(MinGraph.prototype) as MinGraph;
    const params = new Map(
      [...this.params].map(([k, p]) => [k, { shape: [...p.shape], data: p.data.slice() }]),
    );
    Object.assign(c, { graph: structuredClone(this.graph), params, backend: this.backend });
    return c;
  }

  /** A runnable module of the current graph (fresh parameters, no masks, inference mode). */
  toModule(): GraphModule {
    for (const name of Object.keys(this.graph.params)) {
      if (!this.params.has(name)) delete this.graph.params[name];
    }
    const params = new Map<string, Parameter>();
    for (const [name, p] of this.params) {
      if (!(name in this.graph.params)) continue;
      const dtype = p.data instanceof Float64Array ? "float64" : "float32";
      params.set(name, Parameter.of(p.data, p.shape, this.backend, dtype));
    }
    return new GraphModule(structuredClone(this.graph), params).eval();
  }
}
