/**
 * The static module graph of an entry point, as `deno info --json` resolves it, plus the
 * worker scripts its files start (`new Worker(new URL("…", import.meta.url))`, which
 * `deno info` does not follow). Run it to print the runtime entry's size:
 *
 *     deno run --allow-read --allow-run test/runtime/module_graph.ts [ENTRY]
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { REPO, runDeno } from "../run_deno.ts";

/** What an entry point loads. */
export interface ModuleGraph {
  /** Local files, relative to the repository, with their sizes in bytes. */
  files: { path: string; bytes: number }[];
  /** Every specifier that is not a local file (`npm:…`, `jsr:…`, `node:…`, `https:…`). */
  external: string[];
}

interface InfoModule {
  specifier: string;
  size?: number;
  error?: string;
  dependencies?: { specifier: string }[];
}

const WORKER = /new\s+Worker\(\s*new\s+URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g;

/** The module graph of `entry` (a path relative to the repository). */
export async function moduleGraph(entry: string): Promise<ModuleGraph> {
  const files = new Map<string, number>();
  const external = new Set<string>();
  const roots = [join(REPO, entry)];
  for (let i = 0; i < roots.length; i++) {
    const r = await runDeno(["info", "--json", roots[i]], { cwd: REPO });
    if (r.code !== 0) throw new Error(`deno info ${roots[i]} failed: ${r.stderr}`);
    const info = JSON.parse(r.stdout) as { modules: InfoModule[] };
    for (const m of info.modules) {
      if (m.error) throw new Error(`${m.specifier}: ${m.error}`);
      for (const d of m.dependencies ?? []) {
        if (!d.specifier.startsWith(".") && !d.specifier.startsWith("/")) {
          external.add(d.specifier);
        }
      }
      if (!m.specifier.startsWith("file:")) {
        external.add(m.specifier);
        continue;
      }
      const path = fromFileUrl(m.specifier);
      if (files.has(path)) continue;
      files.set(path, m.size ?? (await Deno.stat(path)).size);
      for (const w of (await Deno.readTextFile(path)).matchAll(WORKER)) {
        const worker = fromFileUrl(new URL(w[1], m.specifier));
        if (!roots.includes(worker)) roots.push(worker);
      }
    }
  }
  return {
    files: [...files].map(([p, bytes]) => ({ path: relative(REPO, p), bytes })).sort((a, b) =>
      a.path < b.path ? -1 : 1
    ),
    external: [...external].sort(),
  };
}

/** Files and bytes of a graph, as one line. */
export function graphSize(g: ModuleGraph): string {
  const bytes = g.files.reduce((s, f) => s + f.bytes, 0);
  return `${g.files.length} files, ${bytes.toLocaleString("en-US")} bytes`;
}

if (import.meta.main) {
  const entry = Deno.args[0] ?? "src/runtime/mod.ts";
  const g = await moduleGraph(entry);
  for (const f of g.files) console.log(`${String(f.bytes).padStart(8)}  ${f.path}`);
  for (const e of g.external) console.log(`          ${e}`);
  console.log(`${entry}: ${graphSize(g)}, ${g.external.length} external specifiers`);
}
