/**
 * Ungrouped convolutions of the Wasm backend as one GEMM over a chunk of images: the
 * chunk's im2col columns side by side (`[K, nb·oh·ow]`, K = c·kh·kw), so the product's
 * N spans every output position of the chunk instead of one image's `oh·ow` (1, 9 or 49
 * in the late stages of a small ConvNeXt, where one GEMM per image is a GEMV). Images
 * and channel-major matrices trade places by `f32_swap_axes01`; a 1×1 stride-1
 * convolution needs no im2col, and on 1×1 maps not even the swap (its images are the rows
 * of an `[n, c]` matrix already). The GEMMs split across threads on their own; the copies
 * (swaps, im2col, col2im) split by rows or images.
 *
 * @module
 */
import type { Conv2dParams } from "../backend.ts";
import { BINARY_IDS } from "../_gen/kernel_ids.ts";
import { callJob, geometry, isDirectConv } from "./jobs.ts";
import type { WasmContext } from "./context.ts";
import type { Gemm } from "./matmul.ts";

/** Floats of im2col columns plus channel-major output a chunk may take (16 MiB). */
const CHUNK_FLOATS = 1 << 22;

/** The three convolution kernels for `groups === 1`, on arena pointers. */
export interface BatchedConv {
  /** `y = conv2d(x, w)`. */
  forward(x: number, w: number, y: number, p: Conv2dParams): void;
  /** `dx = conv2dᵀ(dy, w)` (dx overwritten). */
  gradInput(dy: number, w: number, dx: number, p: Conv2dParams): void;
  /** `dw = Σ dy ⊗ im2col(x)` (dw overwritten). */
  gradWeight(x: number, dy: number, dw: number, p: Conv2dParams): void;
}

/** Geometry of `p`: taps per output, output and input pixels, 1×1 stride 1, images per chunk. */
function shape(p: Conv2dParams) {
  const kk = p.c * p.kh * p.kw, ohw = p.oh * p.ow, hw = p.h * p.w;
  const direct = isDirectConv(p.kh, p.kw, p.sh, p.sw, p.ph, p.pw);
  const nb = Math.max(1, Math.min(p.n, Math.floor(CHUNK_FLOATS / ((kk + p.o) * ohw))));
  return { kk, ohw, hw, direct, nb };
}

/** Calls `fn(b0, nb)` for each chunk of `nb` images of `n`. */
function chunks(n: number, nb: number, fn: (b0: number, nb: number) => void): void {
  for (let b0 = 0; b0 < n; b0 += nb) fn(b0, Math.min(nb, n - b0));
}

/** The batched convolution of a context and its GEMM. */
export function batchedConv(ctx: WasmContext, gemm: Gemm): BatchedConv {
  const { k } = ctx;
  /** `[n0, n1, blk]` at src to `[n1, n0, blk]` at dst, rows of n0 split across threads. */
  const swap = (src: number, dst: number, n0: number, n1: number, blk: number) =>
    ctx.split(n0, n0 * n1 * blk, (lo, hi) =>
      callJob("f32_swap_axes01", [
        src + 4 * lo * n1 * blk,
        dst + 4 * lo * blk,
        hi - lo,
        n1,
        blk,
        n0,
      ]));
  /** im2col (or col2im) of the `nb` images of a chunk at `x` and `col`, split by images. */
  const perImage = (
    name: "f32_im2col" | "f32_col2im",
    x: number,
    col: number,
    nb: number,
    p: Conv2dParams,
  ) => {
    const { kk, ohw, hw } = shape(p);
    const geo = [p.c, ...geometry(p), nb * ohw];
    ctx.split(nb, nb * kk * ohw, (lo, hi) => {
      const xb = x + 4 * lo * p.c * hw, cb = col + 4 * lo * ohw;
      return callJob(name, [...(name === "f32_im2col" ? [xb, cb] : [cb, xb]), ...geo, hi - lo]);
    });
  };
  /** The chunk's input as its `[kk, nb·ohw]` column matrix at `col`. */
  const columns = (x: number, col: number, b0: number, nb: number, p: Conv2dParams) => {
    const { kk, ohw, hw, direct } = shape(p);
    const xb = x + 4 * b0 * p.c * hw;
    if (direct) swap(xb, col, nb, kk, ohw);
    else perImage("f32_im2col", xb, col, nb, p);
  };
  return {
    forward(x, w, y, p) {
      const { kk, ohw, direct, nb } = shape(p);
      if (direct && ohw === 1) return gemm(x, w, y, p.n, p.o, kk, false, true);
      ctx.scratch(
        4 * kk * nb * ohw,
        (col) =>
          ctx.scratch(4 * p.o * nb * ohw, (yc) =>
            chunks(p.n, nb, (b0, n) => {
              columns(x, col, b0, n, p);
              gemm(w, col, yc, p.o, n * ohw, kk, false, false);
              swap(yc, y + 4 * b0 * p.o * ohw, p.o, n, ohw);
            })),
      );
    },
    gradInput(dy, w, dx, p) {
      const { kk, ohw, hw, direct, nb } = shape(p);
      if (direct && ohw === 1) return gemm(dy, w, dx, p.n, kk, p.o, false, false);
      if (!direct) new Float32Array(ctx.memory.buffer, dx, p.n * p.c * hw).fill(0);
      ctx.scratch(
        4 * kk * nb * ohw,
        (col) =>
          ctx.scratch(4 * p.o * nb * ohw, (dyc) =>
            chunks(p.n, nb, (b0, n) => {
              swap(dy + 4 * b0 * p.o * ohw, dyc, n, p.o, ohw);
              gemm(w, dyc, col, kk, n * ohw, p.o, true, false);
              const dxb = dx + 4 * b0 * p.c * hw;
              if (direct) swap(col, dxb, kk, n, ohw);
              else perImage("f32_col2im", dxb, col, n, p);
            })),
      );
    },
    gradWeight(x, dy, dw, p) {
      const { kk, ohw, direct, nb } = shape(p);
      if (direct && ohw === 1) return gemm(dy, x, dw, p.o, kk, p.n, true, false);
      const many = nb < p.n;
      ctx.scratch(
        4 * kk * nb * ohw,
        (col) =>
          ctx.scratch(
            4 * p.o * nb * ohw,
            (dyc) =>
              ctx.scratch(many ? 4 * p.o * kk : 16, (tmp) =>
                chunks(p.n, nb, (b0, n) => {
                  columns(x, col, b0, n, p);
                  swap(dy + 4 * b0 * p.o * ohw, dyc, n, p.o, ohw);
                  gemm(dyc, col, b0 === 0 ? dw : tmp, p.o, kk, n * ohw, false, true);
                  if (b0 > 0) {
                    k.f32_vbinary__wasmsimd(BINARY_IDS.add, dw, tmp, dw, p.o * kk, p.o * kk, 0);
                  }
                })),
          ),
      );
    },
  };
}
