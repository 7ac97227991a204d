/**
 * The graph IR: a model as a DAG of named values. Every node reads values by name,
 * holds its parameters by role → parameter name, and produces one value named after the
 * node. The batch axis is symbolic (-1 in shapes). The IR is plain JSON, so it is the
 * architecture part of the model file; minimization rewrites it. A graph has one or
 * more named inputs and outputs; a node reads as many values as its op's arity.
 *
 * Channel axis: every value has one. A graph input declares it (`channelAxis`, default
 * 1: features of `[N, F]`, channels of NCHW images; 3 for NHWC, 2 for tokens `[B,T,C]`);
 * each layer op declares the axis it reads and the one its output has (`layer_op.ts`),
 * so the axis of every value follows (see `validateGraph`). Widths may be 0.
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
  /** The channel axis (1 when absent): 1 for `[N, F]` and NCHW, 3 for NHWC, 2 for `[B,T,C]`. */
  channelAxis?: number;
  /**
   * The element type an ONNX file declared for it when not `float32` (e.g. `int64` token
   * ids); squeeze runs every value as float, ONNX export declares this type again.
   */
  dtype?: string;
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
  /** Format version (3; files of versions 1 and 2 convert on load, see `upgrade.ts`). */
  version: 3;
  /** Free-form model name. */
  name: string;
  /** Named inputs (one or more). */
  inputs: GraphInput[];
  /** Nodes in a topological order. */
  nodes: GraphNode[];
  /** Values the model returns (one or more, by name). */
  outputs: string[];
  /** Parameter name → shape. */
  params: Record<string, number[]>;
}
