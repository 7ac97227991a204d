/**
 * Training throughput on the Wasm backend of the demos' networks, and (with `--compare`)
 * beside PyTorch CPU on the same network, batch, optimizer and thread count
 * (bench/peers/train_torch.py).
 *
 * Networks (`--models`, default all three), each built as the demos build it and its
 * parameter count checked on both sides:
 * - `lenet`: {@linkcode lenet300100}, 784-300-100-10 ReLU (266,610 parameters);
 * - `convnext-mini`: {@linkcode convnext} with dims [32, 64, 128], depths [2, 2, 2], a 4×4
 *   stem (413,546 parameters);
 * - `vit`: {@linkcode vit}, 7×7 patches of a 28×28 image (16 tokens), width 64, 4 heads, 4
 *   pre-LN blocks with MLP 128, mean pooling (138,890 parameters at the defaults; `--patch
 *   --dim --depth --heads --mlp` change it).
 *
 * Training: seeded random 28×28 one-channel images and labels, batch 128, AdamW (lr 1e-3,
 * weight decay 0.05), cross-entropy; a few untimed warm-up steps, then steps for at least
 * `--seconds`. Prints one JSON line per network and thread count,
 * `{"model": "lenet", "threads": N, "images_per_s": X}` (the best of `--repeats` rounds).
 * With `--compare`, each round runs the PyTorch side (one process per network and thread
 * count, its line read back) and then squeeze's, and a side-by-side table ends the output:
 * images per wall-clock second and per CPU-second (the CPU time of all of a process's
 * threads; steadier on a loaded machine) and the squeeze ÷ PyTorch ratios. A memory table
 * follows the JSON lines: the Wasm arena's peak live bytes over the steps, the weights,
 * gradients and AdamW state alone, and the Wasm memory's size.
 *
 *   deno task bench:train                          # all networks, both sides, threads 1 and 2
 *   deno task bench:train --models lenet --seconds 3
 *   deno task bench:vit --profile                  # ViT only, with squeeze's time per kernel
 *   deno run --allow-read --allow-env bench/train_bench.ts --threads 1,2   # squeeze only
 *
 * PyTorch runs under `--python` (default /usr/bin/python3, where Debian's python3-torch
 * is importable) with OMP_WAIT_POLICY=PASSIVE unless the environment sets it; its BLAS is
 * whatever the libblas.so.3 alternative points at (install libopenblas0-openmp: netlib's
 * reference BLAS makes PyTorch ~7× slower here).
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createWasmBackend, type WasmBackend } from "../src/backends/wasm/wasm_backend.ts";
import type { Batch } from "../src/data/dataset.ts";
import { convnext } from "../src/nn/image_models.ts";
import { lenet300100 } from "../src/nn/models.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import { vit } from "../src/nn/transformer_models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { stepTensors } from "../src/nn/train.ts";
import { tensor } from "../src/tensor/create.ts";
import { Rng } from "../src/tensor/random.ts";
import { tidy } from "../src/tensor/scope.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    models: { type: "string", default: "lenet,convnext-mini,vit" },
    threads: { type: "string", default: "1,2" },
    patch: { type: "string", default: "7" },
    dim: { type: "string", default: "64" },
    depth: { type: "string", default: "4" },
    heads: { type: "string", default: "4" },
    mlp: { type: "string", default: "128" },
    batch: { type: "string", default: "128" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "3" },
    seed: { type: "string", default: "0" },
    repeats: { type: "string", default: "1" },
    compare: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    python: { type: "string", default: "/usr/bin/python3" },
  },
});

const SIZE = 28, CLASSES = 10;

/** `--name` as an integer ≥ `min`, else a RangeError naming the flag and the value. */
function intFlag(name: keyof typeof values, min = 1): number {
  const raw = String(values[name]), v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`train_bench: --${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return v;
}

/** The settings both sides share (passed to the peer as `--key=value`). */
const cfg = {
  patch: intFlag("patch"),
  dim: intFlag("dim"),
  depth: intFlag("depth"),
  heads: intFlag("heads"),
  mlp: intFlag("mlp"),
  classes: CLASSES,
  batch: intFlag("batch"),
  warmup: intFlag("warmup", 0),
  seed: intFlag("seed", 0),
};
const repeats = intFlag("repeats");
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  throw new RangeError(`train_bench: --seconds must be > 0, got "${values.seconds}"`);
}
const threadCounts = values.threads.split(",").map((t) => Number(t));
if (threadCounts.length === 0 || threadCounts.some((t) => !Number.isInteger(t) || t < 1)) {
  throw new RangeError(
    `train_bench: --threads must be comma-separated integers ≥ 1, got "${values.threads}"`,
  );
}

/** The networks, by the name both sides print. */
const MODELS = ["lenet", "convnext-mini", "vit"] as const;
type ModelName = typeof MODELS[number];
const models = values.models.split(",") as ModelName[];
if (models.length === 0 || models.some((m) => !MODELS.includes(m))) {
  throw new RangeError(
    `train_bench: --models must be a comma-separated subset of ${MODELS}, got "${values.models}"`,
  );
}
if (models.includes("vit") && SIZE % cfg.patch !== 0) {
  throw new RangeError(`train_bench: --patch ${cfg.patch} must divide the image side ${SIZE}`);
}
if (models.includes("vit") && cfg.dim % cfg.heads !== 0) {
  throw new RangeError(`train_bench: --heads ${cfg.heads} must divide --dim ${cfg.dim}`);
}

/** The ViT's parameter count from its architecture (the same formula as the peer's check). */
function vitParams(): number {
  const { dim: d, mlp: m, patch: p, depth, classes } = cfg, g2 = (SIZE / p) ** 2;
  const block = 4 * d + 4 * (d * d + d) + (d * m + m) + (m * d + d);
  return p * p * d + d + g2 * d + depth * block + 2 * d + d * classes + classes;
}

/** Expected parameter counts (the peer checks the same numbers). */
function expectedParams(name: ModelName): number {
  return name === "lenet" ? 266_610 : name === "convnext-mini" ? 413_546 : vitParams();
}

/** Builds `name` on `backend`, as the demos do. */
function build(name: ModelName, backend: WasmBackend): Sequential {
  const seed = cfg.seed;
  switch (name) {
    case "lenet":
      return lenet300100({ seed, backend });
    case "convnext-mini":
      return convnext({ dims: [32, 64, 128], depths: [2, 2, 2], stemPatch: 4, seed, backend });
    case "vit":
      return vit({
        patch: cfg.patch,
        dim: cfg.dim,
        depth: cfg.depth,
        heads: cfg.heads,
        mlp: cfg.mlp,
        classes: CLASSES,
        imageSize: SIZE,
        inChannels: 1,
        seed,
        backend,
      });
  }
}

/** One sentence on the network, for the table's caption. */
function describe(name: ModelName): string {
  switch (name) {
    case "lenet":
      return "lenet: 784-300-100-10 ReLU MLP";
    case "convnext-mini":
      return "convnext-mini: dims 32/64/128, depths 2/2/2, 4×4 stem";
    case "vit":
      return `vit: ${cfg.patch}×${cfg.patch} patches → ${(SIZE / cfg.patch) ** 2} tokens, ` +
        `dim ${cfg.dim}, ${cfg.heads} heads, depth ${cfg.depth}, MLP ${cfg.mlp}`;
  }
}

/** A measured line: the exact format both sides print. */
interface Line {
  model: ModelName;
  threads: number;
  images_per_s: number;
}

/** The line as the brief spells it (Python's `json.dumps` spacing). */
function formatLine(l: Line): string {
  return `{"model": "${l.model}", "threads": ${l.threads}, "images_per_s": ${l.images_per_s}}`;
}

/** Milliseconds and calls per kernel and shape, filled by a {@linkcode profiled} backend. */
const kernelTimes = new Map<string, { ms: number; calls: number }>();

/** Shapes of a kernel call, for the profile's key. */
function shapesOf(kernel: string, args: unknown[]): string {
  const j = (v: unknown) => JSON.stringify(v);
  switch (kernel) {
    case "binary":
      return `${args[0]} ${j(args[2])}∘${j(args[4])}→${j(args[6])}`;
    case "reduce":
      return `${args[0]} ${j(args[2])} over ${j(args[3])}`;
    case "unary":
      return String(args[0]);
    case "matmul": {
      const p = args[3] as Record<string, unknown>;
      const t = `${p.transA ? " Aᵀ" : ""}${p.transB ? " Bᵀ" : ""}`;
      return `batch ${p.batch} M ${p.m} K ${p.k} N ${p.n}${t}`;
    }
    case "softmax":
      return `${args[1]} rows × ${args[2]}${args[3] ? " log" : ""}`;
    case "layerNorm":
      return `${args[3]} rows × ${args[4]}`;
    case "conv2d":
    case "conv2dGradInput":
    case "conv2dGradWeight": {
      const p = args[3] as Record<string, number>;
      const g = p.groups === 1 ? "" : ` groups ${p.groups}`;
      return `${p.c}→${p.o} ${p.kh}×${p.kw}/${p.sh} on ${p.h}×${p.w}${g}`;
    }
    default:
      return "";
  }
}

/** `be` with every kernel timed into {@linkcode kernelTimes} (the Wasm backend is synchronous). */
function profiled(be: WasmBackend): WasmBackend {
  const out: Record<string, unknown> = { ...be };
  for (const [name, fn] of Object.entries(be)) {
    if (typeof fn !== "function" || name === "memoryStats" || name === "parallelCalls") continue;
    out[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (fn as (...a: unknown[]) => unknown)(...args);
      const key = `${name} ${shapesOf(name, args)}`.trim(), e = kernelTimes.get(key);
      const ms = performance.now() - t0;
      if (e) (e.ms += ms), e.calls++;
      else kernelTimes.set(key, { ms, calls: 1 });
      return r;
    };
  }
  return out as unknown as WasmBackend;
}

/** One measurement: the printed line, images per CPU-second (all threads), and a note. */
interface Measured {
  line: Line;
  perCpuSecond: number;
  info: string;
  /** Squeeze only: the arena's peak live bytes and the Wasm memory's size. */
  memory?: { peak: number; memoryBytes: number; stateBytes: number };
}

/** Squeeze's images/s training `name` on a Wasm backend of `threads` threads. */
function squeezeImagesPerS(name: ModelName, threads: number): Measured {
  const raw = createWasmBackend({ threads });
  const backend = values.profile ? profiled(raw) : raw;
  try {
    const model = build(name, backend);
    const count = model.parameterCount(), want = expectedParams(name);
    if (count !== want) {
      throw new Error(`train_bench: squeeze's ${name} has ${count} parameters, expected ${want}`);
    }
    const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
    const rng = new Rng(cfg.seed + 1);
    // A small pool of seeded batches, cycled, so data generation stays out of the timing.
    const pool: Batch[] = Array.from({ length: 4 }, () => ({
      x: tensor(
        Float32Array.from({ length: cfg.batch * SIZE * SIZE }, () => rng.normal()),
        [cfg.batch, 1, SIZE, SIZE],
        { backend },
      ),
      y: Int32Array.from({ length: cfg.batch }, () => rng.int(CLASSES)),
    }));
    model.train();
    const step = (i: number) =>
      tidy(() => void stepTensors(model, pool[i % pool.length], { optimizer }));
    for (let i = 0; i < cfg.warmup; i++) step(i);
    kernelTimes.clear();
    let steps = 0, elapsed = 0;
    const cpu = process.cpuUsage(), start = performance.now();
    do {
      step(steps++);
      elapsed = (performance.now() - start) / 1000;
    } while (elapsed < seconds);
    const used = process.cpuUsage(cpu), cpuSeconds = (used.user + used.system) / 1e6;
    for (const b of pool) b.x.dispose();
    const { peak, memoryBytes } = raw.memoryStats();
    const images = Math.round((steps * cfg.batch / elapsed) * 100) / 100;
    if (values.profile) printProfile(name, threads, steps, elapsed);
    return {
      line: { model: name, threads, images_per_s: images },
      perCpuSecond: steps * cfg.batch / cpuSeconds,
      // weights, gradients and AdamW's two moments, float32
      memory: { peak, memoryBytes, stateBytes: 16 * count },
      info: `train_bench ${name}: wasm ${backend.variant}, ${backend.capabilities.threads} ` +
        `thread(s), ${count} parameters, ${steps} timed steps in ${elapsed.toFixed(2)} s`,
    };
  } finally {
    backend.dispose();
  }
}

/**
 * OpenMP's wait policy for the PyTorch side: PASSIVE unless the environment sets one. Idle
 * OpenMP threads spin by default, which on a machine shared with other work (this one) cuts
 * PyTorch at 2 threads ~15× (61 vs 919 images/s measured at load 6 on 2 cores); squeeze's
 * workers sleep on `Atomics.wait`, so passive waiting is the like-for-like setting.
 */
const ompWaitPolicy = Deno.env.get("OMP_WAIT_POLICY") ?? "PASSIVE";

/** The kernels that took the most time, per training step, on stderr. */
function printProfile(name: ModelName, threads: number, steps: number, elapsed: number): void {
  const rows = [...kernelTimes].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.error(
    `profile, ${name}, ${threads} thread(s): ${(1000 * elapsed / steps).toFixed(1)} ms per step, ` +
      `${(kernelMs / steps).toFixed(1)} ms of it in kernels (timing adds a little)`,
  );
  console.error("| ms per step | calls per step | kernel and shapes |\n|---:|---:|---|");
  for (const [key, e] of rows.slice(0, 25)) {
    console.error(`| ${(e.ms / steps).toFixed(2)} | ${(e.calls / steps).toFixed(0)} | ${key} |`);
  }
}

/** Runs bench/peers/train_torch.py on `name` with the same settings at `threads`. */
async function torchLine(name: ModelName, threads: number): Promise<Measured> {
  const script = new URL("./peers/train_torch.py", import.meta.url).pathname;
  const args = [
    script,
    `--model=${name}`,
    `--threads=${threads}`,
    ...Object.entries(cfg).map(([k, v]) => `--${k}=${v}`),
    `--seconds=${seconds}`,
  ];
  const env = { OMP_WAIT_POLICY: ompWaitPolicy };
  const out = await new Deno.Command(values.python, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const info = new TextDecoder().decode(out.stderr).trimEnd();
  if (!out.success) {
    throw new Error(`train_bench: ${values.python} ${script} failed (${out.code}):\n${info}`);
  }
  const text = new TextDecoder().decode(out.stdout).trim();
  const line = JSON.parse(text) as Line;
  if (line.model !== name || line.threads !== threads || !(line.images_per_s > 0)) {
    throw new Error(`train_bench: unexpected line from ${script}: ${text}`);
  }
  const cpu = info.match(/([\d.]+) images per CPU-second/);
  if (!cpu) {
    throw new Error(`train_bench: no CPU-second figure in ${script}'s stderr:\n${info}`);
  }
  return { line, perCpuSecond: Number(cpu[1]), info };
}

/** The 1-, 5- and 15-minute load averages (needs `--allow-sys=loadavg`), or "unknown". */
function load(): string {
  try {
    return Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
  } catch {
    return "unknown";
  }
}

// Best of `--repeats` rounds per side, network and thread count (wall and CPU figures each
// their best); with --compare the two sides alternate (PyTorch, then squeeze, at each
// network and thread count) so that a change of the machine's load falls on both.
const loadBefore = load();
const best = new Map<string, { wall: number; cpu: number }>();
const memory = new Map<string, NonNullable<Measured["memory"]>>();
const keep = (side: string, m: Measured) => {
  const k = `${side}:${m.line.model}:${m.line.threads}`, b = best.get(k);
  best.set(k, {
    wall: Math.max(b?.wall ?? 0, m.line.images_per_s),
    cpu: Math.max(b?.cpu ?? 0, m.perCpuSecond),
  });
};
for (let r = 0; r < repeats; r++) {
  for (const name of models) {
    for (const t of threadCounts) {
      if (values.compare) {
        const m = await torchLine(name, t);
        const infoLines = m.info.split("\n");
        // the setup lines (version, parameters, BLAS) once per network, then the measurements
        if (r === 0 && t === threadCounts[0]) console.error(infoLines.slice(0, -2).join("\n"));
        console.error(`round ${r + 1}: ${infoLines.slice(-2).join("; ")}`);
        keep("torch", m);
      }
      const m = squeezeImagesPerS(name, t);
      console.error(
        `round ${r + 1}: ${m.info}, ${m.line.images_per_s} images/s, ` +
          `${m.perCpuSecond.toFixed(2)} images per CPU-second`,
      );
      keep("squeeze", m);
      memory.set(`${name}:${t}`, m.memory!);
    }
  }
}
for (const name of models) {
  for (const t of threadCounts) {
    const images_per_s = best.get(`squeeze:${name}:${t}`)!.wall;
    console.log(formatLine({ model: name, threads: t, images_per_s }));
  }
}
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(
  "\nSqueeze's memory in a training step (Wasm arena, MiB; peak = most bytes live at once " +
    "over the warm-up and timed steps, including the batches, weights, gradients and AdamW " +
    "state; state = those last three alone)",
);
console.log("| model | threads | peak live | weights + grads + AdamW | Wasm memory |");
console.log("|---|---:|---:|---:|---:|");
for (const name of models) {
  for (const t of threadCounts) {
    const m = memory.get(`${name}:${t}`)!;
    console.log(
      `| ${name} | ${t} | ${mib(m.peak)} | ${mib(m.stateBytes)} | ${mib(m.memoryBytes)} |`,
    );
  }
}
if (values.compare) {
  console.log(
    `\nTraining (${
      models.map((m) => `${describe(m)}, ${expectedParams(m)} parameters`).join("; ")
    }), batch ${cfg.batch}, AdamW; best of ${repeats} × ≥ ${seconds} s per cell. ` +
      `Deno ${Deno.version.deno}; PyTorch with OMP_WAIT_POLICY=${ompWaitPolicy}; load ` +
      `average (1, 5, 15 min) before ${loadBefore}, after ${load()}. Images per CPU-second ` +
      `counts the CPU time of all of a process's threads (steadier than wall time on a ` +
      `loaded machine at 1 thread).`,
  );
  console.log(
    "| model | threads | squeeze wasm images/s | PyTorch CPU images/s | squeeze ÷ PyTorch " +
      "| squeeze images/CPU-s | PyTorch images/CPU-s | squeeze ÷ PyTorch (CPU) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const name of models) {
    for (const t of threadCounts) {
      const o = best.get(`squeeze:${name}:${t}`)!, p = best.get(`torch:${name}:${t}`)!;
      const f = (v: number) => v.toFixed(0);
      const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
      console.log(
        `| ${name} | ${t} | ${f(o.wall)} | ${f(p.wall)} | ${x(o.wall, p.wall)} | ${f(o.cpu)} | ${
          f(p.cpu)
        } | ${x(o.cpu, p.cpu)} |`,
      );
    }
  }
}
