import type { NamedArray } from "./safetensors.ts";

/**
 * Checks a mask tensor read from a model file: the shape of its parameter, entries 0 or 1
 * only. Throws a `SyntaxError` naming the file, the tensor and the offending shape or
 * entry; returns the mask.
 *
 * @example
 * ```ts
 * import { checkedMask } from "./mask_check.ts";
 * const m = { shape: [2], data: Float32Array.of(1, 0.5) };
 * let msg = "";
 * try { checkedMask("m.st", "__mask__.w", m, [2]); } catch (e) { msg = (e as Error).message; }
 * console.assert(msg.includes('tensor "__mask__.w": entry 1 is 0.5'));
 * ```
 */
export function checkedMask(
  file: string,
  tensorName: string,
  mask: NamedArray,
  paramShape: readonly number[],
): NamedArray {
  if (mask.shape.length !== paramShape.length || mask.shape.some((d, i) => d !== paramShape[i])) {
    throw new SyntaxError(
      `${file}: tensor "${tensorName}".shape: [${mask.shape}] but its parameter is [${paramShape}]`,
    );
  }
  const d = mask.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== 0 && d[i] !== 1) {
      throw new SyntaxError(
        `${file}: tensor "${tensorName}": entry ${i} is ${d[i]}; a mask holds only 0 and 1`,
      );
    }
  }
  return mask;
}
