import type { MatmulParams } from "../backend.ts";
import type { TypedArray } from "../../tensor/dtype.ts";

/**
 * Reference matrix product with float64 accumulation. Loop orders keep the innermost
 * loop contiguous for the three layouts training uses (A·B, A·Bᵀ, Aᵀ·B).
 */
export function matmulLoop(a: TypedArray, b: TypedArray, out: TypedArray, p: MatmulParams): void {
  const { batch, m, n, k, transA, transB } = p;
  const acc = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = t * m * k, bo = t * k * n, co = t * m * n;
    for (let i = 0; i < m; i++) {
      const row = co + i * n;
      if (transB) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          const bj = bo + j * k;
          if (transA) { for (let q = 0; q < k; q++) s += a[ao + q * m + i] * b[bj + q]; }
          else {
            const ai = ao + i * k;
            for (let q = 0; q < k; q++) s += a[ai + q] * b[bj + q];
          }
          out[row + j] = s;
        }
        continue;
      }
      acc.fill(0);
      for (let q = 0; q < k; q++) {
        const av = transA ? a[ao + q * m + i] : a[ao + i * k + q];
        const bq = bo + q * n;
        for (let j = 0; j < n; j++) acc[j] += av * b[bq + j];
      }
      for (let j = 0; j < n; j++) out[row + j] = acc[j];
    }
  }
}
