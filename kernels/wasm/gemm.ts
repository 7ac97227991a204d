// f32 GEMM for the three training layouts: C = op(A)·op(B), row-major, packed panels,
// 4x8 register tile. Relaxed-SIMD builds fuse multiply-add; the plain build does not
// (exactness mode). Summation over k runs in a fixed order in both.

const MR = 4;
const NR = 8;
export const KC = 256;

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Packs rows [p0, p0+kc) of op(B) (k x n) into panels of NR columns: panel j holds
// kc rows of NR floats, zero padded past n.
function packB(b: usize, bp: usize, n: i32, k: i32, p0: i32, kc: i32, transB: bool): void {
  const panels = (n + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const dst = bp + (<usize>(jp * kc * NR) << 2);
    for (let p = 0; p < kc; p++) {
      const row = dst + (<usize>(p * NR) << 2);
      for (let q = 0; q < NR; q++) {
        const j = jp * NR + q;
        let v: f32 = 0;
        if (j < n) {
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
// holds kc groups of MR floats, zero padded past `rows`. `ld` is A's row stride.
function packA(a: usize, ap: usize, rows: i32, ld: i32, p0: i32, kc: i32, transA: bool): void {
  const panels = (rows + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const dst = ap + (<usize>(ip * kc * MR) << 2);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const i = ip * MR + r;
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

// 4x8 micro-kernel over packed panels; writes (or adds to) the valid part of the tile.
function f32_gemm_4x8__wasmsimd(
  ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = ap, pb = bp;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa, 4);
    const a2 = v128.load32_splat(pa, 8);
    const a3 = v128.load32_splat(pa, 12);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  if (rows == MR && cols == NR) {
    const r0 = c, r1 = c + (<usize>ldc << 2), r2 = c + (<usize>(2 * ldc) << 2), r3 = c + (<usize>(3 * ldc) << 2);
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(r0)); c01 = f32x4.add(c01, v128.load(r0, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    v128.store(r0, c00); v128.store(r0, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    return;
  }
  // Edge tile: spill to the 128-byte tile buffer at the start of the scratch area.
  const t = tile;
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + (<usize>(r * ldc + q) << 2);
      const v = load<f32>(t + (<usize>(r * NR + q) << 2));
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
    }
  }
}

// Scratch floats f32_gemm needs for given sizes.
export function gemmScratchFloats(m: i32, n: i32, k: i32): i32 {
  const kc = min(k, KC);
  return 32 + ((m + MR - 1) / MR) * MR * kc + ((n + NR - 1) / NR) * NR * kc;
}

// Floats of B already packed by the caller (see f32_im2col_packed): all k-blocks.
export function packedBFloats(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

// C[m x n] = op(A)·op(B) for rows [i0, i1) of C. scratch: gemmScratchFloats floats.
// bPacked: `b` is already in the packed-B layout (transB ignored).
export function f32_gemm(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  scratch: usize, i0: i32, i1: i32, bPacked: bool,
): void {
  if (k == 0) {
    for (let i = i0; i < i1; i++) memory.fill(c + (<usize>(i * n) << 2), 0, <usize>n << 2);
    return;
  }
  const kcMax = min(k, KC);
  const ap = scratch + 128;
  const rows = i1 - i0;
  const bp = ap + (<usize>(((rows + MR - 1) / MR) * MR * kcMax) << 2);
  const aOff = transA ? a + (<usize>i0 << 2) : a + (<usize>(i0 * k) << 2);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const bpk = bPacked ? b + (<usize>(p0 * (((n + NR - 1) / NR) * NR)) << 2) : bp;
    if (!bPacked) packB(b, bp, n, k, p0, kc, transB);
    packA(aOff, ap, rows, transA ? m : k, p0, kc, transA);
    const panelsN = (n + NR - 1) / NR;
    const panelsM = (rows + MR - 1) / MR;
    for (let jp = 0; jp < panelsN; jp++) {
      const bpj = bpk + (<usize>(jp * kc * NR) << 2);
      const cols = min(NR, n - jp * NR);
      for (let ip = 0; ip < panelsM; ip++) {
        const r = min(MR, rows - ip * MR);
        const ctile = c + (<usize>((i0 + ip * MR) * n + jp * NR) << 2);
        f32_gemm_4x8__wasmsimd(ap + (<usize>(ip * kc * MR) << 2), bpj, kc, ctile, n, r, cols, p0 > 0, scratch);
      }
    }
  }
}
