/**
 * Older graph versions, converted on load. Version 1 stored a CompensatedLayerNorm's
 * removed constants as raw sums (`s1 = Σk`, `s2 = Σk²`), a form that cancels in float32;
 * version 2 stores their mean and centred sum of squares (`kbar`, `m2`). Version 3 adds
 * declared channel axes (an input's `channelAxis`, absent = 1, which is what versions 1
 * and 2 meant), several named inputs and outputs, and linear layers on rank ≥ 2 inputs;
 * a version-2 graph is a version-3 graph as it is.
 *
 * @module
 */
import { removedFromRawSums } from "../nn/compensation.ts";

/** The graph version this reader writes. */
export const GRAPH_VERSION = 3;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A copy of `raw` in the current version when it is an older graph (version 1 or 2), else
 * `raw` itself (validation reports anything else it finds).
 *
 * @example
 * ```ts
 * import { upgradeGraph } from "./upgrade.ts";
 * const v1 = {
 *   version: 1,
 *   params: { g: [2], b: [2] },
 *   nodes: [{ op: "layer_norm", params: { weight: "g", bias: "b" }, attrs: { width: 3, s1: 2, s2: 4 } }],
 * };
 * const v3 = upgradeGraph(v1) as typeof v1;
 * console.assert(v3.version === 3 && JSON.stringify(v3.nodes[0].attrs) === '{"width":3,"kbar":2,"m2":0}');
 * ```
 */
export function upgradeGraph(raw: unknown): unknown {
  if (isObj(raw) && raw.version === 2) return { ...raw, version: GRAPH_VERSION };
  if (!isObj(raw) || raw.version !== 1 || !Array.isArray(raw.nodes) || !isObj(raw.params)) {
    return raw;
  }
  const params = raw.params;
  const nodes = raw.nodes.map((n) => {
    if (!isObj(n) || n.op !== "layer_norm" || !isObj(n.attrs) || !isObj(n.params)) return n;
    const { s1 = 0, s2 = 0, ...rest } = n.attrs;
    const shape = params[n.params.weight as string];
    const kept = Array.isArray(shape) ? shape[0] : undefined;
    const width = rest.width ?? kept;
    if (typeof s1 !== "number" || typeof s2 !== "number" || typeof width !== "number") return n;
    if (typeof kept !== "number") return n;
    const r = width - kept;
    const attrs: Obj = { ...rest };
    if (r > 0) {
      const st = removedFromRawSums(r, s1, s2);
      attrs.kbar = st.kbar;
      attrs.m2 = st.m2;
    }
    return { ...n, attrs };
  });
  return { ...raw, version: GRAPH_VERSION, nodes };
}
