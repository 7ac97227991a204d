/** The shapes issue 3 compares with onnxruntime-web, shared by both sides of the bench. */
export interface BenchCase {
  /** Label. */
  name: string;
  /** `gemm`: Y[m,n] = A[m,k]·B[k,n]; `conv`: Y = conv(A NCHW, B OIHW). */
  kind: "gemm" | "conv";
  /** Shape of A. */
  a: number[];
  /** Shape of B. */
  b: number[];
  /** Shape of Y. */
  y: number[];
  /** Zero padding (conv). */
  pad: number;
  /** Groups (conv). */
  groups: number;
  /** Multiply-adds × 2. */
  flops: number;
}

const gemm = (m: number, k: number, n: number): BenchCase => ({
  name: `GEMM ${m}×${k}×${n}`,
  kind: "gemm",
  a: [m, k],
  b: [k, n],
  y: [m, n],
  pad: 0,
  groups: 1,
  flops: 2 * m * k * n,
});
const conv = (
  name: string,
  n: number,
  c: number,
  o: number,
  hw: number,
  k: number,
  groups: number,
): BenchCase => ({
  name,
  kind: "conv",
  a: [n, c, hw, hw],
  b: [o, c / groups, k, k],
  y: [n, o, hw, hw],
  pad: (k - 1) / 2,
  groups,
  flops: 2 * n * o * hw * hw * (c / groups) * k * k,
});

/** Every compared case. */
export const BENCH_CASES: BenchCase[] = [
  gemm(128, 784, 300),
  gemm(128, 300, 100),
  gemm(1024, 1024, 1024),
  conv("conv 3×3 B32 32→64 28²", 32, 32, 64, 28, 3, 1),
  conv("depthwise 7×7 B32 C96 28²", 32, 96, 96, 28, 7, 96),
];

/** Median seconds per call of `fn` over calls filling at least `minSeconds` (after one warm-up). */
export async function timeAsync(fn: () => unknown, minSeconds = 1.5): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start) / 1000 < minSeconds) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
