// f32 GEMM for the three training layouts: C = op(A)·op(B), row-major, packed panels,
// 6x8 register tile (12 accumulators + 2 B vectors + 1 A splat fit the 16 SIMD registers). Relaxed-SIMD builds fuse multiply-add; the plain build does not
// (exactness mode). Summation over k runs in a fixed order in both. The tile store
// flushes subnormal results (see flush.ts).

import { ftz, ftz4 } from "./flush";

const MR = 6;
const NR = 8;
export const KC = 256;
// Rows of A per L2 block (MC x KC floats = 144 KiB).
const MC = 144;

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Transposes the 4x4 block of rows v0..v3 (one per source column) into its 4 columns.
// @ts-ignore: decorator
@inline function storeTransposed4(dst: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  const t0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

// Packs rows [p0, p0+kc) and columns [j0, j1) of op(B) (k x n) into panels of NR
// columns: panel jp holds kc rows of NR floats, zero padded past j1. Full panels copy
// vectors (B row-major: two per row; B transposed: 4x4 transposes); the last partial
// panel goes element by element.
function packB(b: usize, bp: usize, n: i32, k: i32, p0: i32, kc: i32, transB: bool, j0: i32, j1: i32): void {
  const panels = (j1 - j0 + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const dst = bp + (<usize>(jp * kc * NR) << 2);
    const jb = j0 + jp * NR;
    if (jb + NR <= j1) {
      if (!transB) {
        let src = b + (<usize>(p0 * n + jb) << 2);
        const step = <usize>n << 2;
        for (let p = 0; p < kc; p++) {
          const row = dst + (<usize>(p * NR) << 2);
          v128.store(row, v128.load(src));
          v128.store(row, v128.load(src, 16), 16);
          src += step;
        }
        continue;
      }
      // Column jb + q of the panel is contiguous in B: b[(jb + q)*k + p0 + p].
      const col = b + (<usize>(jb * k + p0) << 2), cs = <usize>k << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = col + (<usize>p << 2), d = dst + (<usize>(p * NR) << 2);
        storeTransposed4(d, NR << 2, v128.load(s), v128.load(s + cs), v128.load(s + 2 * cs), v128.load(s + 3 * cs));
        const s4 = s + 4 * cs;
        storeTransposed4(d + 16, NR << 2, v128.load(s4), v128.load(s4 + cs), v128.load(s4 + 2 * cs), v128.load(s4 + 3 * cs));
      }
      for (; p < kc; p++) {
        const row = dst + (<usize>(p * NR) << 2);
        for (let q = 0; q < NR; q++) store<f32>(row + (<usize>q << 2), load<f32>(col + <usize>q * cs + (<usize>p << 2)));
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const row = dst + (<usize>(p * NR) << 2);
      for (let q = 0; q < NR; q++) {
        const j = jb + q;
        let v: f32 = 0;
        if (j < j1) {
          v = transB
            ? load<f32>(b + (<usize>(j * k + p0 + p) << 2))
            : load<f32>(b + (<usize>((p0 + p) * n + j) << 2));
        }
        store<f32>(row + (<usize>q << 2), v);
      }
    }
  }
}

// Packs columns [p0, p0+kc) of op(A) for `rows` rows into panels of MR rows: panel i
// holds kc groups of MR floats, zero padded past `rows`. `ld` is A's row stride. Full
// panels of a transposed A copy their 6 contiguous floats per k; of a row-major A, read
// row by row.
function packA(a: usize, ap: usize, rows: i32, ld: i32, p0: i32, kc: i32, transA: bool): void {
  const panels = (rows + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const dst = ap + (<usize>(ip * kc * MR) << 2);
    const ib = ip * MR;
    if (ib + MR <= rows) {
      if (transA) {
        let src = a + (<usize>(p0 * ld + ib) << 2);
        const step = <usize>ld << 2;
        for (let p = 0; p < kc; p++) {
          const d = dst + (<usize>(p * MR) << 2);
          v128.store(d, v128.load(src));
          store<u64>(d, load<u64>(src, 16), 16);
          src += step;
        }
      } else {
        for (let r = 0; r < MR; r++) {
          const src = a + (<usize>((ib + r) * ld + p0) << 2), d = dst + (<usize>r << 2);
          for (let p = 0; p < kc; p++) store<f32>(d + (<usize>(p * MR) << 2), load<f32>(src + (<usize>p << 2)));
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const i = ib + r;
        let v: f32 = 0;
        if (i < rows) {
          v = transA
            ? load<f32>(a + (<usize>((p0 + p) * ld + i) << 2))
            : load<f32>(a + (<usize>(i * ld + p0 + p) << 2));
        }
        store<f32>(dst + (<usize>(p * MR + r) << 2), v);
      }
    }
  }
}

// 6x8 micro-kernel; writes (or adds to) the valid part of the tile. A's six rows start at
// `ap`, `lda` bytes apart, and advance `astep` bytes per k: a packed panel is (4, 24), a
// row-major A read in place is (row stride, 4).
function f32_gemm_6x8__wasmsimd(
  ap: usize, lda: usize, astep: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let pa = ap, pb = bp;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa + lda);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa + 2 * lda);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa + 3 * lda);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa + 4 * lda);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(pa + 5 * lda);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    pa += astep;
    pb += NR << 2;
  }
  // Spill to the tile buffer (6 rows x 8), then write the valid part (full tiles too:
  // a store per row is as cheap as the direct path and keeps one code path).
  const t = tile;
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  v128.store(t, c40, 128); v128.store(t, c41, 144);
  v128.store(t, c50, 160); v128.store(t, c51, 176);
  if (cols == NR) {
    for (let r = 0; r < rows; r++) {
      const dst = c + (<usize>(r * ldc) << 2);
      let v0 = v128.load(t + (<usize>(r * NR) << 2));
      let v1 = v128.load(t + (<usize>(r * NR) << 2), 16);
      if (accumulate) {
        v0 = f32x4.add(v0, v128.load(dst));
        v1 = f32x4.add(v1, v128.load(dst, 16));
      }
      v128.store(dst, ftz4(v0));
      v128.store(dst, ftz4(v1), 16);
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + (<usize>(r * ldc + q) << 2);
      const v = load<f32>(t + (<usize>(r * NR + q) << 2));
      store<f32>(dst, ftz(accumulate ? load<f32>(dst) + v : v));
    }
  }
}

// Scratch floats f32_gemm needs for given sizes.
export function gemmScratchFloats(m: i32, n: i32, k: i32): i32 {
  const kc = min(k, KC);
  return 64 + ((m + MR - 1) / MR) * MR * kc + ((n + NR - 1) / NR) * NR * kc;
}

// Floats of B already packed by the caller (see f32_im2col_packed): all k-blocks.
export function packedBFloats(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

// C[m x n] = op(A)·op(B) for rows [i0, i1) and columns [j0, j1) of C (j0 a multiple of 8
// when bPacked). scratch: gemmScratchFloats floats. bPacked: `b` is already in the packed-B
// layout for all n columns (transB ignored).
export function f32_gemm(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  scratch: usize, i0: i32, i1: i32, j0: i32, j1: i32, bPacked: bool,
): void {
  if (k == 0) {
    for (let i = i0; i < i1; i++) memory.fill(c + (<usize>(i * n + j0) << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  const kcMax = min(k, KC);
  const ap = scratch + 256;
  const rows = i1 - i0;
  const bp = ap + (<usize>(((rows + MR - 1) / MR) * MR * kcMax) << 2);
  const aOff = transA ? a + (<usize>i0 << 2) : a + (<usize>(i0 * k) << 2);
  const npadAll = ((n + NR - 1) / NR) * NR;
  const panelsN = (j1 - j0 + NR - 1) / NR;
  const panelsM = (rows + MR - 1) / MR;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const bpk = bPacked ? b + (<usize>(p0 * npadAll + (j0 / NR) * kc * NR) << 2) : bp;
    if (!bPacked) packB(b, bp, n, k, p0, kc, transB, j0, j1);
    // Row-major A is read in place for full 6-row tiles; transposed A, and the last partial
    // tile, are packed (a partial tile must not read rows past the end of A).
    // (In place only while B is narrow: with many B panels each A tile is reused enough
    // that packing it pays.)
    const fullM = transA || n > 512 ? 0 : rows / MR;
    if (transA) packA(aOff, ap, rows, m, p0, kc, true);
    else if (fullM == 0) packA(aOff, ap, rows, k, p0, kc, false);
    else if (fullM < panelsM) {
      packA(aOff + (<usize>(fullM * MR * k) << 2), ap + (<usize>(fullM * kc * MR) << 2), rows - fullM * MR, k, p0, kc, false);
    }
    // Blocks of MC rows: one block's A panels stay in L2 while every B panel passes over
    // them (without it, A for 1,000 rows and KC = 256 is 1 MB, a whole L2).
    for (let ib = 0; ib < panelsM; ib += MC / MR) {
      const ie = min(panelsM, ib + MC / MR);
      for (let jp = 0; jp < panelsN; jp++) {
        const bpj = bpk + (<usize>(jp * kc * NR) << 2);
        const col0 = j0 + jp * NR;
        const cols = min(NR, j1 - col0);
        for (let ip = ib; ip < ie; ip++) {
          const r = min(MR, rows - ip * MR);
          const ctile = c + (<usize>((i0 + ip * MR) * n + col0) << 2);
          if (ip < fullM) {
            const arow = aOff + (<usize>(ip * MR * k + p0) << 2);
            f32_gemm_6x8__wasmsimd(arow, <usize>k << 2, 4, bpj, kc, ctile, n, r, cols, p0 > 0, scratch);
          } else {
            f32_gemm_6x8__wasmsimd(ap + (<usize>(ip * kc * MR) << 2), 4, MR << 2, bpj, kc, ctile, n, r, cols, p0 > 0, scratch);
          }
        }
      }
    }
  }
}

// The FMA ceiling: `iters` rounds of 12 independent multiply-adds on registers only (the
// micro-kernel's 12 accumulators, 2 B vectors and 1 A splat), 96 flops a round, nothing
// loaded or stored. Returns a lane of the sum so the work stays.
export function f32_fma_peak(iters: i32, seed: f32): f32 {
  const a = f32x4.splat(seed), b0 = f32x4.splat(seed * 0.5), b1 = f32x4.splat(seed * 0.25);
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(c40, c41), f32x4.add(c50, c51))), 0);
}
