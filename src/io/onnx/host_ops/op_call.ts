/**
 * One call of a host op: its inputs, attributes and context, with the checks every op
 * makes (required inputs, typed attributes, axes in range). Every failure is a
 * `RangeError` that names the node, the op type and the offending value.
 *
 * @module
 */
import type { HostTensor } from "../host_tensor.ts";
import type { OnnxAttr, OnnxAttrs } from "../attributes.ts";
import type { HostOp, HostOpContext } from "./host_op.ts";

/** Dims as text: `[2,3,4]`. */
export function fmtDims(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

/** One op invocation and its validation helpers. */
export class OpCall {
  /** Makes a call of op type `op`. */
  constructor(
    readonly op: string,
    readonly inputs: readonly (HostTensor | undefined)[],
    readonly attrs: OnnxAttrs,
    readonly ctx: HostOpContext,
  ) {}

  /** The opset of the default domain. */
  get opset(): number {
    return this.ctx.opset;
  }

  /** `Op node "name"`, for messages. */
  get where(): string {
    return `${this.op} node "${this.ctx.node}"`;
  }

  /** Throws `RangeError` naming the node and the op. */
  fail(msg: string): never {
    throw new RangeError(`${this.op} node "${this.ctx.node}": ${msg}`);
  }

  /** Input `i`, which must be present. */
  input(i: number, name: string): HostTensor {
    const t = this.inputs[i];
    if (!t) this.fail(`input ${i} (${name}) is missing`);
    return t;
  }

  /** Input `i`, or undefined where it is omitted. */
  optional(i: number): HostTensor | undefined {
    return this.inputs[i];
  }

  /** Attribute `name`, raw (undefined when absent). */
  attr(name: string): OnnxAttr | undefined {
    return this.attrs[name];
  }

  /** An integer attribute (`dflt` when absent). */
  int(name: string, dflt: number): number {
    const v = this.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.fail(`attribute ${name} must be an integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** A float attribute (`dflt` when absent). */
  float(name: string, dflt: number): number {
    const v = this.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== "number") this.fail(`attribute ${name} must be a number, got ${v}`);
    return v;
  }

  /** A string attribute (`dflt` when absent). */
  str(name: string, dflt: string): string {
    const v = this.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== "string") this.fail(`attribute ${name} must be a string, got ${v}`);
    return v;
  }

  /** An integer-list attribute (undefined when absent). */
  ints(name: string): number[] | undefined {
    const v = this.attrs[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isInteger(x))) {
      this.fail(`attribute ${name} must be a list of integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  /** A float-list attribute (undefined when absent). */
  floats(name: string): number[] | undefined {
    const v = this.attrs[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
      this.fail(`attribute ${name} must be a list of numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  /** A tensor attribute (undefined when absent). */
  tensor(name: string): HostTensor | undefined {
    const v = this.attrs[name];
    if (v === undefined) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) this.fail(`attribute ${name} must be a tensor`);
    return v as HostTensor;
  }

  /** The integers held by tensor input `i` (undefined when omitted). */
  intsInput(i: number, name: string): number[] | undefined {
    const t = this.inputs[i];
    if (!t) return undefined;
    if (t.dims.length > 1) this.fail(`input ${name} must be 1-D, got dims ${fmtDims(t.dims)}`);
    const out = Array.from(t.data);
    if (out.some((v) => !Number.isInteger(v))) {
      this.fail(`input ${name} must hold integers, got [${out}]`);
    }
    return out;
  }

  /** The single number of tensor input `i` (undefined when omitted). */
  scalarInput(i: number, name: string): number | undefined {
    const t = this.inputs[i];
    if (!t) return undefined;
    if (t.data.length !== 1) {
      this.fail(`input ${name} must hold one value, got dims ${fmtDims(t.dims)}`);
    }
    return t.data[0];
  }

  /** `axis` in [-rank, rank) as an axis in [0, rank). */
  axis(axis: number, rank: number, what = "axis"): number {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      this.fail(`${what} ${axis} is out of range for rank ${rank}`);
    }
    return axis < 0 ? axis + rank : axis;
  }

  /** Distinct axes in [-rank, rank) as sorted axes in [0, rank). */
  axes(axes: readonly number[], rank: number, what = "axes"): number[] {
    const out = axes.map((a) => this.axis(a, rank, what));
    if (new Set(out).size !== out.length) this.fail(`${what} [${axes}] repeat an axis`);
    return out.sort((a, b) => a - b);
  }

  /** Fails unless every input given has element type `dtype`. */
  sameType(ts: readonly (HostTensor | undefined)[], dtype: string): void {
    for (const [i, t] of ts.entries()) {
      if (t && t.dtype !== dtype) this.fail(`input ${i} is ${t.dtype}, input 0 is ${dtype}`);
    }
  }
}

/** A {@linkcode HostOp} of type `op` from a body that takes an {@linkcode OpCall}. */
export function hostOp(op: string, body: (c: OpCall) => HostTensor[]): HostOp {
  return (inputs, attrs, ctx) => body(new OpCall(op, inputs, attrs, ctx));
}
