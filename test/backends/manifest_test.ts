/**
 * The kernel manifest (kernels/manifest.ts) against every side it feeds: the generated
 * TypeScript, AssemblyScript and WGSL constants, the Wasm exports of both committed builds,
 * the signatures in the kernel sources, and the per-kind cases of the unary kernels. Each
 * test fails on one kind of drift.
 */
import assert from "node:assert/strict";
import { ID_FAMILIES, WASM_KERNELS } from "../../kernels/manifest.ts";
import { constName, MANIFEST_OUTPUTS, parseSignature } from "../../kernels/manifest_codegen.ts";
import * as ids from "../../src/backends/_gen/kernel_ids.ts";
import { UNARY_KINDS } from "../../src/backends/backend.ts";
import { instantiateKernels, type KernelVariant } from "../../src/backends/wasm/loader.ts";
import { MAX_PAGES, RELAXED_SIMD_WASM, SIMD_WASM } from "../../src/backends/wasm/_gen/kernels.ts";
import { SHADERS } from "../../src/backends/webgpu/_gen/shaders.ts";
import { UNARY_FNS } from "../../src/backends/js/elementwise.ts";
import { UNARY_OPS } from "../../src/ops/elementwise.ts";

const KERNELS = new URL("../../kernels/", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, KERNELS));
const FAMILIES = Object.entries(ID_FAMILIES);

Deno.test("kernel manifest: the generated files are up to date (run `deno task build:kernels`)", async () => {
  for (const { path, text } of MANIFEST_OUTPUTS) {
    assert.equal(await Deno.readTextFile(path), text(), `${path.pathname} is stale`);
  }
});

Deno.test("kernel manifest: every id is the same in TypeScript, AssemblyScript and WGSL", async () => {
  const asIds = new Map(
    [...(await read("wasm/_ids.ts")).matchAll(/export const (\w+): i32 = (\d+);/g)]
      .map((m) => [m[1], Number(m[2])]),
  );
  const wgslIds = new Map<string, number>();
  for (const [name, code] of Object.entries(SHADERS)) {
    for (const m of code.matchAll(/^const (\w+): u32 = (\d+)u;$/gm)) {
      const prev = wgslIds.get(m[1]);
      assert.ok(prev === undefined || prev === Number(m[2]), `${name}: ${m[1]} differs`);
      wgslIds.set(m[1], Number(m[2]));
    }
  }
  let checked = 0;
  for (const [stem, f] of FAMILIES) {
    const tsKinds = (ids as Record<string, unknown>)[`${stem}_KINDS`] as readonly string[];
    const tsIds = (ids as Record<string, unknown>)[`${stem}_IDS`] as Record<string, number>;
    assert.deepEqual(tsKinds, f.kinds.map((k) => k.name), `${stem}_KINDS`);
    f.kinds.forEach((k, id) => {
      const c = constName(f, k.name);
      assert.equal(tsIds[k.name], id, `TypeScript ${stem}_IDS.${k.name}`);
      if (f.targets.includes("wasm")) assert.equal(asIds.get(c), id, `AssemblyScript ${c}`);
      else assert.ok(!asIds.has(c), `AssemblyScript ${c} is not declared wasm`);
      if (f.targets.includes("wgsl")) assert.equal(wgslIds.get(c), id, `WGSL ${c}`);
      checked++;
    });
  }
  assert.equal(
    asIds.size,
    FAMILIES.filter(([, f]) => f.targets.includes("wasm")).reduce(
      (n, [, f]) => n + f.kinds.length,
      0,
    ),
  );
  assert.ok(checked >= UNARY_KINDS.length + 4);
  assert.deepEqual(UNARY_KINDS, ID_FAMILIES.UNARY.kinds.map((k) => k.name));
});

Deno.test("kernel manifest: both Wasm builds export exactly its kernels, with the declared arity", () => {
  for (const variant of ["relaxed-simd", "simd"] as KernelVariant[]) {
    const b64 = variant === "relaxed-simd" ? RELAXED_SIMD_WASM : SIMD_WASM;
    const module = new WebAssembly.Module(Uint8Array.fromBase64(b64));
    const exported = WebAssembly.Module.exports(module);
    assert.deepEqual(
      exported.filter((e) => e.kind === "function").map((e) => e.name).sort(),
      WASM_KERNELS.map((k) => k.name).sort(),
      `${variant}: exports`,
    );
    assert.deepEqual(
      exported.filter((e) => e.kind !== "function"),
      [{ name: "memory", kind: "memory" }],
      `${variant}: the imported memory is the only other export`,
    );
    for (const shared of [true, false]) {
      const memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared });
      const k = instantiateKernels(variant, memory) as unknown as Record<string, unknown>;
      for (const spec of WASM_KERNELS) {
        const fn = k[spec.name] as (...args: number[]) => unknown;
        assert.equal(typeof fn, "function", `${variant}: ${spec.name}`);
        assert.equal(
          fn.length,
          parseSignature(spec.signature).params.length,
          `${variant}: ${spec.name} arity`,
        );
      }
    }
  }
});

Deno.test("kernel manifest: the AssemblyScript sources declare its signatures", async () => {
  const declared = new Map<string, string>();
  for await (const e of Deno.readDir(new URL("wasm/", KERNELS))) {
    if (!e.name.endsWith(".ts")) continue;
    const text = await read(`wasm/${e.name}`);
    for (const m of text.matchAll(/^export function (\w+)\s*\(([^)]*)\)\s*:\s*(\w+)/gm)) {
      const params = m[2].split(",").map((p) => p.trim().replace(/\s*:\s*/, ": ")).filter((p) => p);
      declared.set(m[1], `(${params.join(", ")}): ${m[3]}`);
    }
  }
  for (const spec of WASM_KERNELS) {
    assert.equal(declared.get(spec.name), spec.signature, `kernels/wasm: ${spec.name}`);
  }
  const index = await read("wasm/index.ts");
  for (const spec of WASM_KERNELS) {
    assert.match(index, new RegExp(`\\b${spec.name}\\b`), `index.ts exports ${spec.name}`);
  }
});

Deno.test("kernel manifest: every unary and binary kind has its case in each kernel and its reference", async () => {
  const consts = (stem: string) =>
    ID_FAMILIES[stem].kinds.map((k) => constName(ID_FAMILIES[stem], k.name)).sort();
  const cases = (text: string, stem: string) =>
    [...new Set([...text.matchAll(new RegExp(`case (${stem}_\\w+)`, "g"))].map((m) => m[1]))]
      .sort();
  assert.deepEqual(cases(await read("wasm/elementwise.ts"), "UNARY"), consts("UNARY"), "AS");
  assert.deepEqual(cases(await read("wgsl/unary.wgsl"), "UNARY"), consts("UNARY"), "WGSL");
  assert.deepEqual(cases(await read("wgsl/binary.wgsl"), "BINARY"), consts("BINARY"), "WGSL");
  assert.deepEqual(Object.keys(UNARY_FNS).sort(), [...UNARY_KINDS].sort(), "reference");
  assert.deepEqual(Object.keys(UNARY_OPS).sort(), [...UNARY_KINDS].sort(), "ops");
});
