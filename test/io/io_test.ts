import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import {
  decodeModel,
  encodeModel,
  GRAPH_KEY,
  loadModel,
  saveModel,
} from "../../src/io/model_file.ts";
import { writeFileAtomic } from "../../src/io/atomic_write.ts";
import { fromGraph, toGraph } from "../../src/graph/convert.ts";
import { mlp } from "../../src/nn/models.ts";
import { randn, tensor } from "../../src/tensor/create.ts";
import { Rng } from "../../src/tensor/random.ts";

const tinyModel = () => {
  const { graph, params } = toGraph(mlp([6, 5, 3], { seed: 2 }), [6], "tiny");
  return fromGraph(graph, params);
};

Deno.test("encodeSafetensors()/decodeSafetensors() round-trip F32 and F64 with metadata and 8-byte alignment", () => {
  const t = new Map([
    ["a", { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ["b", { shape: [1], data: Float64Array.of(Math.PI) }],
    ["empty", { shape: [0, 4], data: new Float32Array(0) }],
  ]);
  const bytes = encodeSafetensors(t, { k: "v" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const r = decodeSafetensors(bytes, "x");
  assert.deepEqual(r.metadata, { k: "v" });
  assert.deepEqual(r.tensors.get("a"), t.get("a"));
  assert.equal(r.tensors.get("b")!.data[0], Math.PI);
  assert.equal(r.tensors.get("empty")!.data.length, 0);
});

Deno.test("decodeSafetensors() throws SyntaxError naming the field for malformed headers", () => {
  const enc = (header: unknown, data = new Uint8Array(0)) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const cases: [Uint8Array, RegExp][] = [
    [
      enc({ w: { dtype: "I8", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /tensor "w"\.dtype: unsupported dtype "I8"/,
    ],
    [
      enc({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /tensor "w"\.data_offsets: span 4 bytes, shape \[2\] of F32 needs 8/,
    ],
    [
      enc({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(2)),
      /ends at data byte 4, file has only 2 data bytes \(truncated\)/,
    ],
    [enc({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }), /tensor "w"\.shape/],
    [
      enc({ w: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      /begins at 4, expected 0/,
    ],
    [enc([1, 2]), /header: must be a JSON object/],
    [enc({ __metadata__: { a: 1 } }), /__metadata__\.a: must be a string/],
    [enc({}, new Uint8Array(3)), /3 bytes after the last tensor/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes, "m.st"),
      (e: Error) =>
        e instanceof SyntaxError && re.test(e.message) && e.message.startsWith("m.st: "),
      re.source,
    );
  }
});

Deno.test("a saved model reloads to bit-identical outputs (masks included)", async () => {
  const gm = tinyModel();
  const w = gm.namedParameters().get("fc1.weight")!;
  w.mask = tensor(Array.from({ length: 30 }, (_, i) => (i % 3 ? 1 : 0)), [5, 6]);
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "m.safetensors");
    await saveModel(path, gm);
    const back = await loadModel(path);
    const x = randn([7, 6], new Rng(5));
    assert.deepEqual(back.forward(x).toArray(), gm.forward(x).toArray());
    assert.deepEqual(back.graph, gm.graph);
    assert.deepEqual(back.namedParameters().get("fc1.weight")!.mask!.toArray(), w.mask!.toArray());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decodeModel(): every truncation of a model file is a SyntaxError, never a crash", () => {
  const bytes = encodeModel(tinyModel());
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(
      () => decodeModel(bytes.subarray(0, n), "cut.st"),
      (e: Error) => e instanceof SyntaxError && e.message.startsWith("cut.st: "),
      `length ${n}`,
    );
  }
});

Deno.test("decodeModel() names unknown layer types, bad graph JSON and tensors the graph lacks", () => {
  const gm = tinyModel();
  const rewrite = (
    edit: (
      meta: Record<string, string>,
      tensors: Map<string, { shape: number[]; data: Float32Array }>,
    ) => void,
  ) => {
    const { tensors, metadata } = decodeSafetensors(encodeModel(gm), "x");
    edit(metadata, tensors as Map<string, { shape: number[]; data: Float32Array }>);
    return encodeSafetensors(tensors, metadata);
  };
  const unknown = rewrite((m) => {
    const g = JSON.parse(m[GRAPH_KEY]);
    g.nodes[2].op = "swish9";
    m[GRAPH_KEY] = JSON.stringify(g);
  });
  assert.throws(
    () => decodeModel(unknown, "u.st"),
    (e: Error) =>
      e instanceof SyntaxError &&
      /u\.st: graph nodes\[2\]\.op: unknown layer type "swish9" in node "act1"/.test(e.message),
  );
  const badJson = rewrite((m) => (m[GRAPH_KEY] = "{nodes:"));
  assert.throws(
    () => decodeModel(badJson, "j.st"),
    /j\.st: __metadata__\.squeeze\.graph: not valid JSON/,
  );
  const missing = rewrite((_m, t) => t.delete("fc2.bias"));
  assert.throws(
    () => decodeModel(missing, "p.st"),
    /p\.st: tensor "fc2\.bias": declared by the graph but missing/,
  );
  const extra = rewrite((_m, t) => t.set("stray", { shape: [1], data: Float32Array.of(1) }));
  assert.throws(
    () => decodeModel(extra, "s.st"),
    /s\.st: tensor "stray": not a parameter of the graph/,
  );
  const shape = rewrite((_m, t) => t.set("fc2.bias", { shape: [4], data: new Float32Array(4) }));
  assert.throws(
    () => decodeModel(shape, "h.st"),
    /h\.st: tensor "fc2\.bias"\.shape: \[4\] but the graph says \[3\]/,
  );
  const notOurs = encodeSafetensors(new Map(), {});
  assert.throws(
    () => decodeModel(notOurs, "o.st"),
    /o\.st: __metadata__\.squeeze\.format: expected "squeeze\.model\/1"/,
  );
});

Deno.test("writeFileAtomic() leaves the old file intact when the write fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "sub");
    await Deno.mkdir(target);
    await assert.rejects(() => writeFileAtomic(target, new Uint8Array(10)));
    assert.ok((await Deno.stat(target)).isDirectory);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["sub"],
      "temporary file removed",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveModel() killed midway never leaves a partial model file", async () => {
  const dir = await Deno.makeTempDir();
  const child = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "slow_save.ts");
  const path = join(dir, "model.safetensors");
  const old = encodeModel(tinyModel());
  const tmpFiles = () => [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".tmp"));
  /** Saves a large model over `path`; with `kill`, SIGKILLs it once its temp file exists. */
  const attempt = async (kill: boolean) => {
    await Deno.writeFile(path, old);
    const proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", child, path],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let killed = false;
    if (kill) {
      const deadline = performance.now() + 60_000;
      while (!killed && performance.now() < deadline) {
        if (tmpFiles().length) {
          proc.kill("SIGKILL");
          killed = true;
        } else await new Promise((r) => setTimeout(r, 1));
      }
    }
    const status = await proc.status;
    const now = await Deno.readFile(path);
    const intact = now.length === old.length && now.every((b, i) => b === old[i]);
    return { status, killed, intact, now, leftover: tmpFiles().length };
  };
  try {
    const full = await attempt(false);
    assert.ok(full.status.success && !full.intact, "an uninterrupted save replaces the file");
    assert.equal(decodeModel(full.now, path).parameterCount(), 64_000_000);
    const cut = await attempt(true);
    assert.ok(cut.killed && !cut.status.success, "the save was killed while its temp file existed");
    assert.equal(cut.leftover, 1, "the kill landed mid-write (temp file left behind)");
    assert.ok(cut.intact, "the model file still holds the previous complete model");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
