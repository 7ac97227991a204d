/**
 * The structural checks of an ONNX graph before import: opsets in range, every node's
 * inputs defined before use (a topological order, so no cycles), unique output names,
 * declared graph inputs and outputs. Errors are `SyntaxError`s naming the node.
 *
 * @module
 */
import {
  num,
  type OnnxGraph as GraphProto,
  type OnnxModel as ModelProto,
  type OnnxNode as NodeProto,
} from "./onnx_types.ts";

/** The opsets of the default domain the importer reads. */
export const OPSET_RANGE = { min: 9, max: 21 } as const;

/** The default-domain opset of `m`; throws `SyntaxError` on one outside {@linkcode OPSET_RANGE}. */
export function defaultOpset(m: ModelProto, where: string): number {
  const imports = m.opsetImport ?? [];
  const def = imports.find((o) => !o.domain || o.domain === "ai.onnx");
  if (!def) {
    throw new SyntaxError(`${where}: the model imports no opset of the default ONNX domain`);
  }
  const v = num(def.version);
  if (!(v >= OPSET_RANGE.min && v <= OPSET_RANGE.max)) {
    throw new SyntaxError(
      `${where}: opset ${v} of the default domain is not supported (squeeze reads opsets ${OPSET_RANGE.min} to ${OPSET_RANGE.max})`,
    );
  }
  return v;
}

/** A short label of a node for messages: `node "name" (Op)`. */
export function nodeLabel(n: NodeProto, i: number): string {
  return `node ${n.name ? `"${n.name}"` : `#${i}`} (${n.opType}${
    n.domain ? ` of ${n.domain}` : ""
  })`;
}

/**
 * Checks names and order: every node input is a graph input, an initializer or an
 * earlier node's output; no value is defined twice; every graph output is defined.
 */
export function checkGraph(g: GraphProto, where: string): void {
  const defined = new Set<string>();
  for (const t of g.initializer ?? []) defined.add(t.name ?? "");
  for (const v of g.input ?? []) defined.add(v.name ?? "");
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)));
  nodes.forEach((n, i) => {
    for (const v of n.input ?? []) {
      if (v === "" || defined.has(v)) continue;
      const p = producer.get(v);
      throw new SyntaxError(
        p === undefined
          ? `${where}: ${nodeLabel(n, i)} reads "${v}", which nothing defines`
          : `${where}: ${nodeLabel(n, i)} reads "${v}" before ${
            nodeLabel(nodes[p], p)
          } defines it (the graph is not in topological order or has a cycle)`,
      );
    }
    for (const o of n.output ?? []) {
      if (o === "") continue;
      if (defined.has(o)) throw new SyntaxError(`${where}: ${nodeLabel(n, i)} redefines "${o}"`);
      defined.add(o);
    }
  });
  for (const o of g.output ?? []) {
    if (!defined.has(o.name ?? "")) {
      throw new SyntaxError(`${where}: graph output "${o.name}" is not defined`);
    }
  }
}
