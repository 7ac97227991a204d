import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.ts";
import { decodeModel, encodeModel } from "../../src/io/model_file.ts";
import { MinGraph } from "../../src/minimize/min_graph.ts";
import { minimize, removableChannels } from "../../src/minimize/rewrite.ts";
import { noGrad } from "../../src/tensor/grad_mode.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import type { GraphModule } from "../../src/graph/graph_module.ts";
import type { ActivationKind } from "../../src/nn/activation.ts";
import { mlp } from "../../src/nn/models.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

/** An MLP graph module with random nonzero biases. */
export function randomMlp(widths: number[], activation: ActivationKind, seed: number): GraphModule {
  const net = mlp(widths, { seed, activation });
  const rng = new Rng(seed + 1000);
  for (const [name, p] of net.namedParameters()) {
    if (name.endsWith("bias")) p.assign(Array.from({ length: p.size }, () => rng.normal()));
  }
  const { graph, params } = toGraph(net, [widths[0]], `mlp-${seed}`);
  return fromGraph(graph, params);
}

/** Sets a mask on parameter `name` zeroing where `zero(row, col)`. */
export function maskParam(
  m: GraphModule,
  name: string,
  zero: (r: number, c: number) => boolean,
): void {
  const p = m.namedParameters().get(name)!;
  const [o, n] = p.shape;
  const old = p.mask?.toArray() ?? new Float32Array(o * n).fill(1);
  const data = Array.from(
    { length: o * n },
    (_, k) => (zero(Math.floor(k / n), k % n) ? 0 : old[k]),
  );
  p.mask = tensor(data, [o, n]);
}

/** Random probe inputs. */
export function probes(n: number, features: number, seed: number, scaleBy = 2): Tensor {
  return randn([n, features], new Rng(seed), { std: scaleBy });
}

/** Graph, parameters and masks, as text (to see that nothing changed). */
export function modelSnapshot(m: GraphModule): string {
  const parts = [JSON.stringify(m.graph), String(m.training)];
  for (const [name, p] of m.namedParameters()) {
    parts.push(name, p.toArray().join(","), p.mask ? p.mask.toArray().join(",") : "-");
  }
  return parts.join("|");
}

/** Values as text, bit for bit (−0 apart from 0). */
export function bitString(a: ArrayLike<number>): string {
  return Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
}

/**
 * The fuzz's checks of a minimized model: a fixpoint three ways (no rule applies, a second
 * `minimize` changes nothing, `leftovers` finds nothing) and a save/reload that gives the
 * same graph, the same bits, the same outputs on `probes`, in inference mode.
 */
export function checkFixpointAndReload(
  min: GraphModule,
  probes: Tensor,
  backend: Backend,
  where: string,
  leftovers: (m: GraphModule) => string[],
): void {
  assert.equal(removableChannels(new MinGraph(min)), 0, `${where}: rules still apply`);
  const again = minimize(min).model;
  assert.equal(JSON.stringify(again.graph), JSON.stringify(min.graph), `${where}: not idempotent`);
  assert.deepEqual(leftovers(min), [], `${where}: left behind`);
  const back = decodeModel(encodeModel(min), "fuzz", backend);
  assert.equal(back.training, false);
  assert.equal(JSON.stringify(back.graph), JSON.stringify(min.graph));
  for (const [name, p] of min.namedParameters()) {
    assert.equal(
      bitString(back.namedParameters().get(name)!.toArray()),
      bitString(p.toArray()),
      name,
    );
  }
  const [y0, y1] = noGrad(() => [min.forward(probes).toArray(), back.forward(probes).toArray()]);
  assert.equal(bitString(y1), bitString(y0), `${where}: reloaded outputs differ`);
}
