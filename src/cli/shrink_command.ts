import { minimize } from "../minimize/rewrite.ts";
import { CONTRACT_TOLERANCE, contractOf, MinimizationError } from "../minimize/verify.ts";
import { noGrad } from "../tensor/grad_mode.ts";
import { defaultDataName, readOnnx, writeOnnxBytes } from "../io/onnx/onnx_file.ts";
import { exportOnnx } from "../io/onnx/export.ts";
import { importOnnx } from "../io/onnx/import.ts";
import { type Probes, randomProbes, readProbes } from "../io/onnx/probes.ts";
import type { GraphModule } from "../graph/graph_module.ts";
import { type OptionSpec, parse, UsageError } from "./args.ts";
import { outputFile } from "./output_arg.ts";

/** Options of `squeeze shrink`. */
export const SHRINK_OPTIONS: OptionSpec = {
  out: { type: "string" },
  force: { type: "boolean" },
  probe: { type: "string" },
  probes: { type: "string" },
  seed: { type: "string" },
  dim: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** Help text of `squeeze shrink`. */
export const SHRINK_HELP =
  `squeeze shrink — exact minimization of an ONNX model's zeros, ONNX in and out

Usage: squeeze shrink IN.onnx --out OUT.onnx [options]

  --out PATH        the smaller ONNX file (required)
  --force           replace --out if it exists
  --probe FILE      inputs to check on: a TensorProto .pb (first input) or JSON
                    { "<input>": { "dims": [...], "data": [...] } } [random probes]
  --probes N        random probe inputs when no --probe is given [64]
  --seed S          seed of the random probes [0]
  --dim SIZES       sizes of symbolic input axes other than the batch, NAME=SIZE,…
                    [none]
  -h, --help        this text

Imports the model (pruned elsewhere or not), removes the channels its zeros make
removable (dead channels, constants folded into readers' biases or CompensatedLayerNorms),
checks the result against the original on the probes (contract of docs/method.md:
max|Δ| ≤ 1e-5·(1 + max|y|)) and writes it only when the check passes. Ops squeeze does
not understand are kept as they are, with every channel around them.`;

function dims(cmd: string, raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of typeof raw === "string" ? raw.split(",") : []) {
    const m = /^([^=]+)=(\d+)$/.exec(d);
    if (!m) throw new UsageError(`${cmd}: --dim expects NAME=SIZE, got "${d}"`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function posInt(cmd: string, flag: string, raw: unknown, dflt: number, min = 1): number {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new UsageError(`${cmd}: --${flag} must be an integer ≥ ${min}, got ${raw}`);
  }
  return v;
}

/** The contract measure between two models on named probes (worst output). */
export function contractMeasure(a: GraphModule, b: GraphModule, probes: Probes): number {
  return noGrad(() => {
    const ya = a.forwardNamed(probes), yb = b.forwardNamed(probes);
    let worst = 0;
    for (const [name, ta] of Object.entries(ya)) {
      const p = ta.toArray(), q = yb[name].toArray();
      if (p.length !== q.length) return Infinity;
      const rel = contractOf(p, q).maxRel;
      worst = Number.isNaN(rel) ? NaN : Math.max(worst, rel);
    }
    return worst;
  });
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Runs `squeeze shrink`. */
export async function shrinkCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse("shrink", args, SHRINK_OPTIONS);
  if (v.help) return console.log(SHRINK_HELP);
  if (positionals.length !== 1) {
    throw new UsageError(`shrink: expected one ONNX file, got ${positionals.length}`);
  }
  const input = positionals[0];
  const out = await outputFile("shrink", v.out, { input, force: !!v.force });
  const count = posInt("shrink", "probes", v.probes, 64);
  const seed = posInt("shrink", "seed", v.seed, 0, 0);
  let imp;
  try {
    imp = await readOnnx(input, { dims: dims("shrink", v.dim) });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`shrink: no such file: ${input}`);
    throw e;
  }
  const model = imp.model;
  const generic = Object.entries(imp.generic);
  console.log(
    `imported ${input}: opset ${imp.opset}, ${model.graph.nodes.length} nodes, ${
      fmt(model.parameterCount())
    } parameters${
      generic.length
        ? `; kept as they are (host ops): ${generic.map(([k, n]) => `${k}×${n}`).join(", ")}`
        : ""
    }`,
  );
  const { model: min, stats } = minimize(model);
  const probes = typeof v.probe === "string"
    ? await readProbes(v.probe, model, model.backend)
    : randomProbes(model, count, seed);
  const rel = contractMeasure(model, min, probes);
  const what = typeof v.probe === "string" ? v.probe : `${count} random probes (seed ${seed})`;
  if (!(rel <= CONTRACT_TOLERANCE)) {
    throw new MinimizationError(
      `shrink: the minimized model differs from ${input} by ${rel} on ${what} (contract ${CONTRACT_TOLERANCE.toExponential()}); nothing written`,
    );
  }
  // The file itself is checked too: its bytes, imported again, against the original.
  const exp = exportOnnx(min, { autoExternalName: defaultDataName(out) });
  const back = importOnnx(exp.model, {
    where: out,
    backend: model.backend,
    external: exp.data
      ? (_loc, off, len) => exp.data!.subarray(off, len < 0 ? undefined : off + len)
      : undefined,
  }).model;
  const relFile = contractMeasure(model, back, probes);
  if (!(relFile <= CONTRACT_TOLERANCE)) {
    throw new MinimizationError(
      `shrink: the ONNX file written for the minimized model differs from ${input} by ${relFile} on ${what}; nothing written`,
    );
  }
  await writeOnnxBytes(out, exp);
  const before = stats.paramsBefore, after = stats.paramsAfter;
  console.log(
    `shrunk ${fmt(before)} → ${fmt(after)} parameters (${
      (before / Math.max(1, after)).toFixed(2)
    }×), removed ${
      JSON.stringify(Object.fromEntries(Object.entries(stats.removed).filter(([, n]) => n > 0)))
    } in ${stats.rounds} rounds; contract measure ${rel.toExponential(2)} (the written file ${
      relFile.toExponential(2)
    }) on ${what}; wrote ${out}`,
  );
}
