/**
 * ViT training throughput on the Wasm backend, and (with `--compare`) beside PyTorch CPU on
 * the same network, batch, optimizer and thread count (bench/peers/vit_torch.py).
 *
 * The network is {@linkcode vit}: 7×7 patches of a 28×28 one-channel image (16 tokens),
 * width 64, 4 heads, 4 pre-LN blocks with MLP 128, mean pooling, 10 classes (138,890
 * parameters at the defaults). Training: seeded random images and labels, batch 128, AdamW
 * (lr 1e-3, weight decay 0.05), cross-entropy; a few untimed warm-up steps, then steps for
 * at least `--seconds`. Prints one JSON line per thread count,
 * `{"model": "vit", "threads": N, "images_per_s": X}` (the best of `--repeats` rounds).
 * With `--compare`, each round runs the PyTorch side (one process per thread count, its
 * line read back) and then squeeze's at each thread count, and a side-by-side table ends
 * the output: images per wall-clock second and per CPU-second (the CPU time of all of a
 * process's threads; steadier on a loaded machine) and the squeeze ÷ PyTorch ratios.
 *
 *   deno task bench:vit                          # both sides, threads 1 and 2, table
 *   deno task bench:vit --repeats 3 --seconds 5  # best of 3 rounds
 *   deno task bench:vit --profile                # also squeeze's time per kernel and shape
 *   deno run --allow-read --allow-env bench/vit_train_bench.ts --threads 1,2   # squeeze only
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
import { vit } from "../src/nn/transformer_models.ts";
import { AdamW } from "../src/nn/optim/adamw.ts";
import { stepTensors } from "../src/nn/train.ts";
import { tensor } from "../src/tensor/create.ts";
import { Rng } from "../src/tensor/random.ts";
import { tidy } from "../src/tensor/scope.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    threads: { type: "string", default: "1,2" },
    patch: { type: "string", default: "7" },
    dim: { type: "string", default: "64" },
    depth: { type: "string", default: "4" },
    heads: { type: "string", default: "4" },
    mlp: { type: "string", default: "128" },
    classes: { type: "string", default: "10" },
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

const SIZE = 28;

/** `--name` as an integer ≥ `min`, else a RangeError naming the flag and the value. */
function intFlag(name: keyof typeof values, min = 1): number {
  const raw = String(values[name]), v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`vit_train_bench: --${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return v;
}

const cfg = {
  patch: intFlag("patch"),
  dim: intFlag("dim"),
  depth: intFlag("depth"),
  heads: intFlag("heads"),
  mlp: intFlag("mlp"),
  classes: intFlag("classes"),
  batch: intFlag("batch"),
  warmup: intFlag("warmup", 0),
  seed: intFlag("seed", 0),
};
const repeats = intFlag("repeats");
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  throw new RangeError(`vit_train_bench: --seconds must be > 0, got "${values.seconds}"`);
}
const threadCounts = values.threads.split(",").map((t) => Number(t));
if (threadCounts.length === 0 || threadCounts.some((t) => !Number.isInteger(t) || t < 1)) {
  throw new RangeError(
    `vit_train_bench: --threads must be comma-separated integers ≥ 1, got "${values.threads}"`,
  );
}
if (SIZE % cfg.patch !== 0) {
  throw new RangeError(`vit_train_bench: --patch ${cfg.patch} must divide the image side ${SIZE}`);
}
if (cfg.dim % cfg.heads !== 0) {
  throw new RangeError(`vit_train_bench: --heads ${cfg.heads} must divide --dim ${cfg.dim}`);
}

/** Parameter count from the architecture (the same formula as the PyTorch side's check). */
function expectedParams(): number {
  const { dim: d, mlp: m, patch: p, depth, classes } = cfg, g2 = (SIZE / p) ** 2;
  const block = 4 * d + 4 * (d * d + d) + (d * m + m) + (m * d + d);
  return p * p * d + d + g2 * d + depth * block + 2 * d + d * classes + classes;
}

/** A measured line: the exact format both sides print. */
interface Line {
  model: "vit";
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
}

/** Squeeze's images/s training the ViT on a Wasm backend of `threads` threads. */
function squeezeImagesPerS(threads: number): Measured {
  const raw = createWasmBackend({ threads });
  const backend = values.profile ? profiled(raw) : raw;
  try {
    const model = vit({
      patch: cfg.patch,
      dim: cfg.dim,
      depth: cfg.depth,
      heads: cfg.heads,
      mlp: cfg.mlp,
      classes: cfg.classes,
      imageSize: SIZE,
      inChannels: 1,
      seed: cfg.seed,
      backend,
    });
    const count = model.parameterCount();
    if (count !== expectedParams()) {
      throw new Error(
        `vit_train_bench: the squeeze ViT has ${count} parameters, the architecture ${expectedParams()}`,
      );
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
      y: Int32Array.from({ length: cfg.batch }, () => rng.int(cfg.classes)),
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
    const images = Math.round((steps * cfg.batch / elapsed) * 100) / 100;
    if (values.profile) printProfile(threads, steps, elapsed);
    return {
      line: { model: "vit", threads, images_per_s: images },
      perCpuSecond: steps * cfg.batch / cpuSeconds,
      info:
        `vit_train_bench: wasm ${backend.variant}, ${backend.capabilities.threads} thread(s), ` +
        `${count} parameters, ${steps} timed steps in ${elapsed.toFixed(2)} s`,
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
function printProfile(threads: number, steps: number, elapsed: number): void {
  const rows = [...kernelTimes].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.error(
    `profile, ${threads} thread(s): ${(1000 * elapsed / steps).toFixed(1)} ms per step, ` +
      `${(kernelMs / steps).toFixed(1)} ms of it in kernels (timing adds a little)`,
  );
  console.error("| ms per step | calls per step | kernel and shapes |\n|---:|---:|---|");
  for (const [key, e] of rows.slice(0, 25)) {
    console.error(`| ${(e.ms / steps).toFixed(2)} | ${(e.calls / steps).toFixed(0)} | ${key} |`);
  }
}

/** Runs bench/peers/vit_torch.py with the same settings at `threads`; its line and stderr. */
async function torchLine(threads: number): Promise<Measured> {
  const script = new URL("./peers/vit_torch.py", import.meta.url).pathname;
  const args = [
    script,
    `--threads=${threads}`,
    ...Object.entries(cfg).map(([k, v]) => `--${k}=${v}`),
    `--seconds=${seconds}`,
  ];
  const env = { OMP_WAIT_POLICY: ompWaitPolicy };
  const out = await new Deno.Command(values.python, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const info = new TextDecoder().decode(out.stderr).trimEnd();
  if (!out.success) {
    throw new Error(`vit_train_bench: ${values.python} ${script} failed (${out.code}):\n${info}`);
  }
  const text = new TextDecoder().decode(out.stdout).trim();
  const line = JSON.parse(text) as Line;
  if (line.model !== "vit" || line.threads !== threads || !(line.images_per_s > 0)) {
    throw new Error(`vit_train_bench: unexpected line from ${script}: ${text}`);
  }
  const cpu = info.match(/([\d.]+) images per CPU-second/);
  if (!cpu) {
    throw new Error(`vit_train_bench: no CPU-second figure in ${script}'s stderr:\n${info}`);
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

// Best of `--repeats` rounds per side and thread count (wall and CPU figures each their
// best); with --compare the two sides alternate (PyTorch, then squeeze, at each thread
// count) so that a change of the machine's load falls on both.
const loadBefore = load();
const best = new Map<string, { wall: number; cpu: number }>();
const keep = (side: string, m: Measured) => {
  const k = `${side}:${m.line.threads}`, b = best.get(k);
  best.set(k, {
    wall: Math.max(b?.wall ?? 0, m.line.images_per_s),
    cpu: Math.max(b?.cpu ?? 0, m.perCpuSecond),
  });
};
for (let r = 0; r < repeats; r++) {
  for (const t of threadCounts) {
    if (values.compare) {
      const m = await torchLine(t);
      const infoLines = m.info.split("\n");
      // the setup lines (version, parameters, BLAS) once, then the measurement lines
      if (r === 0 && t === threadCounts[0]) console.error(infoLines.slice(0, -2).join("\n"));
      console.error(`round ${r + 1}: ${infoLines.slice(-2).join("; ")}`);
      keep("torch", m);
    }
    const m = squeezeImagesPerS(t);
    console.error(
      `round ${r + 1}: ${m.info}, ${m.line.images_per_s} images/s, ` +
        `${m.perCpuSecond.toFixed(2)} images per CPU-second`,
    );
    keep("squeeze", m);
  }
}
for (const t of threadCounts) {
  console.log(
    formatLine({ model: "vit", threads: t, images_per_s: best.get(`squeeze:${t}`)!.wall }),
  );
}
if (values.compare) {
  console.log(
    `\nViT training (${cfg.patch}×${cfg.patch} patches → ${(SIZE / cfg.patch) ** 2} tokens, ` +
      `dim ${cfg.dim}, ${cfg.heads} heads, depth ${cfg.depth}, MLP ${cfg.mlp}; ` +
      `${expectedParams()} parameters), batch ${cfg.batch}, AdamW; best of ${repeats} × ≥ ` +
      `${seconds} s per cell. Deno ${Deno.version.deno}; PyTorch with ` +
      `OMP_WAIT_POLICY=${ompWaitPolicy}; load average (1, 5, 15 min) before ` +
      `${loadBefore}, after ${load()}. Images per CPU-second counts the CPU time of all of a ` +
      `process's threads (steadier than wall time on a loaded machine at 1 thread).`,
  );
  console.log(
    "| threads | squeeze wasm images/s | PyTorch CPU images/s | squeeze ÷ PyTorch " +
      "| squeeze images/CPU-s | PyTorch images/CPU-s | squeeze ÷ PyTorch (CPU) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const t of threadCounts) {
    const o = best.get(`squeeze:${t}`)!, p = best.get(`torch:${t}`)!;
    const f = (v: number) => v.toFixed(0), x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(
      `| ${t} | ${f(o.wall)} | ${f(p.wall)} | ${x(o.wall, p.wall)} | ${f(o.cpu)} | ${f(p.cpu)} | ${
        x(o.cpu, p.cpu)
      } |`,
    );
  }
}
