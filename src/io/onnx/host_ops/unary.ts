/**
 * Elementwise ops of one input: the math functions (Exp, Log, Sqrt, Reciprocal, Neg,
 * Abs, Floor, Ceil, Round, Sign, Erf, the trigonometric and hyperbolic functions) and
 * the tests IsNaN and IsInf (bool results). Results keep the input's element type.
 *
 * @module
 */
import type { HostOp } from "./host_op.ts";
import { hostOp, type OpCall } from "./op_call.ts";
import { result, roundHalfEven } from "./store.ts";

/** An elementwise op: `fn(c)` reads the attributes and gives the per-element function. */
export function unaryOp(
  op: string,
  fn: (c: OpCall) => (v: number) => number,
  outType?: string,
): HostOp {
  return hostOp(op, (c) => {
    const x = c.input(0, "X");
    const f = fn(c);
    const src = x.data, out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
    return [result(outType ?? x.dtype, [...x.dims], out)];
  });
}

const SQRT_PI = Math.sqrt(Math.PI);

/** The error function, to about 1e-15 relative (series below 2.5, continued fraction above). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (Number.isNaN(x)) return x;
  if (a < 2.5) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const d = term / (2 * n + 1);
      sum += d;
      if (Math.abs(d) <= 1e-17 * sum) break;
    }
    return (x < 0 ? -sum : sum) * (2 / SQRT_PI);
  }
  if (a >= 6) return x < 0 ? -1 : 1;
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + (k / 2) / f;
  const erfc = Math.exp(-a * a) / SQRT_PI / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

const fixed = (f: (v: number) => number) => () => f;

/** The math ops by ONNX op type. */
export const UNARY_OPS: Readonly<Record<string, HostOp>> = {
  Exp: unaryOp("Exp", fixed(Math.exp)),
  Log: unaryOp("Log", fixed(Math.log)),
  Sqrt: unaryOp("Sqrt", fixed(Math.sqrt)),
  Reciprocal: unaryOp("Reciprocal", fixed((v) => 1 / v)),
  Neg: unaryOp("Neg", fixed((v) => -v)),
  Abs: unaryOp("Abs", fixed(Math.abs)),
  Floor: unaryOp("Floor", fixed(Math.floor)),
  Ceil: unaryOp("Ceil", fixed(Math.ceil)),
  Round: unaryOp("Round", fixed(roundHalfEven)),
  Sign: unaryOp("Sign", fixed(Math.sign)),
  Erf: unaryOp("Erf", fixed(erf)),
  Sin: unaryOp("Sin", fixed(Math.sin)),
  Cos: unaryOp("Cos", fixed(Math.cos)),
  Tan: unaryOp("Tan", fixed(Math.tan)),
  Asin: unaryOp("Asin", fixed(Math.asin)),
  Acos: unaryOp("Acos", fixed(Math.acos)),
  Atan: unaryOp("Atan", fixed(Math.atan)),
  Sinh: unaryOp("Sinh", fixed(Math.sinh)),
  Cosh: unaryOp("Cosh", fixed(Math.cosh)),
  Asinh: unaryOp("Asinh", fixed(Math.asinh)),
  Acosh: unaryOp("Acosh", fixed(Math.acosh)),
  Atanh: unaryOp("Atanh", fixed(Math.atanh)),
  IsNaN: unaryOp("IsNaN", fixed((v) => (Number.isNaN(v) ? 1 : 0)), "bool"),
  IsInf: unaryOp("IsInf", (c) => {
    const neg = c.int("detect_negative", 1) !== 0, pos = c.int("detect_positive", 1) !== 0;
    return (v) => ((v === Infinity && pos) || (v === -Infinity && neg) ? 1 : 0);
  }, "bool"),
};
