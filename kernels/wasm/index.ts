// Entry point of the squeeze Wasm kernels (AssemblyScript). Built by kernels/build.ts.
export { f32_fma_peak, f32_gemm, gemmScratchFloats, packedBFloats } from "./gemm";
export { f32_vaffine__wasmsimd, f32_vbinary__wasmsimd, f32_vbinary_mid__wasmsimd, f32_vunary__wasmsimd } from "./elementwise";
export { f32_cross_entropy_rows, f32_layer_norm_rows, f32_reduce_mid, f32_softmax_rows } from "./reduce";
export { f32_adamw, f32_sgd } from "./optim";
export { f32_ftz } from "./flush";
export { f32_cln_backward, f32_cln_forward } from "./norm";

export function heapBase(): usize {
  return __heap_base;
}
export {
  f32_col2im,
  f32_copy_rows,
  f32_dwconv2d__wasmsimd,
  f32_dwconv2d_grad_weight__wasmsimd,
  f32_im2col,
  f32_im2col_packed,
  f32_swap_axes01,
} from "./conv";
