/**
 * Serves the MNIST classifier: `POST /classify` (see `handler.ts`).
 *
 * ```sh
 * deno run --allow-read=examples/mnist_classifier --allow-net=0.0.0.0:8000 \
 *   examples/mnist_classifier/main.ts [--port N] [--model PATH]
 * ```
 *
 * The port is `--port N`, else the `PORT` variable when `--allow-env=PORT` grants it, else
 * 8000 (`--allow-net` must name it); the model defaults to `model.safetensors` beside this
 * file (`--allow-read` must cover it).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createBackend, loadModel } from "../../src/runtime/mod.ts";
import { createHandler } from "./handler.ts";

/** The `PORT` variable where env access to it is granted; never prompts. */
function envPort(): string | undefined {
  const q = Deno.permissions.querySync({ name: "env", variable: "PORT" });
  return q.state === "granted" ? Deno.env.get("PORT") : undefined;
}

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string" }, model: { type: "string" } },
});
const portText = values.port ?? envPort() ?? "8000";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(`--port / PORT: expected a port 0–65535, got ${JSON.stringify(portText)}`);
}
const modelPath = values.model ?? fileURLToPath(new URL("./model.safetensors", import.meta.url));
const model = await loadModel(modelPath, createBackend("auto"));
Deno.serve({ port }, createHandler(model));
