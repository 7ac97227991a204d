/**
 * The kernel manifest: every op id the kernels share with TypeScript (unary and binary
 * kinds, reductions, shader modes) and the signature of every function the Wasm kernels
 * export, defined once. Pure data, no imports.
 *
 * `deno task build:kernels` generates from it (kernels/manifest_codegen.ts):
 * - `src/backends/_gen/kernel_ids.ts`: `UnaryKind`, `UNARY_KINDS`, `UNARY_IDS`, … (the
 *   TypeScript side; src/ never imports kernels/, which is not published);
 * - `src/backends/wasm/_gen/kernel_exports.ts`: the `KernelExports` typings of the loader;
 * - `kernels/wasm/_ids.ts`: the id constants of the AssemblyScript kernels (`UNARY_RELU`…);
 *
 * and `deno task build:shaders` prepends the WGSL id constants to every shader that uses
 * them. test/backends/manifest_test.ts fails on drift: generated files out of date, a
 * Wasm export missing or with another arity, a kernel source whose signature differs, a
 * unary kind without its case in the AssemblyScript or WGSL kernel.
 *
 * Adding a unary kernel (say `silu`) touches five files by hand: its entry in
 * `ID_FAMILIES.UNARY` here; its `case UNARY_SILU:` in kernels/wasm/elementwise.ts
 * (`unaryScalar`, and optionally a SIMD lane path) and in kernels/wgsl/unary.wgsl; its
 * reference function in src/backends/js/elementwise.ts (`UNARY_FNS`); and its op with the
 * gradient rule in src/ops/elementwise.ts (`UNARY_OPS`); an activation layer also adds its
 * name to `ACTIVATION_KINDS` (src/ops/activations.ts; docs/adding_an_op.md). Then `deno task build:kernels` and
 * `deno task build:shaders` regenerate kernels/wasm/_ids.ts, src/backends/_gen/kernel_ids.ts,
 * src/backends/wasm/_gen/kernels.ts and src/backends/webgpu/_gen/shaders.ts. The
 * conformance tests (every backend against the reference) and the gradient check pick the
 * new kind up from `UNARY_KINDS`; manifest_test.ts fails until all five sides have it.
 *
 * Ids are positions: the id of a kind is its index in `kinds`. They live only between the
 * backends and their kernels (never in model files), so a new kind may go anywhere in the
 * list; a rebuild renumbers all sides at once.
 *
 * @module
 */

/** One kind of an id family. */
export interface KindSpec {
  /** Name on the TypeScript side, e.g. `"relu"`; the constant is `<PREFIX>_<NAME>`. */
  readonly name: string;
  /** What it computes, for the generated JSDoc. */
  readonly doc: string;
}

/** A family of kernel ids (the `op` or `mode` argument of a kernel). */
export interface IdFamily {
  /** Name of the generated TypeScript union type, e.g. `"UnaryKind"`. */
  readonly type: string;
  /** Prefix of the generated constants, e.g. `"UNARY"`. */
  readonly prefix: string;
  /** What the family is, for the generated JSDoc. */
  readonly doc: string;
  /** The kinds, in id order. */
  readonly kinds: readonly KindSpec[];
  /** Kernel languages that read the ids (they get the constants). */
  readonly targets: readonly ("wasm" | "wgsl")[];
}

/** Every id family, by the stem of its generated names (`UNARY_KINDS`, `UNARY_IDS`). */
export const ID_FAMILIES: Readonly<Record<string, IdFamily>> = {
  UNARY: {
    type: "UnaryKind",
    prefix: "UNARY",
    doc: "Elementwise unary kernels",
    targets: ["wasm", "wgsl"],
    kinds: [
      { name: "neg", doc: "−x" },
      { name: "exp", doc: "eˣ" },
      { name: "log", doc: "natural logarithm" },
      { name: "sqrt", doc: "square root" },
      { name: "abs", doc: "|x|" },
      { name: "square", doc: "x²" },
      { name: "reciprocal", doc: "1/x" },
      { name: "relu", doc: "max(x, 0), NaN kept" },
      { name: "step", doc: "1 for x > 0 else 0, NaN kept" },
      { name: "gelu", doc: "GELU, tanh approximation" },
      { name: "gelu_grad", doc: "d gelu/dx" },
      { name: "tanh", doc: "hyperbolic tangent" },
      { name: "sigmoid", doc: "logistic 1/(1 + e⁻ˣ), without overflow" },
      { name: "silu", doc: "SiLU (swish) x·sigmoid(x), without overflow" },
      { name: "silu_grad", doc: "d silu/dx = s·(1 + x·(1 − s)), s = sigmoid(x)" },
      { name: "hardswish", doc: "x·min(max(x + 3, 0), 6)/6" },
      { name: "hardswish_grad", doc: "d hardswish/dx (0 below −3, x/3 + 1/2 to 3, 1 above)" },
    ],
  },
  BINARY: {
    type: "BinaryKind",
    prefix: "BINARY",
    doc: "Broadcasting binary kernels",
    targets: ["wasm", "wgsl"],
    kinds: [
      { name: "add", doc: "a + b" },
      { name: "sub", doc: "a − b" },
      { name: "mul", doc: "a · b" },
      { name: "div", doc: "a / b" },
    ],
  },
  REDUCE: {
    type: "ReduceKind",
    prefix: "REDUCE",
    doc: "Reductions over a set of axes",
    targets: ["wasm", "wgsl"],
    kinds: [
      { name: "sum", doc: "sum" },
      { name: "max", doc: "maximum, NaN wins" },
    ],
  },
  SOFTMAX_MODE: {
    type: "SoftmaxMode",
    prefix: "SOFTMAX_MODE",
    doc: "What the row-wise softmax shader computes",
    targets: ["wgsl"],
    kinds: [
      { name: "softmax", doc: "softmax of each row" },
      { name: "log_softmax", doc: "log-softmax of each row" },
      { name: "cross_entropy", doc: "−log softmax(x)[label] per row" },
    ],
  },
  GATHER_MODE: {
    type: "GatherMode",
    prefix: "GATHER_MODE",
    doc: "Direction of the index-select shader",
    targets: ["wgsl"],
    kinds: [
      { name: "gather", doc: "entries `indices` of an axis" },
      { name: "scatter_add", doc: "the adjoint: sums into entries `indices`" },
    ],
  },
};

/** One function the Wasm kernel module exports. */
export interface WasmKernelSpec {
  /** Export name, as in kernels/wasm/index.ts. */
  readonly name: string;
  /**
   * The AssemblyScript signature, `(name: type, …): result`, exactly as the kernel source
   * declares it (types `usize` for byte pointers, `i32`, `f32`, `bool`; result `void`,
   * `i32` or `usize`).
   */
  readonly signature: string;
  /** What it does, for the generated typings. */
  readonly doc: string;
}

const IM2COL =
  "(x: usize, col: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32): void";
/** im2col / col2im of `images` images side by side, col's row stride `ld` (floats). */
const IM2COL_LD = IM2COL.replace("): void", ", ld: i32, images: i32): void");

/** Every function the Wasm kernel module exports (it also re-exports its imported memory). */
export const WASM_KERNELS: readonly WasmKernelSpec[] = [
  { name: "heapBase", signature: "(): usize", doc: "First byte above the kernels' static data." },
  {
    name: "gemmScratchFloats",
    signature: "(m: i32, n: i32, k: i32): i32",
    doc: "Scratch floats `f32_gemm` needs for these sizes.",
  },
  {
    name: "packedBFloats",
    signature: "(n: i32, k: i32): i32",
    doc: "Floats of a B matrix in the packed-B layout (all k-blocks).",
  },
  {
    name: "f32_gemm",
    signature:
      "(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, scratch: usize, i0: i32, i1: i32, j0: i32, j1: i32, bPacked: bool): void",
    doc: "`C = op(A)·op(B)` for rows [i0, i1) and columns [j0, j1) of C.",
  },
  {
    name: "f32_fma_peak",
    signature: "(iters: i32, seed: f32): f32",
    doc:
      "`iters` rounds of 12 register-only vector multiply-adds (96 flops each): the FMA ceiling.",
  },
  {
    name: "f32_im2col",
    signature: IM2COL_LD,
    doc: "im2col of channels [0, cn) of `images` images side by side, col rows `ld` floats apart.",
  },
  {
    name: "f32_im2col_packed",
    signature: IM2COL.replace("col: usize", "bp: usize"),
    doc: "im2col written in the GEMM's packed-B layout.",
  },
  {
    name: "f32_col2im",
    signature: IM2COL_LD.replace("x: usize, col: usize", "col: usize, dx: usize"),
    doc: "The adjoint of im2col: adds columns (rows `ld` floats apart) into the images.",
  },
  {
    name: "f32_copy_rows",
    signature:
      "(src: usize, dst: usize, rows: i32, len: i32, srcStride: i32, dstStride: i32): void",
    doc: "Copies `rows` rows of `len` floats between row strides `srcStride` and `dstStride`.",
  },
  {
    name: "f32_swap_axes01",
    signature: "(src: usize, dst: usize, n0: i32, n1: i32, blk: i32, ld0: i32): void",
    doc: "Copies `[n0, n1, blk]` at src to rows [0, n0) of `[n1, ld0, blk]` at dst.",
  },
  {
    name: "f32_dwconv2d__wasmsimd",
    signature:
      "(x: usize, wt: usize, out: usize, planes: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, pad: usize): void",
    doc: "Depthwise convolution of `planes` planes (channel = plane mod c).",
  },
  {
    name: "f32_dwconv2d_grad_weight__wasmsimd",
    signature:
      "(x: usize, dy: usize, dw: usize, planes: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, ph: i32, pw: i32, pad: usize, groupPlanes: i32): void",
    doc:
      "Weight gradient of a stride-1 depthwise convolution (adds into dw; each `groupPlanes` planes into their own partial).",
  },
  {
    name: "f32_vbinary__wasmsimd",
    signature: "(op: i32, a: usize, b: usize, out: usize, n: i32, m: i32, rowIsA: bool): void",
    doc: "Binary op `op` (BINARY_IDS) of n elements; the operand of m elements repeats per row.",
  },
  {
    name: "f32_vbinary_mid__wasmsimd",
    signature:
      "(op: i32, a: usize, b: usize, out: usize, outer: i32, mid: i32, inner: i32, smallIsA: bool): void",
    doc: "Binary op of `[outer, mid, inner]` with an operand of `[mid]` (broadcast over the rest).",
  },
  {
    name: "f32_vaffine__wasmsimd",
    signature: "(x: usize, out: usize, n: i32, mul: f32, add: f32): void",
    doc: "`out = x·mul + add`.",
  },
  {
    name: "f32_vunary__wasmsimd",
    signature: "(op: i32, x: usize, out: usize, n: i32): void",
    doc: "Unary op `op` (UNARY_IDS) of n elements.",
  },
  {
    name: "f32_ftz",
    signature: "(x: usize, n: i32): void",
    doc: "Flushes subnormals of x[0, n) to zero in place.",
  },
  {
    name: "f32_reduce_mid",
    signature:
      "(op: i32, x: usize, out: usize, outer: i32, mid: i32, inner: i32, acc: usize): void",
    doc: "Reduction `op` (REDUCE_IDS) over the middle axis of `[outer, mid, inner]`.",
  },
  {
    name: "f32_softmax_rows",
    signature: "(x: usize, out: usize, rows: i32, cols: i32, log: bool): void",
    doc: "Row-wise softmax, or log-softmax when `log`.",
  },
  {
    name: "f32_cross_entropy_rows",
    signature: "(x: usize, labels: usize, out: usize, rows: i32, cols: i32): void",
    doc: "Per-row cross-entropy of logits with int32 labels.",
  },
  {
    name: "f32_layer_norm_rows",
    signature:
      "(x: usize, gamma: usize, beta: usize, out: usize, rows: i32, cols: i32, eps: f32): void",
    doc: "Row-wise layer normalization.",
  },
  {
    name: "f32_cln_forward",
    signature:
      "(x: usize, gamma: usize, beta: usize, out: usize, n: i32, c: i32, p: i32, params: usize): void",
    doc:
      "CompensatedLayerNorm over the channels of `[n, c, p]`; `params`: f64 [width, kbar, m2, eps].",
  },
  {
    name: "f32_cln_backward",
    signature:
      "(x: usize, gamma: usize, dy: usize, dx: usize, dyxhat: usize, n: i32, c: i32, p: i32, params: usize): void",
    doc: "Its input gradient `dx` and `dy·x̂` (for the gradient of gamma).",
  },
  {
    name: "f32_sgd",
    signature:
      "(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, wd: f32, nesterov: bool): void",
    doc: "One SGD step in place (v = 0: no momentum buffer).",
  },
  {
    name: "f32_adamw",
    signature:
      "(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, c1: f32, c2: f32): void",
    doc: "One AdamW step in place (c1, c2: bias corrections).",
  },
];
