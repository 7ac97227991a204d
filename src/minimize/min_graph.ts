import type { TypedArray } from "../tensor/dtype.ts";
import type { Backend } from "../backends/backend.ts";
import { GraphModule } from "../graph/graph_module.ts";
import type { Graph, GraphNode, SymShape } from "../graph/ir.ts";
import { validateGraph } from "../graph/validate.ts";
import { Parameter } from "../nn/parameter.ts";

/** A parameter's elements and shape while minimization rewrites it. */
export interface ParamData {
  /** Axis sizes. */
  shape: number[];
  /** Elements, row-major. */
  data: TypedArray;
}

/**
 * The mutable working copy minimization rewrites: a graph plus parameter arrays (masks
 * already applied, so masked weights are exact zeros). Rules change it through the
 * helpers here, which keep parameter shapes and the graph's declarations in step.
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
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) {
          throw new RangeError(
            `minimize: parameter "${name}" holds ${
              data[i]
            } at index ${i}; minimization needs finite weights`,
          );
        }
      }
      this.params.set(name, { shape: [...p.shape], data });
      backend = p.backend;
    }
    if (!backend) throw new RangeError(`minimize: model "${model.graph.name}" has no parameters`);
    this.backend = backend;
  }

  /** Value shapes (validates the graph: every rewrite must leave it well-formed). */
  shapes(): Map<string, SymShape> {
    return validateGraph(this.graph).shapes;
  }

  /** The node producing `value`, or undefined for a graph input. */
  producer(value: string): GraphNode | undefined {
    return this.graph.nodes.find((n) => n.name === value);
  }

  /** Nodes reading `value`. */
  consumers(value: string): GraphNode[] {
    return this.graph.nodes.filter((n) => n.inputs.includes(value));
  }

  /** Nodes reading each value, for every value at once (one pass over the graph). */
  readerMap(): Map<string, GraphNode[]> {
    const m = new Map<string, GraphNode[]>();
    for (const n of this.graph.nodes) {
      for (const v of n.inputs) m.set(v, [...(m.get(v) ?? []), n]);
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

  /** Keeps only entries `keep` along axis 0 of parameter `name` (rows, channels). */
  keepAlong0(name: string, keep: readonly number[]): void {
    const p = this.params.get(name)!;
    const per = p.data.length / p.shape[0];
    const data = new (p.data.constructor as Float32ArrayConstructor)(keep.length * per);
    keep.forEach((r, i) => data.set(p.data.subarray(r * per, (r + 1) * per), i * per));
    this.setParam(name, [keep.length, ...p.shape.slice(1)], data);
  }

  /** Keeps only rows `keep` of a dense node's weight `[O, I, …taps]` and its bias. */
  keepRows(node: GraphNode, keep: readonly number[]): void {
    this.keepAlong0(node.params.weight, keep);
    if (node.params.bias) this.keepAlong0(node.params.bias, keep);
  }

  /** Keeps only columns `keep` (axis 1) of a dense node's weight `[O, I, …taps]`. */
  keepCols(node: GraphNode, keep: readonly number[]): void {
    const w = this.param(node, "weight")!;
    const [o, n] = w.shape, t = w.data.length / (o * n);
    const data = new (w.data.constructor as Float32ArrayConstructor)(o * keep.length * t);
    for (let r = 0; r < o; r++) {
      keep.forEach((c, i) =>
        data.set(
          w.data.subarray((r * n + c) * t, (r * n + c + 1) * t),
          (r * keep.length + i) * t,
        )
      );
    }
    this.setParam(node.params.weight, [o, keep.length, ...w.shape.slice(2)], data);
  }

  /** Puts a `select` layer keeping input channels `indices` in front of `node`. */
  insertSelect(node: GraphNode, indices: readonly number[]): void {
    let name = `${node.name}_keep`;
    const taken = (m: string) =>
      this.graph.nodes.some((q) => q.name === m) || this.graph.inputs.some((q) => q.name === m);
    for (let i = 1; taken(name); i++) name = `${node.name}_keep_${i}`;
    const sel: GraphNode = {
      name,
      op: "select",
      inputs: [node.inputs[0]],
      params: {},
      attrs: { indices: [...indices] },
    };
    this.graph.nodes.splice(this.graph.nodes.indexOf(node), 0, sel);
    node.inputs = [name, ...node.inputs.slice(1)];
  }

  /** The bias of a linear node, created (zeros) when it has none. */
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

  /** A runnable module of the current graph (fresh parameters, no masks). */
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
    return new GraphModule(structuredClone(this.graph), params);
  }
}
