/**
 * squeeze's inference entry in a browser (issue 15, item 8): `deno bundle` turns
 * examples/browser/app.ts into one script, `Deno.serve` serves examples/ on 127.0.0.1,
 * and headless Chromium loads the page, which decodes the committed model with
 * `decodeModel`, classifies a 28×28 PNG and writes the digit and probabilities into the
 * DOM. They must equal squeeze's own forward pass on the same image. Without Chromium the
 * test is skipped, unless `CI` is set: then it fails.
 */
import assert from "node:assert/strict";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
// deno-lint-ignore no-import-prefix -- the same pinned package as the example
import { decode, encode } from "npm:fast-png@8.0.0";
import { createWasmBackend } from "../../src/runtime/mod.ts";
import { runDeno } from "../run_deno.ts";
import { argmax, mnistTestImages, referenceProbabilities } from "./mnist_reference.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const BROWSERS = ["chromium", "chromium-browser", "google-chrome"];
/** Real-time limit of one browser run, in ms. */
const BROWSER_TIMEOUT = 30000;

/** The first of {@linkcode BROWSERS} on PATH, if any. */
function findBrowser(): string | undefined {
  const path = Deno.env.get("PATH") ?? "";
  for (const name of BROWSERS) {
    for (const dir of path.split(":").filter(Boolean)) {
      try {
        if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

const browser = findBrowser();
const inCi = Boolean(Deno.env.get("CI"));
if (!browser && !inCi) {
  console.warn(
    `browser_test: skipped, none of ${BROWSERS.join(", ")} is on PATH ` +
      "(apt-get install -y chromium; under CI the test fails instead)",
  );
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
  ".safetensors": "application/octet-stream",
};

/** Serves examples/ read-only, with `extra` paths (the bundle, test images) on top. */
function serveExamples(extra: Map<string, Uint8Array>): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const type = TYPES[extname(path)];
    const body = extra.get(path) ??
      (type && !normalize(path).includes("..")
        ? await Deno.readFile(join(EXAMPLES, normalize(path))).catch(() => undefined)
        : undefined);
    if (!body || !type) return new Response("not found", { status: 404 });
    return new Response(new Uint8Array(body), { headers: { "content-type": type } });
  });
}

/** The DOM Chromium prints for `url` once the page has settled. */
async function dumpDom(url: string): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "squeeze-chromium-" });
  try {
    const out = await new Deno.Command(browser!, {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=20000",
        "--dump-dom",
        url,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(BROWSER_TIMEOUT),
    }).output();
    const dom = new TextDecoder().decode(out.stdout);
    assert.equal(
      out.code,
      0,
      `${browser} exited with ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
    return dom;
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** The text of the element with id `id` in `dom`. */
function outputText(dom: string, id: string): string {
  const m = dom.match(new RegExp(`<output id="${id}">([^<]*)</output>`));
  assert.ok(m, `no #${id} in the DOM:\n${dom}`);
  return m[1].replaceAll("&quot;", '"');
}

Deno.test({
  name: "examples/browser: the runtime bundle classifies in headless Chromium as squeeze does",
  ignore: !browser && !inCi,
  async fn(t) {
    assert.ok(browser, `CI is set but none of ${BROWSERS.join(", ")} is on PATH`);
    const dir = await Deno.makeTempDir({ prefix: "squeeze-bundle-" });
    const backend = createWasmBackend({ threads: 1 });
    let server: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      const bundle = join(dir, "app.js");
      const r = await runDeno([
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "-o",
        bundle,
        join(EXAMPLES, "browser", "app.ts"),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const js = await Deno.readFile(bundle);
      assert.doesNotMatch(new TextDecoder().decode(js), /\bDeno\./, "the bundle uses no Deno API");

      const { bytes, inputs } = await mnistTestImages(2);
      const committed = decode(await Deno.readFile(join(EXAMPLES, "browser", "digit.png")));
      assert.deepEqual(
        [committed.width, committed.height, committed.channels],
        [28, 28, 1],
        "digit.png is 28×28 grayscale",
      );
      assert.deepEqual(
        Uint8Array.from(committed.data),
        bytes[0],
        "digit.png is MNIST test image 0",
      );
      const want = await referenceProbabilities(inputs, backend);

      server = serveExamples(
        new Map([
          ["/browser/app.js", js],
          [
            "/browser/test1.png",
            encode({ width: 28, height: 28, data: bytes[1], channels: 1, depth: 8 }),
          ],
        ]),
      );
      const page = `http://127.0.0.1:${server.addr.port}/browser/index.html`;
      for (const [i, query] of [[0, ""], [1, "?image=test1.png"]] as const) {
        await t.step(
          `test image ${i}${query ? ` (${query})` : " (digit.png, the default)"}`,
          async () => {
            const dom = await dumpDom(page + query);
            const digit = outputText(dom, "digit");
            assert.equal(digit, String(argmax(want[i])), `the page says ${digit}`);
            assert.match(dom, new RegExp(`<title>digit ${digit}</title>`));
            assert.equal(outputText(dom, "backend"), "wasm");
            const p = JSON.parse(outputText(dom, "probabilities")) as number[];
            assert.equal(p.length, 10);
            p.forEach((v, j) =>
              assert.ok(Math.abs(v - want[i][j]) <= 1e-6, `p[${j}] ${v} vs ${want[i][j]}`)
            );
          },
        );
      }
    } finally {
      await server?.shutdown();
      backend.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
