import type { Parameter } from "../nn/parameter.ts";
import type { AttrValue, Graph, GraphNode, SymShape } from "./ir.ts";
import { GRAPH_VERSION } from "./upgrade.ts";

/**
 * Accumulates nodes and parameters while modules describe themselves (`Module.emit`).
 *
 * @example
 * ```ts
 * import { GraphBuilder } from "./builder.ts";
 * const g = new GraphBuilder("tiny");
 * const x = g.input("x", [-1, 4]);
 * g.output(g.node("act", "relu", [x]));
 * console.assert(g.build().nodes.length === 1);
 * ```
 */
export class GraphBuilder {
  readonly #name: string;
  readonly #inputs: Graph["inputs"] = [];
  readonly #nodes: GraphNode[] = [];
  readonly #outputs: string[] = [];
  readonly #params = new Map<string, Parameter>();
  readonly #used = new Set<string>();

  /** Starts a graph called `name`. */
  constructor(name: string) {
    this.#name = name;
  }

  /** Declares an input value; `channelAxis` 1 (the default) is left out of the graph. */
  input(name: string, shape: SymShape, channelAxis = 1): string {
    this.#claim(name);
    this.#inputs.push(
      channelAxis === 1 ? { name, shape: [...shape] } : { name, shape: [...shape], channelAxis },
    );
    return name;
  }

  /** Registers a parameter under a unique name and returns the name. */
  param(name: string, p: Parameter): string {
    const prev = this.#params.get(name);
    if (prev && prev !== p) {
      throw new RangeError(`GraphBuilder: parameter name "${name}" used twice`);
    }
    this.#params.set(name, p);
    return name;
  }

  /** Adds a node; `name` is made unique by a numeric suffix. Returns its value name. */
  node(
    name: string,
    op: string,
    inputs: string[],
    params: Record<string, string> = {},
    attrs: Record<string, AttrValue> = {},
  ): string {
    let n = name || op;
    for (let i = 1; this.#used.has(n); i++) n = `${name || op}_${i}`;
    this.#claim(n);
    this.#nodes.push({ name: n, op, inputs, params, attrs });
    return n;
  }

  /** Marks a value as a model output. */
  output(value: string): void {
    this.#outputs.push(value);
  }

  /** Parameters registered so far. */
  get parameters(): Map<string, Parameter> {
    return new Map(this.#params);
  }

  /** The graph (parameter shapes taken from the registered parameters). */
  build(): Graph {
    return {
      format: "squeeze.graph",
      version: GRAPH_VERSION,
      name: this.#name,
      inputs: this.#inputs.map((i) => ({ ...i })),
      nodes: this.#nodes.map((n) => ({ ...n, inputs: [...n.inputs] })),
      outputs: [...this.#outputs],
      params: Object.fromEntries([...this.#params].map(([k, p]) => [k, [...p.shape]])),
    };
  }

  #claim(name: string): void {
    if (this.#used.has(name)) throw new RangeError(`GraphBuilder: value name "${name}" used twice`);
    this.#used.add(name);
  }
}
