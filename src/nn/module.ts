import type { Backend } from "../backends/backend.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { GraphBuilder } from "../graph/builder.ts";
import type { Parameter } from "./parameter.ts";

/**
 * Base class of layers and models. A module owns named parameters and child modules,
 * computes `forward`, and can describe itself as nodes of the graph IR (`emit`), which
 * is how models are saved, inspected and minimized.
 */
export abstract class Module {
  /** Training mode (dropout and similar layers read it). */
  training = true;

  /** The module's computation. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Adds this module's nodes to `g`, reading value `input`; parameter names start with
   * `prefix`. Returns the name of the output value.
   */
  abstract emit(g: GraphBuilder, input: string, prefix: string): string;

  /** Parameters owned directly by this module, by local name. */
  ownParameters(): [string, Parameter][] {
    return [];
  }

  /** Direct children, by local name. */
  children(): [string, Module][] {
    return [];
  }

  /** Every parameter of this module and its descendants, by dotted name. */
  namedParameters(prefix = ""): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const [n, p] of this.ownParameters()) out.set(prefix + n, p);
    for (const [n, c] of this.children()) {
      for (const [k, p] of c.namedParameters(`${prefix}${n}.`)) out.set(k, p);
    }
    return out;
  }

  /** Every parameter, in a stable order. */
  parameters(): Parameter[] {
    return [...this.namedParameters().values()];
  }

  /**
   * The backend this module's parameters live on: where its inputs must be and where its
   * outputs are computed. Throws a `TypeError` for a module without parameters (it has no
   * backend of its own) and for one whose parameters live on two backends.
   *
   * @example
   * ```ts
   * import { mlp } from "./models.ts";
   * import { referenceBackend } from "../tensor/create.ts";
   * console.assert(mlp([4, 2]).backend === referenceBackend());
   * ```
   */
  get backend(): Backend {
    const params = this.namedParameters();
    let first: [string, Backend] | undefined;
    for (const [name, p] of params) {
      if (!first) first = [name, p.backend];
      else if (p.backend !== first[1]) {
        const there = p.backend.name === first[1].name
          ? `another "${p.backend.name}" backend than "${first[0]}"`
          : `backend "${p.backend.name}", "${first[0]}" on "${first[1].name}"`;
        throw new TypeError(`${this.constructor.name}: parameter "${name}" lives on ${there}`);
      }
    }
    if (!first) {
      throw new TypeError(
        `${this.constructor.name}: a module without parameters has no backend; pass one explicitly`,
      );
    }
    return first[1];
  }

  /** Total number of parameter elements. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and its descendants. */
  train(on = true): this {
    this.training = on;
    for (const [, c] of this.children()) c.train(on);
    return this;
  }

  /** Sets evaluation mode. */
  eval(): this {
    return this.train(false);
  }
}
