/**
 * The graph IR: a model as a DAG of named values. Every node reads values by name,
 * holds its parameters by role → parameter name, and produces one value named after the
 * node. The batch axis is symbolic (-1 in shapes). The IR is plain JSON, so it is the
 * architecture part of the model file; minimization rewrites it.
 *
 * Channel axis convention: axis 1 of every value (features of `[N, F]`, channels of
 * NCHW images). Each layer op declares how its channels map (see `layer_ops.ts`).
 *
 * @module
 */

/** A JSON value allowed in node attributes. */
export type AttrValue = number | string | boolean | null | AttrValue[] | { [k: string]: AttrValue };

/** A shape whose entries are sizes or -1 for the batch axis. */
export type SymShape = readonly number[];

/** A graph input. */
export interface GraphInput {
  /** Value name. */
  name: string;
  /** Shape, with -1 for the batch axis. */
  shape: SymShape;
}

/** One layer application. */
export interface GraphNode {
  /** Unique name; also the name of the value it produces. */
  name: string;
  /** Layer op, a key of the layer-op table. */
  op: string;
  /** Names of the values it reads. */
  inputs: string[];
  /** Parameter role (e.g. `weight`) → parameter name. */
  params: Record<string, string>;
  /** Op-specific settings. */
  attrs: Record<string, AttrValue>;
}

/** A model graph. */
export interface Graph {
  /** Format tag. */
  format: "squeeze.graph";
  /** Format version (2; version-1 files convert on load, see `upgrade.ts`). */
  version: 2;
  /** Free-form model name. */
  name: string;
  /** Inputs (one for the models built so far). */
  inputs: GraphInput[];
  /** Nodes in a topological order. */
  nodes: GraphNode[];
  /** Values the model returns. */
  outputs: string[];
  /** Parameter name → shape. */
  params: Record<string, number[]>;
}
