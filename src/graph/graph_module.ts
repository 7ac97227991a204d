import type { Tensor } from "../tensor/tensor.ts";
import { formatShape, sameShape } from "../tensor/shape.ts";
import { Module } from "../nn/module.ts";
import { Parameter } from "../nn/parameter.ts";
import type { GraphBuilder } from "./builder.ts";
import type { Graph } from "./ir.ts";
import { LAYER_OPS } from "./layer_ops.ts";
import { Rng } from "../tensor/random.ts";
import { validateGraph } from "./validate.ts";

/**
 * A module that runs a graph IR with its parameters: what `fromGraph` and `loadModel`
 * return. Any graph the layer-op table can express runs here, including the rewritten
 * graphs that minimization produces.
 */
export class GraphModule extends Module {
  /** The validated graph. */
  readonly graph: Graph;
  readonly #params: Map<string, Parameter>;
  /** Generator of the random layers (dropout, stochastic depth) in training mode. */
  rng: Rng = new Rng(0);

  /** Validates `graph` and checks that `params` matches its declared shapes. */
  constructor(graph: Graph, params: Map<string, Parameter>) {
    super();
    this.graph = validateGraph(graph).graph;
    for (const [name, shape] of Object.entries(this.graph.params)) {
      const p = params.get(name);
      if (!p) throw new RangeError(`GraphModule: parameter "${name}" is missing`);
      if (!sameShape(p.shape, shape)) {
        throw new RangeError(
          `GraphModule: parameter "${name}" has shape ${formatShape(p.shape)}, graph says ${
            formatShape(shape)
          }`,
        );
      }
    }
    for (const name of params.keys()) {
      if (!(name in this.graph.params)) {
        throw new RangeError(`GraphModule: unknown parameter "${name}"`);
      }
    }
    this.#params = new Map(params);
    for (const n of this.graph.nodes) {
      for (const slot of LAYER_OPS.get(n.op)!.params) {
        const p = slot.buffer && n.params[slot.role] ? params.get(n.params[slot.role]) : undefined;
        if (p) p.requiresGrad = false;
      }
    }
  }

  /** The graph's parameters by name. */
  override ownParameters(): [string, Parameter][] {
    return [...this.#params];
  }

  /** Frees the parameters and masks now (backends whose memory the GC cannot see). */
  dispose(): void {
    for (const p of this.#params.values()) {
      p.mask?.dispose();
      p.dispose();
    }
  }

  /** A deep copy: same graph, copied parameters and masks. */
  clone(): GraphModule {
    const params = new Map<string, Parameter>();
    for (const [name, p] of this.#params) {
      const q = Parameter.from(p);
      if (p.mask) q.mask = p.mask.clone();
      params.set(name, q);
    }
    return new GraphModule(structuredClone(this.graph), params);
  }

  /** Runs the graph on its single input and returns its first output. */
  forward(x: Tensor): Tensor {
    const values = new Map<string, Tensor>([[this.graph.inputs[0].name, x]]);
    const want = this.graph.inputs[0].shape;
    if (x.rank !== want.length || want.some((d, i) => d !== -1 && d !== x.shape[i])) {
      throw new RangeError(
        `${this.graph.name}: input shape ${formatShape(x.shape)} does not match ${
          formatShape(want).replaceAll("-1", "N")
        }`,
      );
    }
    const ctx = { training: this.training, rng: this.rng };
    for (const n of this.graph.nodes) {
      const op = LAYER_OPS.get(n.op)!;
      const params: Record<string, Tensor> = {};
      for (const [role, pname] of Object.entries(n.params)) params[role] = this.#params.get(pname)!;
      values.set(n.name, op.run(n.inputs.map((v) => values.get(v)!), params, n.attrs, ctx));
    }
    return values.get(this.graph.outputs[0])!;
  }

  /** Re-emits the nodes into `g` (used when a graph model is nested in another). */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    const rename = new Map<string, string>([[this.graph.inputs[0].name, input]]);
    for (const n of this.graph.nodes) {
      const params: Record<string, string> = {};
      for (const [role, pname] of Object.entries(n.params)) {
        params[role] = g.param(prefix + pname, this.#params.get(pname)!);
      }
      const inputs = n.inputs.map((v) => rename.get(v)!);
      rename.set(n.name, g.node(prefix + n.name, n.op, inputs, params, n.attrs));
    }
    return rename.get(this.graph.outputs[0])!;
  }
}
