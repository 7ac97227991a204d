import { formatShape } from "../tensor/shape.ts";
import type { Graph, GraphNode, SymShape } from "./ir.ts";
import { LAYER_OPS } from "./layer_ops.ts";
import { GRAPH_VERSION } from "./upgrade.ts";

function fail(where: string, what: string): never {
  throw new SyntaxError(`graph ${where}: ${what}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shapeAt(v: unknown, where: string, sym: boolean): number[] {
  if (!Array.isArray(v)) fail(where, `expected a shape array, got ${JSON.stringify(v)}`);
  v.forEach((d, i) => {
    const ok = Number.isInteger(d) && ((d as number) >= 0 || (sym && d === -1));
    if (!ok) fail(`${where}[${i}]`, `bad axis size ${JSON.stringify(d)}`);
  });
  return v as number[];
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string" || v === "") {
    fail(where, `expected a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Checks that `g` is a well-formed graph: fields and types, unique names, known layer
 * ops, inputs defined before use, parameters declared with the shapes ops expect. Returns
 * the typed graph, the inferred shape of every value and its channel axis (declared by
 * the inputs, carried by each op's `readsAxis`/`outAxis`). Throws a `SyntaxError` naming
 * the field (`nodes[3].op`, …) and the problem.
 *
 * @example
 * ```ts
 * import { validateGraph } from "./validate.ts";
 * try {
 *   validateGraph({ format: "squeeze.graph" });
 * } catch (e) {
 *   console.assert(e instanceof SyntaxError);
 * }
 * ```
 */
export function validateGraph(
  g: unknown,
): { graph: Graph; shapes: Map<string, SymShape>; axes: Map<string, number> } {
  if (!isObj(g)) fail("", "not an object");
  if (g.format !== "squeeze.graph") {
    fail("format", `expected "squeeze.graph", got ${JSON.stringify(g.format)}`);
  }
  if (g.version !== GRAPH_VERSION) {
    fail(
      "version",
      `unsupported version ${
        JSON.stringify(g.version)
      } (this reader knows ${GRAPH_VERSION}; files of versions 1 and 2 convert on load)`,
    );
  }
  if (typeof g.name !== "string") fail("name", "expected a string");
  if (!isObj(g.params)) fail("params", "expected an object of name → shape");
  const params = new Map<string, number[]>();
  for (const [k, v] of Object.entries(g.params)) params.set(k, shapeAt(v, `params.${k}`, false));
  if (!Array.isArray(g.inputs) || g.inputs.length === 0) {
    fail("inputs", "expected a non-empty array");
  }
  const shapes = new Map<string, SymShape>();
  const axes = new Map<string, number>();
  g.inputs.forEach((inp, i) => {
    if (!isObj(inp)) fail(`inputs[${i}]`, "expected an object");
    const name = str(inp.name, `inputs[${i}].name`);
    if (shapes.has(name)) fail(`inputs[${i}].name`, `duplicate value name "${name}"`);
    const shape = shapeAt(inp.shape, `inputs[${i}].shape`, true);
    shapes.set(name, shape);
    const axis = (inp.channelAxis ?? 1) as number;
    if (
      inp.channelAxis !== undefined &&
      !(Number.isInteger(axis) && axis >= 1 && axis < shape.length)
    ) {
      fail(
        `inputs[${i}].channelAxis`,
        `expected an axis in [1, ${shape.length}) of ${formatShape(shape)}, got ${
          JSON.stringify(inp.channelAxis)
        }`,
      );
    }
    axes.set(name, axis);
  });
  if (!Array.isArray(g.nodes)) fail("nodes", "expected an array");
  const usedParams = new Set<string>();
  (g.nodes as unknown[]).forEach((n, i) => {
    const at = `nodes[${i}]`;
    if (!isObj(n)) fail(at, "expected an object");
    const name = str(n.name, `${at}.name`);
    if (shapes.has(name)) fail(`${at}.name`, `duplicate value name "${name}"`);
    const opName = str(n.op, `${at}.op`);
    const op = LAYER_OPS.get(opName);
    if (!op) {
      fail(
        `${at}.op`,
        `unknown layer type "${opName}" in node "${name}" (known: ${
          [...LAYER_OPS.keys()].join(", ")
        })`,
      );
    }
    if (
      !Array.isArray(n.inputs) ||
      (op.variadic ? n.inputs.length < op.arity : n.inputs.length !== op.arity)
    ) {
      const want = op.variadic ? `at least ${op.arity}` : `${op.arity}`;
      fail(`${at}.inputs`, `layer "${name}" (${opName}) takes ${want} input(s)`);
    }
    const ins = n.inputs.map((v, j) => {
      const s = shapes.get(str(v, `${at}.inputs[${j}]`));
      if (!s) fail(`${at}.inputs[${j}]`, `value "${v}" is not defined before node "${name}"`);
      return s;
    });
    if (!isObj(n.params)) fail(`${at}.params`, "expected an object of role → parameter name");
    if (!isObj(n.attrs)) fail(`${at}.attrs`, "expected an object");
    const pshapes: Record<string, number[]> = {};
    for (const slot of op.params) {
      const ref = n.params[slot.role];
      if (ref === undefined) {
        if (!slot.optional) {
          fail(`${at}.params.${slot.role}`, `layer "${name}" (${opName}) needs it`);
        }
        continue;
      }
      const pname = str(ref, `${at}.params.${slot.role}`);
      const ps = params.get(pname);
      if (!ps) fail(`${at}.params.${slot.role}`, `parameter "${pname}" is not declared in params`);
      pshapes[slot.role] = ps;
      usedParams.add(pname);
    }
    for (const role of Object.keys(n.params)) {
      if (!op.params.some((s) => s.role === role)) {
        fail(`${at}.params.${role}`, `${opName} has no such parameter`);
      }
    }
    const attrs = n.attrs as GraphNode["attrs"];
    let out: SymShape;
    try {
      out = op.infer(name, ins, pshapes, attrs);
    } catch (e) {
      fail(at, (e as Error).message);
    }
    shapes.set(name, out);
    const inAxes = (n.inputs as string[]).map((v) => axes.get(v)!);
    const axis = op.outAxis
      ? op.outAxis(ins, inAxes, attrs, out)
      : op.readsAxis
      ? op.readsAxis(ins, attrs)
      : inAxes[0] ?? 1;
    axes.set(name, out.length < 2 ? 1 : Math.min(Math.max(axis, 1), out.length - 1));
  });
  if (!Array.isArray(g.outputs) || g.outputs.length === 0) {
    fail("outputs", "expected a non-empty array");
  }
  g.outputs.forEach((o, i) => {
    if (!shapes.has(str(o, `outputs[${i}]`))) fail(`outputs[${i}]`, `value "${o}" is not defined`);
  });
  for (const p of params.keys()) {
    if (!usedParams.has(p)) fail(`params.${p}`, "declared but used by no node");
  }
  return { graph: g as unknown as Graph, shapes, axes };
}

/** `[N,784]` for a symbolic shape. */
export function formatSymShape(s: SymShape): string {
  return formatShape(s).replaceAll("-1", "N");
}
