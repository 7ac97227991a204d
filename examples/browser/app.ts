/// <reference lib="dom" />
/**
 * The page script of `index.html`: fetches a squeezed model and a 28×28 PNG, decodes the
 * model with squeeze's inference entry, classifies the image on the Wasm backend (one
 * thread: the page needs no cross-origin isolation) and writes the digit into the page
 * (`#digit` and the title) and the probabilities as JSON (`#probabilities`).
 *
 * Query parameters: `model` (default `../mnist_classifier/model.safetensors`) and `image`
 * (default `digit.png`, MNIST test image 0). Bundle it first:
 * `deno bundle --platform browser -o examples/browser/app.js examples/browser/app.ts`.
 *
 * @module
 */
import { createBackend, decodeModel } from "../../src/runtime/mod.ts";
import { classify } from "../mnist_classifier/classify.ts";
import { pngPixels } from "../mnist_classifier/image.ts";

function show(id: string, text: string): void {
  document.getElementById(id)!.textContent = text;
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const modelUrl = new URL(
    query.get("model") ?? "../mnist_classifier/model.safetensors",
    location.href,
  );
  const imageUrl = new URL(query.get("image") ?? "digit.png", location.href);
  (document.getElementById("image") as HTMLImageElement).src = imageUrl.href;
  const backend = createBackend("auto");
  const model = decodeModel(await fetchBytes(modelUrl), modelUrl.href, backend);
  const { digit, probabilities } = await classify(model, pngPixels(await fetchBytes(imageUrl)));
  show("backend", backend.name);
  show("probabilities", JSON.stringify(probabilities));
  show("digit", String(digit));
  document.title = `digit ${digit}`;
}

main().catch((e) => {
  show("digit", `error: ${(e as Error).message}`);
  document.title = "error";
});
