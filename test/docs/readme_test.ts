import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO, runDeno } from "../run_deno.ts";

const README = await Deno.readTextFile(join(REPO, "README.md"));
const MOD_URL = new URL("../../mod.ts", import.meta.url).href;

/** The ```ts blocks of a markdown text. */
function tsBlocks(md: string): string[] {
  return [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Names a code block imports from `./mod.ts` (without `type` markers). */
function importedNames(code: string): string[] {
  return [...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\/mod\.ts"/g)]
    .flatMap((m) => m[1].split(","))
    .map((n) => n.trim().replace(/^type\s+/, ""))
    .filter(Boolean);
}

/** `text` with each `[from, to]` replaced, each required to occur exactly once. */
function edited(text: string, edits: [string, string][]): string {
  for (const [from, to] of edits) {
    assert.equal(text.split(from).length, 2, `the README example should contain ${from} once`);
    text = text.replace(from, to);
  }
  return text;
}

/** The README's library example, importing mod.ts by URL, shortened to one cycle. */
function shortExample(): string {
  const code = tsBlocks(README.slice(README.indexOf("## Using the module")))[0];
  return edited(code, [
    ['from "./mod.ts"', `from "${MOD_URL}"`],
    [
      "{\n  seed: 0,\n}",
      "{ seed: 0, denseEpochs: 0, fineTuneEpochs: 0, trainEpochs: 0, maxCycles: 1 }",
    ],
  ]);
}

/** Checks the example's output: the dense row, one cycle, the stop reason. */
function assertExampleRan(r: { code: number; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^0 1\.00$/m);
  assert.match(r.stdout, /^1 \d+\.\d\d$/m);
  assert.match(r.stdout, /reached maxCycles \(1\)/);
}

Deno.test("README: every name its code imports from mod.ts is exported, and its code type-checks", async () => {
  const blocks = tsBlocks(README);
  const names = blocks.flatMap(importedNames);
  assert.ok(names.includes("requestBackend"), "the README shows how to reach WebGPU");
  const mod = await import("../../mod.ts") as Record<string, unknown>;
  for (const n of names) assert.ok(n in mod, `mod.ts does not export ${n}`);
  let advice = "";
  try {
    (mod.createBackend as (n: string) => unknown)("webgpu");
  } catch (e) {
    advice = (e as Error).message.match(/use await (\w+)\("webgpu"\)/)?.[1] ?? "";
  }
  assert.equal(typeof mod[advice], "function", `createBackend("webgpu") advises ${advice}`);
  const dir = await Deno.makeTempDir();
  try {
    const files = await Promise.all(blocks.map(async (code, i) => {
      const f = join(dir, `block_${i}.ts`);
      await Deno.writeTextFile(f, code.replaceAll('"./mod.ts"', `"${MOD_URL}"`));
      return f;
    }));
    const r = await runDeno(["check", "--no-config", "--quiet", ...files]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README: the library example runs from a folder without deno.json (the module pins its npm packages)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "example.ts"), shortExample());
    const r = await runDeno(["run", "--no-config", "--allow-read", "example.ts"], { cwd: dir });
    assertExampleRan(r);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Links every file of `src` into `dst` (copies where hard links are impossible). */
async function linkTree(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    const [a, b] = [join(src, e.name), join(dst, e.name)];
    if (e.isDirectory) await linkTree(a, b);
    else if (e.isSymlink) await Deno.symlink(await Deno.readLink(a), b);
    else await Deno.link(a, b).catch(() => Deno.copyFile(a, b));
  }
}

/** Whether an npm package declares install-time scripts (what Deno warns about). */
async function hasInstallScripts(dir: string): Promise<boolean> {
  const pkg = JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
  return ["preinstall", "install", "postinstall"].some((k) => pkg.scripts?.[k]);
}

Deno.test("README: the library example, run in a fresh Deno cache with this repository's config, prints no build-script warning", async () => {
  const info = await runDeno(["info", "--json"]);
  const npmCache = join(JSON.parse(info.stdout).npmCache, "registry.npmjs.org");
  const lock = JSON.parse(await Deno.readTextFile(join(REPO, "deno.lock")));
  const dir = await Deno.makeTempDir();
  try {
    // The packages the lock file lists, taken from the local cache so that nothing is
    // downloaded, except those with install scripts: a run that needs one must fetch it,
    // and Deno then prints the warning box this test looks for.
    const fresh = join(dir, "deno_dir", "npm", "registry.npmjs.org");
    const left: string[] = [];
    for (const id of Object.keys(lock.npm ?? {})) {
      // `name@version`, scoped names start with `@`, and packages resolved with peer
      // dependencies carry them after `_` (`vega-lite@6.5.0_vega@6.4.0`).
      const at = id.indexOf("@", 1), name = id.slice(0, at);
      const version = id.slice(at + 1).split("_")[0];
      const src = join(npmCache, name, version);
      if (await hasInstallScripts(src)) {
        left.push(id);
        continue;
      }
      await linkTree(src, join(fresh, name, version));
      // A package cached for type checking only (`@types/…`) may come without its
      // registry entry; a run that needs one downloads it, which the test catches below.
      await Deno.copyFile(
        join(npmCache, name, "registry.json"),
        join(fresh, name, "registry.json"),
      ).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
    assert.deepEqual(left, [], "deno.lock holds no package with install scripts");
    await Deno.writeTextFile(join(dir, "example.ts"), shortExample());
    const r = await runDeno(
      ["run", "--config", join(REPO, "deno.json"), "--allow-read", "example.ts"],
      { cwd: dir, env: { DENO_DIR: join(dir, "deno_dir") } },
    );
    assertExampleRan(r);
    assert.doesNotMatch(r.stderr, /Ignored build scripts|protobufjs|lifecycle scripts/i);
    assert.doesNotMatch(r.stderr, /^Download /m, "everything came from the seeded cache");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** GitHub's anchor of a heading. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, "").replaceAll(" ", "-");
}

Deno.test("README: its local links point into the published package (docs/method.md), anchors included", async () => {
  assert.doesNotMatch(README, /\.\.\/shared|METHOD\.md/);
  const dry = await runDeno(["publish", "--dry-run", "--allow-dirty", "--no-check"], { cwd: REPO });
  assert.equal(dry.code, 0, dry.stderr);
  const published = new Set(
    [...(dry.stdout + dry.stderr).matchAll(/file:\/\/(\S+)/g)].map((m) => m[1]),
  );
  const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
    .filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.includes("docs/method.md"), "the README links the method");
  for (const link of links) {
    const [path, anchor] = link.split("#");
    const file = join(REPO, path);
    assert.ok(published.has(file), `${path} is not in the published package`);
    if (anchor) {
      const headings = [...(await Deno.readTextFile(file)).matchAll(/^#+ (.*)$/gm)].map((m) =>
        slug(m[1])
      );
      assert.ok(headings.includes(anchor), `${link}: no heading #${anchor}`);
    }
  }
});
