import type { Module } from "./module.ts";

/** A parameter holding NaN or ±Infinity. */
export interface NonFiniteParameter {
  /** Parameter name. */
  name: string;
  /** Number of NaN/Inf entries. */
  count: number;
  /** Flat index of the first one. */
  index: number;
  /** Its value (NaN, Infinity or -Infinity). */
  value: number;
}

/**
 * Index of the first NaN or ±Infinity in `data`, or -1 when every entry is finite.
 *
 * @example
 * ```ts
 * import { firstNonFinite } from "./finite.ts";
 * console.assert(firstNonFinite([1, 2, NaN]) === 2 && firstNonFinite([0]) === -1);
 * ```
 */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * Every parameter of `model` holding NaN or ±Infinity, in parameter order (reads the
 * values synchronously: CPU backends).
 *
 * @example
 * ```ts
 * import { nonFiniteParameters } from "./finite.ts";
 * import { mlp } from "./models.ts";
 * const m = mlp([2, 2]);
 * m.parameters()[0].assign([1, NaN, 0, 1]);
 * console.assert(nonFiniteParameters(m)[0].index === 1);
 * ```
 */
export function nonFiniteParameters(model: Module): NonFiniteParameter[] {
  const out: NonFiniteParameter[] = [];
  for (const [name, p] of model.namedParameters()) {
    const d = p.toArray();
    let count = 0, index = -1;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        if (count++ === 0) index = i;
      }
    }
    if (count) out.push({ name, count, index, value: d[index] });
  }
  return out;
}

/**
 * `parameter "fc1.weight" holds NaN at index 3 (2 non-finite values)`.
 *
 * @example
 * ```ts
 * import { describeNonFinite } from "./finite.ts";
 * const text = describeNonFinite({ name: "w", count: 1, index: 0, value: Infinity });
 * console.assert(text === 'parameter "w" holds Infinity at index 0 (1 non-finite value)');
 * ```
 */
export function describeNonFinite(p: NonFiniteParameter): string {
  return `parameter "${p.name}" holds ${p.value} at index ${p.index} (${p.count} non-finite value${
    p.count === 1 ? "" : "s"
  })`;
}
