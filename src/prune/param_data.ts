import type { GraphModule } from "../graph/graph_module.ts";
import type { ParamView } from "../graph/layer_op.ts";
import { firstNonFinite } from "../nn/finite.ts";

/**
 * Reads a model's parameters by name, each once (its elements as they are now, masked
 * entries zero), checking that they are finite: the weights pruning ranks units by.
 */
export function paramReader(model: GraphModule): (name: string) => ParamView {
  const params = model.namedParameters();
  const cache = new Map<string, ParamView>();
  return (name) => {
    let v = cache.get(name);
    if (v) return v;
    const p = params.get(name)!;
    const data = p.toArray();
    const i = firstNonFinite(data);
    if (i >= 0) {
      throw new RangeError(
        `pruning: parameter "${name}" holds ${data[i]} at index ${i}; pruning needs finite weights`,
      );
    }
    cache.set(name, v = { shape: [...p.shape], data });
    return v;
  };
}
