import { dirname, join, resolve } from "node:path";
import type { GraphModule } from "../graph/graph_module.ts";
import { saveModel } from "../io/model_file.ts";
import { UsageError } from "./args.ts";

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    // A path under a file does not exist either.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return (await statOrNull(path)) !== null;
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino !== null && b.ino !== null && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Checks that files can be created under `folder` (or, where it does not exist yet, under
 * its nearest existing ancestor, which must be a folder) by creating and removing a probe.
 */
async function checkWritable(cmd: string, folder: string, out: string): Promise<void> {
  for (let d = resolve(folder);; d = dirname(d)) {
    const st = await statOrNull(d);
    if (st) {
      if (!st.isDirectory) throw new UsageError(`${cmd}: --out ${out}: ${d} is not a folder`);
      try {
        await Deno.remove(await Deno.makeTempFile({ dir: d, prefix: ".squeeze-probe-" }));
      } catch (e) {
        throw new UsageError(
          `${cmd}: --out ${out}: cannot write in ${d} (${(e as Error).message})`,
        );
      }
      return;
    }
    if (d === dirname(d)) return;
  }
}

/**
 * Validates a command's `--out` file before any work: required, not a folder, not the
 * input file (compared as files, so `./a` and a link to `a` count as the same), not an
 * existing file unless `force`, and in a folder that exists or can be created and is
 * writable. Returns the path.
 */
export async function outputFile(
  cmd: string,
  raw: string | boolean | undefined,
  opts: { input?: string; force?: boolean } = {},
): Promise<string> {
  if (typeof raw !== "string" || raw === "") throw new UsageError(`${cmd}: --out PATH is required`);
  const st = await statOrNull(raw);
  if (st?.isDirectory) throw new UsageError(`${cmd}: --out ${raw} is a folder; give a file path`);
  if (st && opts.input !== undefined) {
    const input = await statOrNull(opts.input);
    if (input && sameFile(st, input)) {
      throw new UsageError(`${cmd}: --out ${raw} is the input file ${opts.input}; write elsewhere`);
    }
  }
  if (st && !opts.force) {
    throw new UsageError(`${cmd}: --out ${raw} exists; pass --force to replace it`);
  }
  await checkWritable(cmd, dirname(raw), raw);
  return raw;
}

/** What a cycle output folder holds from an earlier run. */
const RUN_FILES = ["report.json", "minimized.safetensors", "checkpoint"];

/**
 * Validates the `--out` folder of `cycle` before any work: a folder (or creatable), and,
 * when it holds an earlier run, only with `resume` (continue it) or `force` (start over).
 */
export async function outputFolder(
  cmd: string,
  out: string,
  opts: { resume?: boolean; force?: boolean } = {},
): Promise<string> {
  if (opts.resume && opts.force) {
    throw new UsageError(`${cmd}: --resume continues a run and --force starts over; pick one`);
  }
  const st = await statOrNull(out);
  if (st && !st.isDirectory) throw new UsageError(`${cmd}: --out ${out} is a file, not a folder`);
  if (st) {
    const held: string[] = [];
    for (const f of RUN_FILES) if (await exists(join(out, f))) held.push(f);
    if (held.length && !opts.resume && !opts.force) {
      throw new UsageError(
        `${cmd}: --out ${out} holds an earlier run (${
          held.join(", ")
        }); pass --resume to continue it or --force to start over`,
      );
    }
  }
  await checkWritable(cmd, out, out);
  return out;
}

/** Saves a model to a path checked by {@linkcode outputFile}, creating its folder. */
export async function saveOutput(path: string, model: GraphModule): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await saveModel(path, model);
}
