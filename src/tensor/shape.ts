/** A tensor shape: one non-negative integer per axis. */
export type Shape = readonly number[];

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of `shape`, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** `[2, 3]` → `"[2,3]"`, for error messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** True when two shapes are equal axis by axis. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a `RangeError` naming `what` unless every entry is a non-negative integer. */
export function checkShape(shape: Shape, what: string): void {
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an array, got ${shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `${what}: bad shape ${formatShape(shape)} (axis sizes must be integers ≥ 0)`,
      );
    }
  }
}

/**
 * NumPy broadcasting of two shapes. Throws a `RangeError` naming `op` when they do not
 * broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${
          formatShape(b)
        } do not broadcast (axis ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor of shape `from` as if it had the broadcast shape `to`
 * (0 on broadcast axes).
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const s = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : s[i];
  return out;
}

/** Normalizes a possibly negative axis against `rank`; throws a `RangeError` naming `op`. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  }
  return a;
}
