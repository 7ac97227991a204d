/**
 * What a graph node can be: the layer-op interface. Each op validates its input and
 * parameter shapes, runs through the tensor ops, and declares as data how channels map
 * from inputs to output: its channel kind (the coupling, see `channels/kinds.ts`), the
 * channel axis it reads and writes, how its parameters are sliced when channels go, its
 * constant rule, liveness and channel groups — the facts minimization and pruning
 * reason with. The walkers in `channels/`, `minimize/` and `prune/` never look at op
 * names.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { Rng } from "../tensor/random.ts";
import type { Shape } from "../tensor/shape.ts";
import type { AttrValue, SymShape } from "./ir.ts";

/**
 * Channel mapping of a layer (on the channel axis each value declares, see `ir.ts`):
 * - `dense`: output channel j is row j of `weight [out, in, …taps]`; input channel i is
 *   column i (linear, convolution); an optional `bias [out]` takes folded constants.
 * - `channelwise`: output channel c comes from input channel c only (activations,
 *   depthwise convolution, pooling, BatchNorm, layer scale, dropout, permute: the axis
 *   moves, channel c stays c).
 * - `merge`: channel c of the output comes from channel c of every input (residual add).
 * - `norm`: channel c of the output is computed from input channel c and the statistics
 *   of all input channels (LayerNorm / CompensatedLayerNorm).
 * - `flatten`: channel c of `[N, C, ...S]` becomes features `c·|S| … (c+1)·|S| − 1`.
 * - `select`: output channel j is input channel `attrs.indices[j]`.
 * - `attention`: reads queries, keys and values (three inputs, heads in `attrs.qk`/`attrs.v`);
 *   output channel c is value channel c (softmax rows sum to 1), and query/key channel d
 *   of a head only shifts or scales that head's scores.
 * - `lookup`: output channel c is column c of a table read at positions the input names
 *   (token embedding): the input's channels are positions, not features.
 * - `opaque`: no channel map (reshape): minimization keeps every channel.
 */
export type LayerChannels =
  | "dense"
  | "channelwise"
  | "merge"
  | "norm"
  | "attention"
  | "lookup"
  | "flatten"
  | "select"
  | "opaque";

/**
 * How one parameter follows the channels: its entries along `axis` belong to the output
 * channels (`of: "output"`) or to the channels of input 0 (`of: "input"`), and go when
 * those channels go.
 */
export interface ParamSlice {
  /** Parameter role. */
  role: string;
  /** Axis of the parameter. */
  axis: number;
  /** Whose channels the entries along `axis` are. */
  of: "output" | "input";
}

/** A parameter slot of a layer op. */
export interface ParamSlot {
  /** Role name, e.g. `weight`. */
  role: string;
  /** The node may omit it. */
  optional?: boolean;
  /** Not trained (running statistics). */
  buffer?: boolean;
}

/** Read access to a parameter's elements (what the channel rules need). */
export interface ParamView {
  /** Axis sizes. */
  shape: readonly number[];
  /** Elements, row-major. */
  data: ArrayLike<number>;
}

/** Per-channel constant lattice: a number for `Const(k)`, null for `Var`. */
export type Lattice = (number | null)[];

/** Execution settings passed to every node. */
export interface RunContext {
  /** Training mode (dropout, stochastic depth, BatchNorm statistics). */
  training: boolean;
  /** Seeded generator for the random layers. */
  rng: Rng;
}

/** An entry of the layer-op table. */
export interface LayerOp {
  /** Op name used in graph nodes. */
  readonly name: string;
  /** Number of inputs (the least number when `variadic`). */
  readonly arity: number;
  /** Takes `arity` or more inputs (generic ONNX nodes). */
  readonly variadic?: boolean;
  /** Parameter slots. */
  readonly params: readonly ParamSlot[];
  /** Channel mapping (coupling kind; its behaviour is in `channels/kinds.ts`). */
  readonly channels: LayerChannels;
  /** How each parameter is sliced when channels go (none: nothing to slice). */
  readonly slices?: readonly ParamSlice[];
  /** The role whose channel-j entries (on `gainAxis`) silence output channel j when zeroed. */
  readonly gain?: string;
  /** The axis of the `gain` parameter that indexes output channels. @default 0 */
  readonly gainAxis?: number;
  /** The role pruned at weight level (masks, importance scores, regularizers). */
  readonly prunes?: string;
  /**
   * Its input channels are pruning units of their own where they are graph-input
   * features (linear: pixels or features; not a convolution's image channels).
   */
  readonly inputUnits?: boolean;
  /**
   * Channel groups of the output: group id per output channel. Channels of one group
   * are coupled (leave together, one pruning unit), e.g. the channels of an attention
   * head. None: every channel is its own group.
   */
  groups?(attrs: Readonly<Record<string, AttrValue>>, width: number): Int32Array;
  /**
   * The axis of its inputs this op treats as channels (none: any, the output keeps the
   * input's). Where an input declares another channel axis, the walkers treat the node
   * as `opaque` (it keeps every channel): exact, never a guess.
   */
  readsAxis?(
    inputs: readonly SymShape[],
    attrs: Readonly<Record<string, AttrValue>>,
  ): number;
  /**
   * The output's channel axis from the inputs' (default: `readsAxis`, else input 0's
   * axis; for permute, where the axis moves).
   */
  outAxis?(
    inputs: readonly SymShape[],
    axes: readonly number[],
    attrs: Readonly<Record<string, AttrValue>>,
    out: SymShape,
  ): number;
  /**
   * Pruning units that span several channel classes (attention heads): per unit, the
   * (input index, channel) pairs whose classes it joins.
   */
  unitGroups?(
    attrs: Readonly<Record<string, AttrValue>>,
  ): { input: number; channel: number }[][];
  /**
   * `norm`: the attributes (without `outputs`, which the kind sets) after the constant
   * input channels `removed` (their values, in channel order) leave the statistics of a
   * node over `width` input channels, `kept` staying; `removed` null when a varying
   * channel leaves (only when every output is dead: the statistics no longer matter).
   */
  normFold?(
    attrs: Readonly<Record<string, AttrValue>>,
    width: number,
    removed: readonly number[] | null,
    kept: number,
  ): Record<string, AttrValue>;
  /** The op passes its input through unchanged (identity): minimization drops it. */
  readonly passThrough?: boolean;
  /** `dense`: whether a constant input folds as `k·Σ taps` (false with zero padding). */
  foldsConstants?(attrs: Readonly<Record<string, AttrValue>>): boolean;
  /** `channelwise`/`norm`: output lattice from the input lattice (eval mode). */
  constRule?(
    k: Lattice,
    p: (role: string) => ParamView | undefined,
    attrs: Readonly<Record<string, AttrValue>>,
  ): Lattice;
  /** `channelwise`: whether output channel `c` depends on input channel `c` (default yes). */
  passes?(c: number, p: (role: string) => ParamView | undefined): boolean;
  /** Validates and returns the output shape; throws `RangeError` naming `node`. */
  infer(
    node: string,
    inputs: readonly SymShape[],
    params: Readonly<Record<string, Shape>>,
    attrs: Readonly<Record<string, AttrValue>>,
  ): SymShape;
  /** Computes the node. */
  run(
    inputs: readonly Tensor[],
    params: Readonly<Record<string, Tensor>>,
    attrs: Readonly<Record<string, AttrValue>>,
    ctx: RunContext,
  ): Tensor;
}
