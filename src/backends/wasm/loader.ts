import { RELAXED_SIMD_WASM, SIMD_WASM } from "./_gen/kernels.ts";

/** The functions the kernel module exports (pointers are byte offsets). */
export interface KernelExports {
  heapBase(): number;
  gemmScratchFloats(m: number, n: number, k: number): number;
  f32_gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    scratch: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    bPacked: number,
  ): void;
  packedBFloats(n: number, k: number): number;
  f32_im2col_packed(
    x: number,
    bp: number,
    cn: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
  ): void;
  f32_im2col(
    x: number,
    col: number,
    cn: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
  ): void;
  f32_col2im(
    col: number,
    dx: number,
    cn: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
  ): void;
  f32_dwconv2d__wasmsimd(
    x: number,
    wt: number,
    out: number,
    planes: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    pad: number,
  ): void;
  f32_dwconv2d_grad_weight__wasmsimd(
    x: number,
    dy: number,
    dw: number,
    planes: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
    ph: number,
    pw: number,
    pad: number,
  ): void;
  f32_vbinary__wasmsimd(
    op: number,
    a: number,
    b: number,
    out: number,
    n: number,
    m: number,
    rowIsA: number,
  ): void;
  f32_vaffine__wasmsimd(x: number, out: number, n: number, mul: number, add: number): void;
  f32_vunary__wasmsimd(op: number, x: number, out: number, n: number): void;
  f32_ftz(x: number, n: number): void;
  f32_reduce_mid(
    op: number,
    x: number,
    out: number,
    outer: number,
    mid: number,
    inner: number,
    acc: number,
  ): void;
  f32_layer_norm_rows(
    x: number,
    gamma: number,
    beta: number,
    out: number,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  f32_softmax_rows(x: number, out: number, rows: number, cols: number, log: number): void;
  f32_cross_entropy_rows(x: number, labels: number, out: number, rows: number, cols: number): void;
  f32_sgd(
    w: number,
    g: number,
    v: number,
    n: number,
    lr: number,
    momentum: number,
    wd: number,
    nesterov: number,
  ): void;
  f32_adamw(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    wd: number,
    c1: number,
    c2: number,
  ): void;
}

/** Which build to load. */
export type KernelVariant = "relaxed-simd" | "simd";

let decoded: Partial<Record<KernelVariant, Uint8Array<ArrayBuffer>>> = {};

function bytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  decoded[variant] ??= Uint8Array.fromBase64(
    variant === "relaxed-simd" ? RELAXED_SIMD_WASM : SIMD_WASM,
  );
  return decoded[variant]!;
}

/** Whether this engine validates the relaxed-SIMD build (feature detection). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(bytes("relaxed-simd"));
}

/** Whether this engine supports 128-bit SIMD at all. */
export function simdSupported(): boolean {
  return WebAssembly.validate(bytes("simd"));
}

/** Instantiates a kernel build against `memory` (synchronous; the modules are small). */
export function instantiateKernels(
  variant: KernelVariant,
  memory: WebAssembly.Memory,
): KernelExports {
  const module = new WebAssembly.Module(bytes(variant));
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error("wasm kernel abort");
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}

/** Drops the decoded binaries (tests). */
export function resetKernelCache(): void {
  decoded = {};
}
