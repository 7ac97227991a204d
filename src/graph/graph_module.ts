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

  /**
   * Runs the graph on its first input and returns its first output (the single-tensor
   * form; see {@linkcode GraphModule.forwardNamed} for several inputs and outputs).
   */
  forward(x: Tensor): Tensor {
    const first = this.graph.inputs[0].name;
    return this.#run(new Map([[first, x]])).get(this.graph.outputs[0])!;
  }

  /**
   * Runs the graph on named inputs (every graph input) and returns every graph output
   * by name. Throws a `RangeError` naming a missing, unknown or misshapen input.
   *
   * @example
   * ```ts
   * import { GraphBuilder } from "./builder.ts";
   * import { GraphModule } from "./graph_module.ts";
   * import { tensor } from "../tensor/create.ts";
   * const b = new GraphBuilder("two");
   * const x = b.input("x", [-1, 2]), y = b.input("y", [-1, 2]);
   * const s = b.node("sum", "add", [x, y]);
   * b.output(s);
   * b.output(b.node("act", "relu", [s]));
   * const m = new GraphModule(b.build(), new Map());
   * const out = m.forwardNamed({ x: tensor([1, -3], [1, 2]), y: tensor([1, 1], [1, 2]) });
   * console.assert(out.sum.toArray()[1] === -2 && out.act.toArray()[1] === 0);
   * ```
   */
  forwardNamed(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
    for (const name of Object.keys(inputs)) {
      if (!this.graph.inputs.some((i) => i.name === name)) {
        throw new RangeError(
          `${this.graph.name}: unknown input "${name}" (inputs: ${
            this.graph.inputs.map((i) => i.name).join(", ")
          })`,
        );
      }
    }
    const given = new Map<string, Tensor>();
    for (const inp of this.graph.inputs) {
      const t = inputs[inp.name];
      if (!t) throw new RangeError(`${this.graph.name}: input "${inp.name}" is missing`);
      given.set(inp.name, t);
    }
    const values = this.#run(given);
    return Object.fromEntries(this.graph.outputs.map((o) => [o, values.get(o)!]));
  }

  #run(inputs: Map<string, Tensor>): Map<string, Tensor> {
    const values = new Map<string, Tensor>();
    for (const inp of this.graph.inputs) {
      const x = inputs.get(inp.name);
      if (!x) continue;
      const want = inp.shape;
      if (x.rank !== want.length || want.some((d, i) => d !== -1 && d !== x.shape[i])) {
        const label = this.graph.inputs.length > 1 ? ` "${inp.name}"` : "";
        throw new RangeError(
          `${this.graph.name}: input${label} shape ${formatShape(x.shape)} does not match ${
            formatShape(want).replaceAll("-1", "N")
          }`,
        );
      }
      values.set(inp.name, x);
    }
    const ctx = { training: this.training, rng: this.rng };
    for (const n of this.graph.nodes) {
      const op = LAYER_OPS.get(n.op)!;
      const params: Record<string, Tensor> = {};
      for (const [role, pname] of Object.entries(n.params)) params[role] = this.#params.get(pname)!;
      const ins = n.inputs.map((v) => values.get(v));
      if (ins.some((t) => t === undefined)) {
        const missing = n.inputs.find((v) => !values.has(v))!;
        throw new RangeError(`${this.graph.name}: node "${n.name}" needs input "${missing}"`);
      }
      values.set(n.name, op.run(ins as Tensor[], params, n.attrs, ctx));
    }
    return values;
  }

  /**
   * Re-emits the nodes into `g` (used when a graph model is nested in another); the
   * single-input, single-output form.
   */
  emit(g: GraphBuilder, input: string, prefix: string): string {
    if (this.graph.inputs.length !== 1) {
      throw new RangeError(
        `${this.graph.name}: emit nests a graph of one input, this one has ${this.graph.inputs.length}`,
      );
    }
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
