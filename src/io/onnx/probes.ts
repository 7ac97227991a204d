/**
 * Probe inputs for checking an imported model's minimization: seeded random inputs of
 * the graph's input shapes (token ids within the embedding table they index, normal
 * values otherwise), or inputs read from a file (ONNX `TensorProto` `.pb`, or JSON
 * `{ "<input>": { "dims": [...], "data": [...] } }`).
 *
 * @module
 */
import type { Backend } from "../../backends/backend.ts";
import type { GraphModule } from "../../graph/graph_module.ts";
import { Rng } from "../../tensor/random.ts";
import { tensor } from "../../tensor/create.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { sizeOf } from "./host_tensor.ts";
import { decodeTensorProto } from "./proto.ts";
import { fromTensorProto } from "./tensor_proto.ts";

/** Named probe inputs. */
export type Probes = Record<string, Tensor>;

/**
 * `count` seeded random inputs per graph input: integers in `[0, V)` where the input
 * feeds an embedding of `V` rows, standard normal values otherwise.
 */
export function randomProbes(model: GraphModule, count: number, seed: number): Probes {
  const rng = new Rng(seed);
  const backend = model.backend;
  const out: Probes = {};
  for (const inp of model.graph.inputs) {
    const dims = inp.shape.map((d) => (d === -1 ? count : d));
    const emb = model.graph.nodes.find((n) => n.op === "embedding" && n.inputs[0] === inp.name);
    const n = sizeOf(dims);
    const data = new Float32Array(n);
    if (emb) {
      const v = model.graph.params[emb.params.weight][0];
      for (let i = 0; i < n; i++) data[i] = rng.int(v);
    } else {
      for (let i = 0; i < n; i++) data[i] = rng.normal();
    }
    out[inp.name] = tensor(data, dims, { backend });
  }
  return out;
}

/** Reads probes for `model` from `path` (`.pb`: the first input; `.json`: by name). */
export async function readProbes(
  path: string,
  model: GraphModule,
  backend: Backend,
): Promise<Probes> {
  const bytes = await Deno.readFile(path);
  if (path.endsWith(".pb")) {
    const t = fromTensorProto(decodeTensorProto(bytes, path), path);
    return { [model.graph.inputs[0].name]: tensor(Float32Array.from(t.data), t.dims, { backend }) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new SyntaxError(`${path}: not JSON: ${(e as Error).message}`);
  }
  const out: Probes = {};
  for (const inp of model.graph.inputs) {
    const v = (raw as Record<string, { dims?: number[]; data?: number[] }>)?.[inp.name];
    if (
      !v || !Array.isArray(v.dims) || !Array.isArray(v.data) || v.data.length !== sizeOf(v.dims)
    ) {
      throw new SyntaxError(
        `${path}: "${inp.name}" must be { "dims": [...], "data": [...] } of matching size`,
      );
    }
    out[inp.name] = tensor(Float32Array.from(v.data), v.dims, { backend });
  }
  return out;
}
