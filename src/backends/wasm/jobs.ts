/**
 * Work units the Wasm backend runs on the calling thread or hands to pool workers:
 * plain integer records (pointers and sizes), so they travel through the shared control
 * block. Both sides call {@linkcode runJob}, so a job computes the same thing wherever it
 * runs.
 *
 * @module
 */
import type { Conv2dParams } from "../backend.ts";
import type { KernelExports } from "./loader.ts";

/** Job kinds. */
export const JOB = { gemm: 0, convImages: 1, dwconv: 2, convGradInput: 3, call: 4 } as const;

/** Kernels a call record may name (integer arguments only: pointers, sizes, ids, 0/1 flags). */
export const CALLABLE = [
  "f32_vunary__wasmsimd",
  "f32_vbinary__wasmsimd",
  "f32_vbinary_mid__wasmsimd",
  "f32_swap_axes01",
  "f32_im2col",
  "f32_col2im",
  "f32_dwconv2d_grad_weight__wasmsimd",
  "f32_cln_forward",
  "f32_cln_backward",
] as const;

/** A kernel a call record may name. */
export type CallableKernel = typeof CALLABLE[number];

/** The record of one kernel call `name(...args)`. */
export function callJob(name: CallableKernel, args: readonly number[]): number[] {
  return [JOB.call, CALLABLE.indexOf(name), args.length, ...args];
}

/** GEMM block rows [i0, i1) × columns [j0, j1) of C (`f32_gemm` arguments). */
export interface GemmBlock {
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  scratch: number;
  i0: number;
  i1: number;
  j0: number;
  j1: number;
  bPacked: boolean;
}

/** The record of a GEMM block. */
export function gemmJob(g: GemmBlock): number[] {
  return [
    JOB.gemm,
    g.a,
    g.b,
    g.c,
    g.m,
    g.n,
    g.k,
    +g.transA,
    +g.transB,
    g.scratch,
    g.i0,
    g.i1,
    g.j0,
    g.j1,
    +g.bPacked,
  ];
}

/** The spatial geometry shared by the convolution records: h, w, kh, kw, oh, ow, sh, sw, ph, pw. */
export function geometry(p: Conv2dParams): number[] {
  return [p.h, p.w, p.kh, p.kw, p.oh, p.ow, p.sh, p.sw, p.ph, p.pw];
}

/**
 * Convolution forward for images [b0, b1): per image and group, im2col into the packed-B
 * layout at `col`, then one GEMM (scratch at `scratch`).
 */
export function convImagesJob(
  p: Conv2dParams,
  x: number,
  w: number,
  y: number,
  b0: number,
  b1: number,
  col: number,
  scratch: number,
): number[] {
  return [JOB.convImages, x, w, y, p.c, p.o, p.groups, b0, b1, col, scratch, ...geometry(p)];
}

/**
 * Convolution input gradient for images [b0, b1): per image and group, one GEMM
 * `Wᵀ·dy` into `col` (or straight into dx for a direct conv), then col2im into the
 * zero-filled dx (scratch at `scratch`).
 */
export function convGradInputJob(
  p: Conv2dParams,
  dy: number,
  w: number,
  dx: number,
  b0: number,
  b1: number,
  col: number,
  scratch: number,
): number[] {
  // dx takes the input slot and dy the output slot of the convolution record.
  return [JOB.convGradInput, dx, w, dy, p.c, p.o, p.groups, b0, b1, col, scratch, ...geometry(p)];
}

/** Depthwise convolution of `planes` planes (channel = plane mod c); `pad` is plane scratch. */
export function dwconvJob(
  p: Conv2dParams,
  x: number,
  w: number,
  y: number,
  planes: number,
  pad: number,
): number[] {
  return [JOB.dwconv, x, w, y, planes, p.c, ...geometry(p), pad];
}

/** A 1×1, stride-1, unpadded convolution reads its input as the im2col matrix. */
export function isDirectConv(
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
): boolean {
  return kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
}

/** One image and group of a convolution record, with its pointers and geometry. */
interface ImageGroup
  extends Pick<Conv2dParams, "h" | "w" | "kh" | "kw" | "oh" | "ow" | "sh" | "sw" | "ph" | "pw"> {
  /** Input-side image block `[cg, h, w]`. */
  xg: number;
  /** Output-side image block `[og, oh, ow]`. */
  yg: number;
  /** The group's weights `[og, kk]`. */
  wg: number;
  /** Column scratch. */
  col: number;
  /** GEMM scratch. */
  scratch: number;
  /** 1×1, stride 1, no padding: the image is its own column matrix. */
  direct: boolean;
  /** Channels per group on each side, taps per output, output pixels. */
  cg: number;
  og: number;
  kk: number;
  ohw: number;
}

/** Calls `fn` for every image of [b0, b1) and group of a convolution record. */
function forImageGroups(rec: number[], fn: (g: ImageGroup) => void): void {
  const [x, w, y, c, o, groups, b0, b1, col, scratch, h, wd, kh, kw, oh, ow, sh, sw, ph, pw] = rec;
  const cg = c / groups, og = o / groups, kk = cg * kh * kw, ohw = oh * ow;
  const direct = isDirectConv(kh, kw, sh, sw, ph, pw);
  for (let b = b0; b < b1; b++) {
    for (let g = 0; g < groups; g++) {
      fn({
        xg: x + 4 * (b * c + g * cg) * h * wd,
        yg: y + 4 * (b * o + g * og) * ohw,
        wg: w + 4 * g * og * kk,
        col,
        scratch,
        direct,
        cg,
        og,
        kk,
        ohw,
        h,
        w: wd,
        kh,
        kw,
        oh,
        ow,
        sh,
        sw,
        ph,
        pw,
      });
    }
  }
}

/** A kernel taking only integer and float arguments. */
type NumericKernel = (...args: number[]) => void;

/** Runs one job record. */
export function runJob(k: KernelExports, job: ArrayLike<number>): void {
  const args = (n: number) => Array.from({ length: n }, (_, i) => job[i + 1]);
  switch (job[0]) {
    case JOB.gemm:
      (k.f32_gemm as NumericKernel)(...args(14));
      return;
    case JOB.convImages:
      return forImageGroups(args(20), (g) => {
        if (!g.direct) {
          k.f32_im2col_packed(
            g.xg,
            g.col,
            g.cg,
            g.h,
            g.w,
            g.kh,
            g.kw,
            g.oh,
            g.ow,
            g.sh,
            g.sw,
            g.ph,
            g.pw,
          );
        }
        k.f32_gemm(
          g.wg,
          g.direct ? g.xg : g.col,
          g.yg,
          g.og,
          g.ohw,
          g.kk,
          0,
          0,
          g.scratch,
          0,
          g.og,
          0,
          g.ohw,
          g.direct ? 0 : 1,
        );
      });
    case JOB.convGradInput:
      // dx[b, g] = Wᵀ·dy[b, g] (dx in the input slot, dy in the output slot), through col2im.
      return forImageGroups(args(20), (g) => {
        k.f32_gemm(
          g.wg,
          g.yg,
          g.direct ? g.xg : g.col,
          g.kk,
          g.ohw,
          g.og,
          1,
          0,
          g.scratch,
          0,
          g.kk,
          0,
          g.ohw,
          0,
        );
        if (!g.direct) {
          k.f32_col2im(
            g.col,
            g.xg,
            g.cg,
            g.h,
            g.w,
            g.kh,
            g.kw,
            g.oh,
            g.ow,
            g.sh,
            g.sw,
            g.ph,
            g.pw,
            g.ohw,
            1,
          );
        }
      });
    case JOB.dwconv:
      (k.f32_dwconv2d__wasmsimd as NumericKernel)(...args(16));
      return;
    case JOB.call: {
      const fn = k[CALLABLE[job[1]]] as NumericKernel;
      return fn(...Array.from({ length: job[2] }, (_, i) => job[i + 3]));
    }
    default:
      throw new Error(`wasm backend: unknown job kind ${job[0]}`);
  }
}
