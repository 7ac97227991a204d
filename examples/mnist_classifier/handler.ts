/**
 * An HTTP handler that classifies MNIST digits with a squeeze model, for `Deno.serve` or
 * any runtime with the Fetch API's `Request` and `Response`.
 *
 * `POST /classify` with a 28×28 PNG (`Content-Type: image/png`) or 784 raw bytes
 * (`application/octet-stream`) answers `{ "digit": d, "probabilities": [10 numbers] }`.
 * Bad bodies answer 400, unknown media types 415, bodies over 1 MiB 413, other paths 404,
 * other methods 405, each with a JSON `{ "error": "…" }`.
 *
 * @module
 */
import type { GraphModule } from "../../src/runtime/mod.ts";
import { classify } from "./classify.ts";
import { BadInput, mediaType, toPixels } from "./image.ts";

/** Largest body read, in bytes. */
export const MAX_BODY = 1 << 20;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** Reads a body of at most {@linkcode MAX_BODY} bytes. */
async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) throw new BadInput(`body over ${MAX_BODY} bytes`, 413);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > MAX_BODY) throw new BadInput(`body over ${MAX_BODY} bytes`, 413);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof BadInput) throw e;
    throw new BadInput(`could not read the body (${(e as Error).message})`);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/**
 * A request handler classifying with `model` (a 784 → 10 MNIST classifier taking
 * `[N, 1, 28, 28]` inputs normalized as squeeze's MNIST loader does).
 *
 * @example
 * ```ts ignore
 * import { createBackend, loadModel } from "../../src/runtime/mod.ts";
 * import { createHandler } from "./handler.ts";
 * const model = await loadModel("examples/mnist_classifier/model.safetensors", createBackend());
 * Deno.serve({ port: 8000 }, createHandler(model));
 * ```
 */
export function createHandler(model: GraphModule): (req: Request) => Promise<Response> {
  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (path !== "/classify") return json({ error: `no such path: ${path}` }, 404);
    if (req.method !== "POST") {
      return json({ error: `method ${req.method}: use POST` }, 405, { allow: "POST" });
    }
    let pixels: Uint8Array;
    try {
      pixels = toPixels(await readBody(req), mediaType(req.headers.get("content-type")));
    } catch (e) {
      if (e instanceof BadInput) return json({ error: e.message }, e.status);
      throw e;
    }
    return json(await classify(model, pixels));
  };
}
