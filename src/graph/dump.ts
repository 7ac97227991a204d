import type { Graph } from "./ir.ts";
import { LAYER_OPS } from "./layer_ops.ts";
import { formatSymShape, validateGraph } from "./validate.ts";

/** JSON replacer shortening long arrays to their first entries and length. */
function abbreviate(_key: string, v: unknown): unknown {
  return Array.isArray(v) && v.length > 8 ? `[${v.slice(0, 6).join(",")},… (${v.length})]` : v;
}

/**
 * A readable text form of a graph: one line per node with its inputs, parameters,
 * output shape and channel mapping, then the outputs and the parameter count.
 *
 * @example
 * ```ts
 * import { dumpGraph } from "./dump.ts";
 * import { toGraph } from "./convert.ts";
 * import { mlp } from "../nn/models.ts";
 * const text = dumpGraph(toGraph(mlp([4, 3, 2]), [4], "tiny").graph);
 * console.assert(text.includes("%fc1 = linear(%flatten)"));
 * ```
 */
export function dumpGraph(g: Graph): string {
  const { shapes } = validateGraph(g);
  const lines = [`graph ${g.name}`];
  for (const i of g.inputs) lines.push(`  input %${i.name} ${formatSymShape(i.shape)}`);
  const width = Math.max(
    ...g.nodes.map((n) =>
      `%${n.name} = ${n.op}(${n.inputs.map((v) => "%" + v).join(", ")})`.length
    ),
    0,
  );
  for (const n of g.nodes) {
    const call = `%${n.name} = ${n.op}(${n.inputs.map((v) => "%" + v).join(", ")})`;
    const params = Object.entries(n.params).map(([role, p]) =>
      `${role}=${p}${formatSymShape(g.params[p])}`
    );
    const attrs = Object.keys(n.attrs).length ? ` ${JSON.stringify(n.attrs, abbreviate)}` : "";
    lines.push(
      `  ${call.padEnd(width)}  -> ${formatSymShape(shapes.get(n.name)!)}  [${
        LAYER_OPS.get(n.op)!.channels
      }]` +
        (params.length ? `  ${params.join(" ")}` : "") + attrs,
    );
  }
  lines.push(`  output ${g.outputs.map((o) => "%" + o).join(", ")}`);
  const count = Object.values(g.params).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  lines.push(`  parameters: ${count.toLocaleString("en-US")}`);
  return lines.join("\n");
}
