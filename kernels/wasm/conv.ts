// Convolution helpers: im2col / col2im for one image and a range of channels (the GEMM
// does the arithmetic), and a direct depthwise kernel with 4 output columns per SIMD step.
// Results are stored flushed (see flush.ts).

import { KC } from "./gemm";
import { ftz, ftz4 } from "./flush";

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// col[(ci*kh + i)*kw + j, y*ow + x] = x[ci, y*sh - ph + i, x*sw - pw + j] (0 outside) for
// channels [0, cn) of the image at `x` (channel stride h*w); `ld` is col's row stride in
// floats (oh*ow for one image; images side by side in one matrix use a larger one).
// `images` images in a row: image b reads x + b*cn*h*w and fills columns [b*oh*ow, ...).
export function f32_im2col(x: usize, col: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, ld: i32, images: i32): void {
  for (let b = 0; b < images; b++) {
    im2colImage(x + (<usize>(b * cn * h * w) << 2), col + (<usize>(b * oh * ow) << 2), cn, h, w, kh, kw, oh, ow, sh, sw, ph, pw, ld);
  }
}

function im2colImage(x: usize, col: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, ld: i32): void {
  const ohw = ld;
  for (let ci = 0; ci < cn; ci++) {
    const plane = x + (<usize>(ci * h * w) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = col + (<usize>(((ci * kh + i) * kw + j) * ohw) << 2);
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - ph + i;
          const dst = row + (<usize>(y * ow) << 2);
          if (iy < 0 || iy >= h) {
            memory.fill(dst, 0, <usize>ow << 2);
            continue;
          }
          const src = plane + (<usize>(iy * w) << 2);
          for (let x0 = 0; x0 < ow; x0++) {
            const ix = x0 * sw - pw + j;
            store<f32>(dst + (<usize>x0 << 2), ix >= 0 && ix < w ? load<f32>(src + (<usize>ix << 2)) : 0);
          }
        }
      }
    }
  }
}

// The adjoint: dx[ci, iy, ix] += col[...] for every tap inside the image (`ld` and `images`
// as above).
export function f32_col2im(col: usize, dx: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, ld: i32, images: i32): void {
  for (let b = 0; b < images; b++) {
    col2imImage(col + (<usize>(b * oh * ow) << 2), dx + (<usize>(b * cn * h * w) << 2), cn, h, w, kh, kw, oh, ow, sh, sw, ph, pw, ld);
  }
}

function col2imImage(col: usize, dx: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, ld: i32): void {
  const ohw = ld;
  for (let ci = 0; ci < cn; ci++) {
    const plane = dx + (<usize>(ci * h * w) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = col + (<usize>(((ci * kh + i) * kw + j) * ohw) << 2);
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - ph + i;
          if (iy < 0 || iy >= h) continue;
          const src = row + (<usize>(y * ow) << 2);
          const dst = plane + (<usize>(iy * w) << 2);
          for (let x0 = 0; x0 < ow; x0++) {
            const ix = x0 * sw - pw + j;
            if (ix < 0 || ix >= w) continue;
            const p = dst + (<usize>ix << 2);
            store<f32>(p, ftz(load<f32>(p) + load<f32>(src + (<usize>x0 << 2))));
          }
        }
      }
    }
  }
}

// Swaps the two leading axes of `[n0, n1, blk]` into `[n1, ld0, blk]` (e.g. NCHW images to
// one channel-major matrix CNHW and back): dst[(j*ld0 + i)*blk + t] = src[(i*n1 + j)*blk + t]
// for i < n0 (ld0 = n0 for the whole tensor; a larger one writes rows [0, n0) of a longer
// destination, so threads can split i). A plain copy, so nothing to flush.
export function f32_swap_axes01(src: usize, dst: usize, n0: i32, n1: i32, blk: i32, ld0: i32): void {
  const bytes = <usize>blk << 2;
  if (blk >= 64) {
    for (let i = 0; i < n0; i++) {
      const s = src + <usize>(i * n1) * bytes;
      for (let j = 0; j < n1; j++) memory.copy(dst + <usize>(j * ld0 + i) * bytes, s + <usize>j * bytes, bytes);
    }
    return;
  }
  if (blk >= 4) {
    // Blocks of 4 to 63 floats (7×7, 3×3 and 2×2 maps): vector copies, the last one
    // overlapping the previous (memory.copy costs more than the copy at these sizes).
    const last = bytes - 16;
    for (let i = 0; i < n0; i++) {
      const s = src + <usize>(i * n1) * bytes;
      for (let j = 0; j < n1; j++) {
        const a = s + <usize>j * bytes, b = dst + <usize>(j * ld0 + i) * bytes;
        for (let t: usize = 0; t < last; t += 16) v128.store(b + t, v128.load(a + t));
        v128.store(b + last, v128.load(a + last));
      }
    }
    return;
  }
  // Short blocks (blk 1: a transpose) in 8-row strips, so reads and writes stay in cache.
  for (let i0 = 0; i0 < n0; i0 += 8) {
    const i1 = min(n0, i0 + 8);
    for (let j = 0; j < n1; j++) {
      for (let i = i0; i < i1; i++) {
        const s = src + (<usize>((i * n1 + j) * blk) << 2), d = dst + (<usize>((j * ld0 + i) * blk) << 2);
        for (let t = 0; t < blk; t++) store<f32>(d + (<usize>t << 2), load<f32>(s + (<usize>t << 2)));
      }
    }
  }
}

// Stores the first `r` (1 to 4) lanes of `v` at `p`.
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, r: i32): void {
  if (r >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (r > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// rows rows of len floats from src (rows srcStride floats apart) to dst (dstStride apart):
// a slice along one axis, or its gradient's scatter into a zeroed box.
export function f32_copy_rows(src: usize, dst: usize, rows: i32, len: i32, srcStride: i32, dstStride: i32): void {
  const bytes = <usize>len << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * srcStride) << 2), d = dst + (<usize>(r * dstStride) << 2);
    if (len > 32) {
      memory.copy(d, s, bytes);
      continue;
    }
    let i = 0;
    for (; i + 4 <= len; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
    for (; i < len; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
  }
}

// Output columns [x0, ow) of output row y of a depthwise convolution over the padded plane,
// kernel rows [i0, i1) only (the others read padding): 4 at a time when the horizontal
// stride is 1 (the last block stores only its valid lanes; its extra lanes read at most 3
// floats past the row, inside the plane or its slack), else one at a time.
function dwRowTail(pad: usize, k: usize, orow: usize, y: i32, x0: i32, ow: i32, i0: i32, i1: i32, kw: i32, PWd: i32, sh: i32, sw: i32): void {
  if (sw == 1) {
    for (; x0 < ow; x0 += 4) {
      let acc = f32x4.splat(0);
      for (let i = i0; i < i1; i++) {
        const prow = pad + (<usize>((y * sh + i) * PWd + x0) << 2);
        const krow = k + (<usize>(i * kw) << 2);
        for (let j = 0; j < kw; j++) {
          acc = madd(v128.load(prow + (<usize>j << 2)), v128.load32_splat(krow + (<usize>j << 2)), acc);
        }
      }
      storeLanes(orow + (<usize>x0 << 2), ftz4(acc), ow - x0);
    }
    return;
  }
  for (; x0 < ow; x0++) {
    let s: f32 = 0;
    for (let i = i0; i < i1; i++) {
      const prow = pad + (<usize>((y * sh + i) * PWd + x0 * sw) << 2);
      const krow = k + (<usize>(i * kw) << 2);
      for (let j = 0; j < kw; j++) s += load<f32>(prow + (<usize>j << 2)) * load<f32>(krow + (<usize>j << 2));
    }
    store<f32>(orow + (<usize>x0 << 2), ftz(s));
  }
}

// Depthwise convolution of `planes` channel planes (multiplier 1): out[p] = x[p] ⋆ wt[p % c].
// `pad` is scratch for one zero-padded plane ((h+2ph) x (w+2pw) + 16 floats). Kernel rows
// that land wholly in the padding are skipped (on small maps, e.g. 7×7 taps over 3×3 or
// 1×1, most of them), so a padded tap adds nothing, as in the reference.
export function f32_dwconv2d__wasmsimd(x: usize, wt: usize, out: usize, planes: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32, pad: usize): void {
  const PH = h + 2 * ph, PWd = w + 2 * pw;
  memory.fill(pad, 0, <usize>(PH * PWd + 16) << 2);
  for (let p = 0; p < planes; p++) {
    const src = x + (<usize>(p * h * w) << 2);
    for (let y = 0; y < h; y++) {
      memory.copy(pad + (<usize>((y + ph) * PWd + pw) << 2), src + (<usize>(y * w) << 2), <usize>w << 2);
    }
    const k = wt + (<usize>((p % c) * kh * kw) << 2);
    const dst = out + (<usize>(p * oh * ow) << 2);
    let y = 0;
    if (sh == 1 && sw == 1) {
      // Two output rows at once: input row y+r feeds row y with kernel row r and row y+1
      // with kernel row r-1, so each input vector is loaded once for both. Input rows
      // [r0, r1) of the pair hold image rows (the others are padding).
      for (; y + 2 <= oh; y += 2) {
        const o0 = dst + (<usize>(y * ow) << 2), o1 = o0 + (<usize>ow << 2);
        const r0 = max(0, ph - y), r1 = min(kh + 1, ph + h - y);
        let x0 = 0;
        for (; x0 + 16 <= ow; x0 += 16) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
          for (let r = r0; r < r1; r++) {
            const prow = pad + (<usize>((y + r) * PWd + x0) << 2);
            for (let j = 0; j < kw; j++) {
              const q = prow + (<usize>j << 2);
              const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
              if (r < kh) {
                const w0 = v128.load32_splat(k + (<usize>(r * kw + j) << 2));
                a0 = madd(v0, w0, a0); a1 = madd(v1, w0, a1); a2 = madd(v2, w0, a2); a3 = madd(v3, w0, a3);
              }
              if (r > 0) {
                const w1 = v128.load32_splat(k + (<usize>((r - 1) * kw + j) << 2));
                b0 = madd(v0, w1, b0); b1 = madd(v1, w1, b1); b2 = madd(v2, w1, b2); b3 = madd(v3, w1, b3);
              }
            }
          }
          const p0 = o0 + (<usize>x0 << 2), p1 = o1 + (<usize>x0 << 2);
          v128.store(p0, ftz4(a0)); v128.store(p0, ftz4(a1), 16); v128.store(p0, ftz4(a2), 32); v128.store(p0, ftz4(a3), 48);
          v128.store(p1, ftz4(b0)); v128.store(p1, ftz4(b1), 16); v128.store(p1, ftz4(b2), 32); v128.store(p1, ftz4(b3), 48);
        }
        // 8 columns of both rows at a time, then 4 (the last block storing its valid lanes).
        for (; x0 + 8 <= ow; x0 += 8) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
          for (let r = r0; r < r1; r++) {
            const prow = pad + (<usize>((y + r) * PWd + x0) << 2);
            for (let j = 0; j < kw; j++) {
              const q = prow + (<usize>j << 2);
              const v0 = v128.load(q), v1 = v128.load(q, 16);
              if (r < kh) {
                const w0 = v128.load32_splat(k + (<usize>(r * kw + j) << 2));
                a0 = madd(v0, w0, a0);
                a1 = madd(v1, w0, a1);
              }
              if (r > 0) {
                const w1 = v128.load32_splat(k + (<usize>((r - 1) * kw + j) << 2));
                b0 = madd(v0, w1, b0);
                b1 = madd(v1, w1, b1);
              }
            }
          }
          const p0 = o0 + (<usize>x0 << 2), p1 = o1 + (<usize>x0 << 2);
          v128.store(p0, ftz4(a0)); v128.store(p0, ftz4(a1), 16);
          v128.store(p1, ftz4(b0)); v128.store(p1, ftz4(b1), 16);
        }
        for (; x0 < ow; x0 += 4) {
          let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
          for (let r = r0; r < r1; r++) {
            const prow = pad + (<usize>((y + r) * PWd + x0) << 2);
            for (let j = 0; j < kw; j++) {
              const v0 = v128.load(prow + (<usize>j << 2));
              if (r < kh) a0 = madd(v0, v128.load32_splat(k + (<usize>(r * kw + j) << 2)), a0);
              if (r > 0) b0 = madd(v0, v128.load32_splat(k + (<usize>((r - 1) * kw + j) << 2)), b0);
            }
          }
          storeLanes(o0 + (<usize>x0 << 2), ftz4(a0), ow - x0);
          storeLanes(o1 + (<usize>x0 << 2), ftz4(b0), ow - x0);
        }
      }
    }
    for (; y < oh; y++) {
      const orow = dst + (<usize>(y * ow) << 2);
      const i0 = max(0, ph - y * sh), i1 = min(kh, ph + h - y * sh);
      let x0 = 0;
      if (sw == 1) {
        // 16 outputs per step: one weight splat feeds four accumulators.
        for (; x0 + 16 <= ow; x0 += 16) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          for (let i = i0; i < i1; i++) {
            const prow = pad + (<usize>((y * sh + i) * PWd + x0) << 2);
            const krow = k + (<usize>(i * kw) << 2);
            for (let j = 0; j < kw; j++) {
              const wv = v128.load32_splat(krow + (<usize>j << 2));
              const q = prow + (<usize>j << 2);
              a0 = madd(v128.load(q), wv, a0);
              a1 = madd(v128.load(q, 16), wv, a1);
              a2 = madd(v128.load(q, 32), wv, a2);
              a3 = madd(v128.load(q, 48), wv, a3);
            }
          }
          const o = orow + (<usize>x0 << 2);
          v128.store(o, ftz4(a0));
          v128.store(o, ftz4(a1), 16);
          v128.store(o, ftz4(a2), 32);
          v128.store(o, ftz4(a3), 48);
        }
      }
      dwRowTail(pad, k, orow, y, x0, ow, i0, i1, kw, PWd, sh, sw);
    }
  }
}

// Weight gradient of a depthwise convolution, stride 1: dw[c, i, j] += Σ_{y,x} dy[p, y, x] ·
// xpad[p, y + i, x + j] over planes p (channel p % c). `pad` as in f32_dwconv2d__wasmsimd.
// Kernels up to 8 wide run a kernel row at a time in two vectors over j (one splat of
// dy[y, x] feeds both); wider ones a tap at a time, vectors over x. Either way only the
// output rows y whose input row y + i is inside the image are visited. Planes [g*groupPlanes,
// (g+1)*groupPlanes) add into partial g, the filters at dw + g*c*kh*kw (groupPlanes ≥ planes:
// one sum), so a caller can fix the summation order whatever the thread count.
export function f32_dwconv2d_grad_weight__wasmsimd(x: usize, dy: usize, dw: usize, planes: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, ph: i32, pw: i32, pad: usize, groupPlanes: i32): void {
  const PH = h + 2 * ph, PWd = w + 2 * pw;
  memory.fill(pad, 0, <usize>(PH * PWd + 16) << 2);
  for (let p = 0; p < planes; p++) {
    const src = x + (<usize>(p * h * w) << 2);
    for (let y = 0; y < h; y++) {
      memory.copy(pad + (<usize>((y + ph) * PWd + pw) << 2), src + (<usize>(y * w) << 2), <usize>w << 2);
    }
    const g = dy + (<usize>(p * oh * ow) << 2);
    const k = dw + (<usize>(((p / groupPlanes) * c + p % c) * kh * kw) << 2);
    for (let i = 0; i < kh; i++) {
      const y0 = max(0, ph - i), y1 = min(oh, ph + h - i);
      if (y0 >= y1) continue;
      if (kw <= 8) {
        // Lanes past kw read at most 2 floats past the row (the plane's slack) and are dropped.
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
        for (let y = y0; y < y1; y++) {
          const grow = g + (<usize>(y * ow) << 2);
          const prow = pad + (<usize>((y + i) * PWd) << 2);
          if (kw > 4) {
            for (let x0 = 0; x0 < ow; x0++) {
              const d = v128.load32_splat(grow + (<usize>x0 << 2)), q = prow + (<usize>x0 << 2);
              a0 = madd(d, v128.load(q), a0);
              a1 = madd(d, v128.load(q, 16), a1);
            }
          } else {
            for (let x0 = 0; x0 < ow; x0++) {
              a0 = madd(v128.load32_splat(grow + (<usize>x0 << 2)), v128.load(prow + (<usize>x0 << 2)), a0);
            }
          }
        }
        const q = k + (<usize>(i * kw) << 2);
        storeLanes(q, ftz4(f32x4.add(v128.load(q), a0)), kw);
        if (kw > 4) storeLanes(q + 16, ftz4(f32x4.add(v128.load(q, 16), a1)), kw - 4);
        continue;
      }
      for (let j = 0; j < kw; j++) {
        let acc = f32x4.splat(0);
        let s: f32 = 0;
        for (let y = y0; y < y1; y++) {
          const grow = g + (<usize>(y * ow) << 2);
          const prow = pad + (<usize>((y + i) * PWd + j) << 2);
          let x0 = 0;
          for (; x0 + 4 <= ow; x0 += 4) {
            acc = madd(v128.load(grow + (<usize>x0 << 2)), v128.load(prow + (<usize>x0 << 2)), acc);
          }
          for (; x0 < ow; x0++) s += load<f32>(grow + (<usize>x0 << 2)) * load<f32>(prow + (<usize>x0 << 2));
        }
        const q = k + (<usize>(i * kw + j) << 2);
        store<f32>(q, ftz(load<f32>(q) + s + f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)));
      }
    }
  }
}

// im2col written straight into the GEMM's packed-B layout (K = cn*kh*kw rows, N = oh*ow
// columns), so the GEMM skips its own packing of B.
// @ts-ignore: decorator
@inline function panelAt(base: usize, panelStride: usize, q: i32): usize {
  return base + <usize>(q >> 3) * panelStride + (<usize>(q & 7) << 2);
}

export function f32_im2col_packed(x: usize, bp: usize, cn: i32, h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, ph: i32, pw: i32): void {
  const K = cn * kh * kw, N = oh * ow;
  const npad = ((N + 7) >> 3) << 3;
  for (let ci = 0; ci < cn; ci++) {
    const plane = x + (<usize>(ci * h * w) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const r = (ci * kh + i) * kw + j;
        // Row r of block p0 (KC rows): element (r, q) sits at base + (q >> 3)*kc*8 + (q & 7).
        const p0 = (r / KC) * KC;
        const kc = min(KC, K - p0);
        const base = bp + (<usize>(p0 * npad + (r - p0) * 8) << 2);
        const panelStride = <usize>(kc * 8) << 2;
        // Output columns whose tap lands inside the image: [lo, hi).
        const lo = pw - j > 0 ? min(ow, (pw - j + sw - 1) / sw) : 0;
        const last = w - 1 + pw - j;
        const hi = last < 0 ? 0 : min(ow, last / sw + 1);
        let q = 0;
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - ph + i;
          if (iy < 0 || iy >= h) {
            for (let x0 = 0; x0 < ow; x0++, q++) store<f32>(panelAt(base, panelStride, q), 0);
            continue;
          }
          const src = plane + (<usize>(iy * w - pw + j) << 2);
          let x0 = 0;
          for (; x0 < lo; x0++, q++) store<f32>(panelAt(base, panelStride, q), 0);
          while (x0 < hi) {
            if (sw == 1 && (q & 7) == 0 && hi - x0 >= 8) {
              // A whole panel lane group from one contiguous input run: two vector copies.
              const d = panelAt(base, panelStride, q), sp = src + (<usize>x0 << 2);
              v128.store(d, v128.load(sp));
              v128.store(d, v128.load(sp, 16), 16);
              x0 += 8;
              q += 8;
            } else {
              store<f32>(panelAt(base, panelStride, q), load<f32>(src + (<usize>(x0 * sw) << 2)));
              x0++;
              q++;
            }
          }
          for (; x0 < ow; x0++, q++) store<f32>(panelAt(base, panelStride, q), 0);
        }
      }
    }
  }
}
