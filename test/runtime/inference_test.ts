/**
 * The inference entry runs what the main entry trains: models built, pruned and minimized
 * with `mod.ts`, saved, then loaded through `src/runtime/mod.ts` alone, give the main
 * entry's outputs bit for bit on each CPU backend.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as full from "../../mod.ts";
import * as rt from "../../src/runtime/mod.ts";
import { REPO, runDeno } from "../run_deno.ts";

const fixture = (name: string) => join(REPO, "test/io/fixtures", name);

/** `net` as a graph module. */
function graph(net: full.Module, shape: number[], name: string): full.GraphModule {
  const { graph, params } = full.toGraph(net, shape, name);
  return full.fromGraph(graph, params);
}

/** A small ConvNeXt with a quarter of its units pruned, and its minimized form. */
function prunedConvnext(
  seed: number,
  backend?: full.Backend,
): { masked: full.GraphModule; minimized: full.GraphModule } {
  const masked = graph(
    full.convnext({ seed, depths: [1, 1], dims: [8, 16], backend }),
    [1, 28, 28],
    "convnext",
  );
  full.pruneWeakestUnits(masked, 0.25, 0);
  const minimized = full.minimize(masked).model;
  assert.ok(minimized.parameterCount() < masked.parameterCount(), "minimization removed units");
  return { masked, minimized };
}

/** The models of the test, built with the main entry, by name. */
async function models(backend: full.Backend): Promise<[string, full.GraphModule, number[]][]> {
  const lenet = graph(full.lenet300100({ seed: 1, backend }), [1, 28, 28], "lenet");
  const cnn = graph(full.smallCnn({ seed: 2, backend }), [1, 28, 28], "cnn");
  const next = graph(
    full.convnext({ seed: 3, depths: [1, 1], dims: [8, 16], backend }),
    [1, 28, 28],
    "convnext",
  );
  // Pruned, then minimized: the model a user would ship.
  const { masked, minimized } = prunedConvnext(3, backend);
  const v1 = await full.loadModel(fixture("cln_v1_minimized.safetensors"), backend);
  return [
    ["lenet-300-100", lenet, [3, 1, 28, 28]],
    ["small cnn", cnn, [3, 1, 28, 28]],
    ["convnext", next, [2, 1, 28, 28]],
    ["convnext, pruned (masked)", masked, [2, 1, 28, 28]],
    ["convnext, minimized", minimized, [2, 1, 28, 28]],
    ["graph-version-1 file, minimized", v1, [2, 1, 12, 12]],
  ];
}

/** `model(x)` in inference mode, without recording, as an array. */
function infer(model: full.GraphModule, x: full.Tensor): Float32Array {
  model.eval();
  return rt.noGrad(() => model.forward(x)).toArray() as Float32Array;
}

for (
  const [label, make] of [
    ["reference", () => rt.createReferenceBackend()],
    ["wasm", () => rt.createWasmBackend({ threads: 1 })],
  ] as const
) {
  Deno.test(`runtime entry (${label} backend): decodeModel runs every model as the main entry does`, async (t) => {
    const backend = make();
    for (const [name, model, shape] of await models(backend)) {
      await t.step(name, () => {
        const x = rt.randn(shape, new rt.Rng(7), { backend });
        const want = infer(model, x);
        const loaded = rt.decodeModel(full.encodeModel(model), name, backend);
        assert.ok(loaded instanceof rt.GraphModule);
        assert.equal(loaded.training, false, "inference mode");
        assert.equal(loaded.backend, backend, "the parameters live on the backend asked for");
        assert.equal(loaded.parameterCount(), model.parameterCount());
        const got = infer(loaded, x);
        assert.equal(got.length, want.length);
        assert.ok(want.some((v) => v !== 0), "the outputs are not all zero");
        assert.deepEqual(got, want, `${name}: the runtime's outputs differ`);
      });
    }
  });
}

Deno.test("runtime entry: a script that imports only the runtime, without deno.json, npm or remote modules, loads a saved model and matches the main entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const min = prunedConvnext(4).minimized;
    const file = join(dir, "min.safetensors");
    await full.saveModel(file, min);
    const x = full.randn([2, 1, 28, 28], new full.Rng(9));
    const want = Array.from(infer(min, x));
    const script = join(dir, "infer.ts");
    await Deno.writeTextFile(
      script,
      `import { createReferenceBackend, loadModel, noGrad, randn, Rng } from ${
        JSON.stringify(new URL("../../src/runtime/mod.ts", import.meta.url).href)
      };
const backend = createReferenceBackend();
const model = await loadModel(${JSON.stringify(file)}, backend);
const y = noGrad(() => model.forward(randn([2, 1, 28, 28], new Rng(9), { backend })));
console.log(JSON.stringify({ shape: y.shape, data: Array.from(y.toArray()) }));
`,
    );
    const r = await runDeno(
      ["run", "--no-config", "--no-npm", "--no-remote", `--allow-read=${dir}`, script],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.shape, [2, 10]);
    assert.deepEqual(out.data, want);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
