/**
 * What a graph node can be: the layer-op interface. Each op validates its input and
 * parameter shapes, runs through the tensor ops, and declares how channels (axis 1)
 * map from inputs to output: the facts minimization and pruning reason with.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { Rng } from "../tensor/random.ts";
import type { Shape } from "../tensor/shape.ts";
import type { AttrValue, SymShape } from "./ir.ts";

/**
 * Channel mapping of a layer (channel axis = 1):
 * - `dense`: output channel j is row j of `weight [out, in, …taps]`; input channel i is
 *   column i (linear, convolution).
 * - `channelwise`: output channel c comes from input channel c only (activations,
 *   depthwise convolution, pooling, BatchNorm, layer scale, dropout).
 * - `merge`: channel c of the output comes from channel c of every input (residual add).
 * - `norm`: channel c of the output is computed from input channel c and the statistics
 *   of all input channels (LayerNorm / CompensatedLayerNorm).
 * - `flatten`: channel c of `[N, C, ...S]` becomes features `c·|S| … (c+1)·|S| − 1`.
 * - `select`: output channel j is input channel `attrs.indices[j]`.
 * - `opaque`: no channel map (permute, reshape): minimization keeps every channel.
 */
export type LayerChannels =
  | "dense"
  | "channelwise"
  | "merge"
  | "norm"
  | "flatten"
  | "select"
  | "opaque";

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
  /** Number of inputs. */
  readonly arity: number;
  /** Parameter slots. */
  readonly params: readonly ParamSlot[];
  /** Channel mapping. */
  readonly channels: LayerChannels;
  /** `channelwise`/`norm`: roles with one entry (axis 0) per channel, sliced with it. */
  readonly perChannel?: readonly string[];
  /** The role whose channel-j entries silence channel j when zeroed (pruning masks). */
  readonly gain?: string;
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
