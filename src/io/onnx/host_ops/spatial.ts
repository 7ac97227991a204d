/**
 * The window geometry Conv and the pools share: kernel, strides, dilations and pads
 * from the attributes (auto_pad NOTSET, VALID, SAME_UPPER, SAME_LOWER; ceil_mode for
 * pools), the output size, and the same geometry promoted to three spatial axes so one
 * loop nest serves 1-D, 2-D and 3-D.
 *
 * @module
 */
import { fmtDims, type OpCall } from "./op_call.ts";

/** Window geometry over three spatial axes (leading axes of size 1 for 1-D and 2-D). */
export interface Window3 {
  /** Input spatial sizes [D, H, W]. */
  input: number[];
  /** Kernel sizes. */
  kernel: number[];
  /** Strides. */
  strides: number[];
  /** Dilations. */
  dilations: number[];
  /** Padding before each axis. */
  begin: number[];
  /** Padding after each axis. */
  end: number[];
  /** Output spatial sizes. */
  output: number[];
  /** The output spatial sizes before promotion (what the result's dims end with). */
  outSpatial: number[];
}

function listOf(c: OpCall, name: string, n: number, dflt: number): number[] {
  const v = c.ints(name) ?? new Array<number>(n).fill(dflt);
  if (v.length !== n) c.fail(`${name} [${v}] must have ${n} values`);
  return v;
}

/**
 * The window geometry of an op over `spatial` input sizes with `kernel` sizes, read
 * from the attributes; `ceil` for pools' ceil_mode.
 */
export function windowOf(
  c: OpCall,
  spatial: readonly number[],
  kernel: readonly number[],
  ceil = false,
): Window3 {
  const r = spatial.length;
  if (r < 1 || r > 3) c.fail(`${r} spatial axes; 1, 2 or 3 are supported`);
  if (kernel.length !== r || kernel.some((k) => !Number.isInteger(k) || k < 1)) {
    c.fail(`kernel ${fmtDims(kernel)} does not fit ${r} spatial axes`);
  }
  const strides = listOf(c, "strides", r, 1), dilations = listOf(c, "dilations", r, 1);
  if ([...strides, ...dilations].some((v) => v < 1)) {
    c.fail(`strides [${strides}] and dilations [${dilations}] must be ≥ 1`);
  }
  const autoPad = c.str("auto_pad", "NOTSET");
  const begin = new Array<number>(r).fill(0), end = new Array<number>(r).fill(0);
  const output = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const dk = (kernel[i] - 1) * dilations[i] + 1, s = strides[i], n = spatial[i];
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      output[i] = Math.ceil(n / s);
      const total = Math.max(0, (output[i] - 1) * s + dk - n);
      const small = Math.floor(total / 2);
      begin[i] = autoPad === "SAME_UPPER" ? small : total - small;
      end[i] = total - begin[i];
      continue;
    }
    if (autoPad === "NOTSET") {
      const pads = listOf(c, "pads", 2 * r, 0);
      if (pads.some((p) => p < 0)) c.fail(`pads [${pads}] must be ≥ 0`);
      begin[i] = pads[i];
      end[i] = pads[r + i];
    } else if (autoPad !== "VALID") {
      c.fail(`auto_pad "${autoPad}" is not NOTSET, VALID, SAME_UPPER or SAME_LOWER`);
    }
    const span = n + begin[i] + end[i] - dk;
    if (span < 0) {
      c.fail(`kernel ${fmtDims(kernel)} (dilated) exceeds the padded input ${fmtDims(spatial)}`);
    }
    output[i] = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (output[i] - 1) * s >= n + begin[i]) output[i]--;
  }
  const lift = (v: number[], fill: number) => [...new Array<number>(3 - r).fill(fill), ...v];
  return {
    input: lift([...spatial], 1),
    kernel: lift([...kernel], 1),
    strides: lift(strides, 1),
    dilations: lift(dilations, 1),
    begin: lift(begin, 0),
    end: lift(end, 0),
    output: lift(output, 1),
    outSpatial: output,
  };
}
