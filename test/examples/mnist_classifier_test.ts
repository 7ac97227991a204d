/**
 * The MNIST classifier example over HTTP (issue 15, item 8): real MNIST test images,
 * posted as PNG and as raw bytes to `Deno.serve` running `createHandler`, get the answer
 * of squeeze's own forward pass; bad requests get 4xx with a JSON error.
 */
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- the same pinned package as the example
import { encode } from "npm:fast-png@8.0.0";
import { createWasmBackend, loadModel } from "../../src/runtime/mod.ts";
import { createHandler, MAX_BODY } from "../../examples/mnist_classifier/handler.ts";
import { argmax, mnistTestImages, MODEL_PATH, referenceProbabilities } from "./mnist_reference.ts";

/** Images checked against the reference and for accuracy. */
const N = 100;
/**
 * Correct answers required among the first N test images (the committed model gets 100;
 * it scores 97.69 % on all 10,000). A model guessing at chance gets about 10; one with
 * 90 % accuracy would pass with probability 0.8 %.
 */
const MIN_CORRECT = 97;

const gray = (px: Uint8Array) => encode({ width: 28, height: 28, data: px, channels: 1, depth: 8 });
const rgba = (px: Uint8Array) => {
  const d = new Uint8Array(784 * 4);
  px.forEach((v, i) => d.set([v, v, v, 255], i * 4));
  return encode({ width: 28, height: 28, data: d, channels: 4, depth: 8 });
};

interface Answer {
  digit: number;
  probabilities: number[];
}

Deno.test("examples/mnist_classifier: POST /classify over HTTP", async (t) => {
  const backend = createWasmBackend({ threads: 1 });
  const model = await loadModel(MODEL_PATH, backend);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createHandler(model),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const post = async (data: Uint8Array | string, type: string | null, path = "/classify") => {
    const headers = type === null ? undefined : { "content-type": type };
    const body = typeof data === "string" ? data : new Uint8Array(data);
    const res = await fetch(base + path, { method: "POST", body, headers });
    return { status: res.status, headers: res.headers, json: await res.json() };
  };
  try {
    const { bytes, labels, inputs } = await mnistTestImages(N);
    const want = await referenceProbabilities(inputs, backend);

    await t.step(
      `PNG and raw bytes of ${N} test images: squeeze's forward, ≥ ${MIN_CORRECT} right`,
      async () => {
        let correct = 0;
        for (let i = 0; i < N; i++) {
          const answers: [string, Uint8Array, string][] = [
            ["png", gray(bytes[i]), "image/png"],
            ["raw", bytes[i], "application/octet-stream"],
          ];
          if (i < 3) answers.push(["rgba png", rgba(bytes[i]), "image/png; charset=binary"]);
          for (const [kind, body, type] of answers) {
            const r = await post(body, type);
            assert.equal(r.status, 200, `${kind} image ${i}: ${JSON.stringify(r.json)}`);
            assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
            const a = r.json as Answer;
            assert.deepEqual(Object.keys(a).sort(), ["digit", "probabilities"]);
            assert.equal(a.probabilities.length, 10);
            assert.equal(a.digit, argmax(want[i]), `${kind} image ${i}: digit`);
            a.probabilities.forEach((p, j) =>
              assert.ok(
                Math.abs(p - want[i][j]) <= 1e-6,
                `${kind} image ${i}: p[${j}] ${p} vs ${want[i][j]}`,
              )
            );
          }
          if (argmax(want[i]) === labels[i]) correct++;
        }
        assert.ok(correct >= MIN_CORRECT, `${correct}/${N} correct`);
      },
    );

    await t.step("bad bodies: 400, 413 or 415 with a JSON error naming the problem", async () => {
      const cases: [string, Uint8Array | string, string | null, number, RegExp][] = [
        [
          "PNG of 27×28",
          encode({ width: 27, height: 28, data: new Uint8Array(27 * 28), channels: 1, depth: 8 }),
          "image/png",
          400,
          /expected 28×28 pixels, got 27×28/,
        ],
        ["not a PNG", new Uint8Array([1, 2, 3, 4]), "image/png", 400, /not a valid PNG/],
        ["truncated PNG", gray(bytes[0]).slice(0, 60), "image/png", 400, /PNG/],
        [
          "783 raw bytes",
          new Uint8Array(783),
          "application/octet-stream",
          400,
          /expected 784 bytes.*got 783/,
        ],
        ["empty body", new Uint8Array(0), "application/octet-stream", 400, /got 0/],
        ["text", "hello", "text/plain", 415, /expected image\/png or application\/octet-stream/],
        ["no content type", new Uint8Array(784), null, 415, /Content-Type/],
        ["over 1 MiB", new Uint8Array(MAX_BODY + 1), "image/png", 413, /body over/],
      ];
      for (const [name, body, type, status, message] of cases) {
        const r = await post(body, type);
        assert.equal(r.status, status, `${name}: ${JSON.stringify(r.json)}`);
        assert.match(String(r.json.error), message, name);
      }
    });

    await t.step("the example imports nothing of squeeze but the runtime entry", async () => {
      const dir = new URL("../../examples/mnist_classifier/", import.meta.url);
      for (const f of ["handler.ts", "classify.ts", "image.ts", "main.ts", "../browser/app.ts"]) {
        const code = await Deno.readTextFile(new URL(f, dir));
        for (const [, spec] of code.matchAll(/\bfrom\s+"([^"]+)"/g)) {
          const ok = spec === "../../src/runtime/mod.ts" || spec.startsWith("npm:fast-png@") ||
            spec.startsWith("node:") || /^\.\.?\/[a-z_]+\.ts$|^\.\.\/mnist_classifier\//.test(spec);
          assert.ok(ok, `${f} imports ${spec}`);
        }
      }
    });

    await t.step("other paths 404, other methods 405 with Allow: POST", async () => {
      const r = await post(bytes[0], "application/octet-stream", "/nope");
      assert.equal(r.status, 404);
      assert.match(r.json.error, /no such path: \/nope/);
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await fetch(`${base}/classify`, { method });
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.get("allow"), "POST");
        assert.match((await res.json()).error, new RegExp(`method ${method}: use POST`));
      }
    });
  } finally {
    await server.shutdown();
    model.dispose();
    backend.dispose();
  }
});
