/**
 * Validation helpers shared by the layer ops: attributes and parameter shapes, with
 * errors that name the node and the offending value.
 *
 * @module
 */
import { formatShape, type Shape } from "../tensor/shape.ts";
import type { AttrValue, SymShape } from "./ir.ts";
import type { ParamView } from "./layer_op.ts";

/** A numeric attribute (or its default), checked to be an integer ≥ `min` when `int`. */
export function numAttr(
  node: string,
  attrs: Readonly<Record<string, AttrValue>>,
  key: string,
  def: number,
  check: { min?: number; max?: number; int?: boolean } = {},
): number {
  const v = attrs[key] ?? def;
  const { min = -Infinity, max = Infinity, int = false } = check;
  if (typeof v !== "number" || !(v >= min && v <= max) || (int && !Number.isInteger(v))) {
    throw new RangeError(
      `${node}: attrs.${key} must be ${int ? "an integer" : "a number"} in [${min}, ${max}], got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

/** Throws unless `shape` is `[c]`. */
export function expectVector(
  node: string,
  role: string,
  shape: Shape | undefined,
  c: number,
): void {
  if (shape && (shape.length !== 1 || shape[0] !== c)) {
    throw new RangeError(`${node}: ${role} must be [${c}], got ${formatShape(shape)}`);
  }
}

/** Throws unless `x` has rank `rank` (or ≥ `rank` when `atLeast`). */
export function expectRankSym(
  node: string,
  what: string,
  x: SymShape,
  rank: number,
  atLeast = false,
): void {
  if (atLeast ? x.length < rank : x.length !== rank) {
    throw new RangeError(
      `${node}: ${what} expects rank ${atLeast ? "≥ " : ""}${rank}, got ${formatShape(x)}`,
    );
  }
}

/** Whether every entry of channel `c` (axis 0) of `p` is zero. */
export function channelIsZero(p: ParamView | undefined, c: number): boolean {
  if (!p) return false;
  const per = p.data.length / p.shape[0];
  for (let i = c * per; i < (c + 1) * per; i++) if (p.data[i] !== 0) return false;
  return true;
}

/** Sum of channel `c`'s entries (axis 0) of `p`. */
export function channelSum(p: ParamView, c: number): number {
  const per = p.data.length / p.shape[0];
  let s = 0;
  for (let i = c * per; i < (c + 1) * per; i++) s += p.data[i];
  return s;
}
