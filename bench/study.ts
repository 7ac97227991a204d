/**
 * Runs a study: every network × variant × seed as a `squeeze cycle` run in
 * `<root>/<net>/<variant>/s<seed>` (its output in `log.txt`, epoch progress in
 * `progress.txt`), several at once, each resumable (a finished run is
 * skipped, an interrupted one continues from its checkpoint), then prints the summary
 * table. Variants are described in `bench/study/variants.ts` (`base`, `bt2`, `a0`,
 * `u0.3+a0`, …, and the `onepass` baseline, which needs the `base` run of its seed).
 *
 *   deno task study --nets lenet --variants base,bt2,onepass --seeds 0,1,2 --jobs 2
 *   deno task report          # tables and SVG figures from the same folders
 *
 * Same seed, same numbers, on any thread count, so `--jobs` only changes the wall time.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CHECKPOINT_FILES } from "../src/cycle/checkpoint.ts";
import { exists } from "../src/cli/output_arg.ts";
import { onePassOptions } from "./study/one_pass.ts";
import { networkFlags, variantFlags } from "./study/variants.ts";
import { loadStudy, type RunReport, summarize, summaryTable } from "./study/summary.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nets: { type: "string", default: "lenet" },
    variants: { type: "string", default: "base" },
    seeds: { type: "string", default: "0,1,2" },
    jobs: { type: "string", default: "1" },
    root: { type: "string", default: "runs/study" },
    sparsities: { type: "string", default: "0.5,0.7,0.8,0.9,0.95,0.97,0.98,0.99" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "deno task study [--nets lenet,wide,convnext,vit] [--variants base,bt2,a0,onepass,…] " +
      "[--seeds 0,1,2] [--jobs N] [--root runs/study] [--sparsities LIST]",
  );
  Deno.exit(0);
}
const list = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
const nets = list(values.nets!), variants = list(values.variants!);
const seeds = list(values.seeds!).map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`study: --seeds: "${s}" is not a seed`);
  return n;
});
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`study: --jobs ${values.jobs}`);
const threads = Math.max(1, Math.floor(navigator.hardwareConcurrency / jobs));
const tasks = JSON.parse(await Deno.readTextFile("deno.json")).tasks as Record<string, string>;
for (const v of variants) if (v !== "onepass") variantFlags(v); // unknown tokens fail now
for (const n of nets) networkFlags(n, tasks);
if (variants.includes("onepass") && !variants.includes("base")) {
  throw new RangeError("study: onepass starts from the base run's dense model: add base");
}

interface Job {
  name: string;
  dir: string;
  flags: () => Promise<string[]>;
}

/** Copies a stream into a file as it comes (a file's `writable` holds chunks back). */
async function copyLive(from: ReadableStream<Uint8Array>, to: Deno.FsFile): Promise<void> {
  for await (const chunk of from) {
    for (let done = 0; done < chunk.length;) done += await to.write(chunk.subarray(done));
  }
  to.close();
}

/** Runs one `cycle` into `dir` (log in `dir/log.txt`); resolves when it is done. */
async function runJob(job: Job): Promise<void> {
  if (await exists(join(job.dir, "report.json"))) {
    console.log(`${job.name}: done before, skipped`);
    return;
  }
  await Deno.mkdir(job.dir, { recursive: true });
  const args = [
    "run",
    "--allow-read",
    "--allow-write",
    "src/cli/main.ts",
    "cycle",
    ...await job.flags(),
    "--out",
    job.dir,
    "--resume",
    "--threads",
    String(threads),
  ];
  const t0 = performance.now();
  console.log(`${job.name}: started (${threads} thread(s)): deno ${args.slice(3).join(" ")}`);
  const open = (f: string) =>
    Deno.open(join(job.dir, f), { write: true, create: true, append: true });
  const [log, progress] = [await open("log.txt"), await open("progress.txt")];
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  await Promise.all([
    copyLive(child.stdout, log),
    copyLive(child.stderr, progress),
  ]);
  const status = await child.status;
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  if (!status.success) {
    throw new Error(`${job.name}: failed (see ${join(job.dir, "log.txt")} and progress.txt)`);
  }
  const report = JSON.parse(await Deno.readTextFile(join(job.dir, "report.json"))) as RunReport;
  const last = report.rows.at(-1)!;
  console.log(
    `${job.name}: ${last.ratio.toFixed(2)}× at val ${(100 * last.valAccuracy).toFixed(2)}% ` +
      `(dense ${(100 * report.rows[0].valAccuracy).toFixed(2)}%), ${secs}s`,
  );
}

/** Runs jobs, `jobs` at a time; the first failure stops new starts and is rethrown. */
async function pool(queue: Job[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await runJob(queue[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
}

const root = values.root!;
const cycleJobs: Job[] = [], onePassJobs: Job[] = [];
for (const net of nets) {
  const base = networkFlags(net, tasks);
  for (const variant of variants) {
    if (variant === "onepass") continue;
    for (const seed of seeds) {
      cycleJobs.push({
        name: `${net} ${variant} s${seed}`,
        dir: join(root, net, variant, `s${seed}`),
        flags: () => Promise.resolve([...base, ...variantFlags(variant), "--seed", String(seed)]),
      });
    }
  }
  if (!variants.includes("onepass")) continue;
  for (const seed of seeds) {
    const baseDir = join(root, net, "base", `s${seed}`);
    for (const s of list(values.sparsities!).map(Number)) {
      onePassJobs.push({
        name: `${net} onepass s${seed} p${s}`,
        dir: join(root, net, "onepass", `s${seed}`, `p${s}`),
        // One cycle straight to sparsity s from the base run's dense model.
        flags: async () => {
          const dense = join(baseDir, "checkpoint", CHECKPOINT_FILES.dense);
          const rep = JSON.parse(await Deno.readTextFile(join(baseDir, "report.json")));
          const o = onePassOptions(rep.options, s);
          return [
            ...base,
            ...["--seed", String(seed), "--model", dense, "--dense-epochs", "0"],
            ...["--max-cycles", String(o.maxCycles), "--p", String(o.budgetFraction)],
            ...["--unit-fraction", String(o.unitFraction)],
            ...["--input-fraction", String(o.inputFraction)],
            ...["--fine-tune-epochs", String(o.fineTuneEpochs), "--train-epochs", "0"],
          ];
        },
      });
    }
  }
}
const t0 = performance.now();
await pool(cycleJobs);
await pool(onePassJobs);
console.log(`\nstudy finished in ${((performance.now() - t0) / 1000).toFixed(0)}s\n`);
console.log(summaryTable(summarize(await loadStudy(root))));
