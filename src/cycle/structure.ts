import type { Graph } from "../graph/ir.ts";

/**
 * Channel widths of a residual network's parts, read from the node names that
 * `convnext()` gives (`stem.conv`, `stages.S.…`): per stage the residual-stream width
 * (the rows of the stem or downsample conv that writes it first; every writer and
 * reader of the stream has that width), and per block the depthwise and hidden
 * (expanded) widths. Empty for other graphs.
 *
 * @example
 * ```ts
 * import { describeStructure } from "./structure.ts";
 * import { toGraph } from "../graph/convert.ts";
 * import { convnext } from "../nn/image_models.ts";
 * const { graph } = toGraph(convnext({ depths: [1, 1], dims: [8, 16] }), [1, 28, 28]);
 * console.assert(describeStructure(graph).stream.join() === "8,16");
 * ```
 */
export function describeStructure(graph: Graph): {
  stream: number[];
  depthwise: number[][];
  hidden: number[][];
} {
  const out = { stream: [] as number[], depthwise: [] as number[][], hidden: [] as number[][] };
  const rows = (n: { params: Record<string, string> }) => graph.params[n.params.weight][0];
  for (const n of graph.nodes) {
    const m = /^stages\.(\d+)\.blocks\.\d+\.branch\.(dwconv|pw1)$/.exec(n.name);
    if (!m) continue;
    const s = Number(m[1]);
    out.depthwise[s] ??= [];
    out.hidden[s] ??= [];
    (m[2] === "dwconv" ? out.depthwise : out.hidden)[s].push(rows(n));
  }
  for (const n of graph.nodes) {
    const m = /^stages\.(\d+)\.downsample\.conv$/.exec(n.name) ?? /^stem\.(conv)$/.exec(n.name);
    if (!m) continue;
    const s = m[1] === "conv" ? 0 : Number(m[1]);
    out.stream[s] = rows(n);
  }
  out.stream = [...out.stream].map((v) => v ?? 0);
  return out;
}

/**
 * A transformer's structure, from the node names `vit()`/`textEncoder()` give: the
 * stream width (the token embedding's), and per block the query/key and value width of
 * each surviving head and the MLP width, e.g. `stream 52 · b0 qk 4.3.3 v 2.2.3 mlp 90 · …`.
 * Empty for graphs without attention.
 */
export function formatTransformer(graph: Graph): string {
  const embed = graph.nodes.find((n) => n.name === "embed");
  if (!embed || !graph.nodes.some((n) => n.op === "attention")) return "";
  const w = graph.params[embed.params.weight];
  const parts = [`stream ${embed.op === "embedding" ? w[1] : w[0]}`];
  for (const n of graph.nodes) {
    const m = /^blocks\.(\d+)\.attn\.branch\.mha\.attn$/.exec(n.name);
    if (!m) continue;
    const fc1 = graph.nodes.find((f) => f.name === `blocks.${m[1]}.mlp.branch.fc1`);
    const qk = n.attrs.qk as number[], v = n.attrs.v as number[];
    parts.push(
      `b${m[1]} qk ${qk.join(".") || "-"} v ${v.join(".") || "-"} mlp ${
        fc1 ? graph.params[fc1.params.weight][0] : 0
      }`,
    );
  }
  return parts.join(" · ");
}

/** The structure as a short text, e.g. `stream 24/48/96 · dw 24,24/… · hidden 96,80/…`. */
export function formatStructure(graph: Graph): string {
  const t = formatTransformer(graph);
  if (t) return t;
  const s = describeStructure(graph);
  if (s.stream.length === 0) return "";
  const j = (a: number[][]) => a.map((x) => (x ?? []).join(",")).join("/");
  return `stream ${s.stream.join("/")} · dw ${j(s.depthwise)} · hidden ${j(s.hidden)}`;
}
