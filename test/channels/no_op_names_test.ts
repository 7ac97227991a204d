/**
 * The walkers read channel behaviour from the op specs and the kinds table, never from
 * op names: no source file of src/channels, src/minimize or src/prune names a layer op
 * in a comparison or a `case`, nor switches on a channel kind.
 */
import assert from "node:assert/strict";
import { LAYER_OPS } from "../../src/graph/layer_ops.ts";
import { CHANNEL_KINDS } from "../../src/channels/kinds.ts";

const SRC = new URL("../../src/", import.meta.url);

async function sources(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const walk = async (url: URL, rel: string) => {
    for await (const e of Deno.readDir(url)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, url), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts")) {
        out.push([`${rel}${e.name}`, await Deno.readTextFile(new URL(e.name, url))]);
      }
    }
  };
  await walk(new URL(`${dir}/`, SRC), `src/${dir}/`);
  return out;
}

Deno.test("src/channels, src/minimize, src/prune: no op-name comparison or case, no switch on a channel kind", async () => {
  const names = [...LAYER_OPS.keys(), ...Object.keys(CHANNEL_KINDS)];
  const quoted = names.map((n) => `"${n}"`);
  const files = [
    ...await sources("channels"),
    ...await sources("minimize"),
    ...await sources("prune"),
  ];
  assert.ok(files.length >= 20, `${files.length} files`);
  const found: string[] = [];
  for (const [path, text] of files) {
    text.split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/^\s*\*/.test(code)) return; // doc comments
      const bad = /\bswitch\s*\(/.test(code) ||
        quoted.some((q) =>
          code.includes(`case ${q}`) || code.includes(`=== ${q}`) || code.includes(`!== ${q}`) ||
          code.includes(`${q} ===`) || code.includes(`${q} !==`)
        ) || /\.op\s*[!=]==/.test(code);
      if (bad) found.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});
