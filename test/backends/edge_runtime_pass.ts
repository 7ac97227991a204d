/**
 * A small forward pass over the kernel families (matmul, convolution, elementwise,
 * reductions, normalization, indexing) for edge_runtime_test.ts, large enough that a
 * threaded backend splits its GEMMs. Imports nothing at load that needs Deno.
 */
import type { Backend } from "../../src/backends/backend.ts";

/** Outputs of the pass on `backend`, as plain arrays. */
export async function forwardPass(backend: Backend): Promise<number[][]> {
  const { tensor } = await import("../../src/tensor/create.ts");
  const { Rng } = await import("../../src/tensor/random.ts");
  const { add, gelu, relu, sigmoid } = await import("../../src/ops/elementwise.ts");
  const { matmul } = await import("../../src/ops/matmul.ts");
  const { conv2d } = await import("../../src/ops/conv.ts");
  const { layerNorm } = await import("../../src/ops/layer_norm.ts");
  const { softmax } = await import("../../src/ops/softmax.ts");
  const { mean } = await import("../../src/ops/reduce.ts");
  const { reshape, transpose } = await import("../../src/ops/shape_ops.ts");
  const rng = new Rng(7);
  const rand = (shape: number[]) =>
    tensor(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
      shape,
      { backend },
    );
  const x = rand([8, 3, 12, 12]);
  const c1 = relu(conv2d(x, rand([16, 3, 3, 3]), { padding: 1 }));
  const c2 = gelu(conv2d(c1, rand([16, 1, 3, 3]), { padding: 1, groups: 16 }));
  const flat = reshape(transpose(c2, [0, 2, 3, 1]), [8 * 144, 16]);
  const ln = layerNorm(flat, rand([16]), rand([16]));
  const h = sigmoid(add(matmul(ln, rand([16, 256])), rand([256])));
  const big = matmul(h, rand([256, 300]));
  const logits = matmul(reshape(big, [8, 144 * 300]), rand([10, 144 * 300]), { transB: true });
  const probs = softmax(logits);
  const pooled = mean(c2, { axes: [2, 3] });
  return [await probs.data(), await pooled.data(), await big.data()].map((a) => [...a]);
}
