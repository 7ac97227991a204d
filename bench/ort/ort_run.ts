/**
 * Runs ONNX models with the pinned onnxruntime-web (Wasm backend, one thread) for the
 * tests' independent judge (test/io/onnx/ort_judge.ts), in a process of its own: ORT and
 * its protobufjs (which has an install script) stay out of the module's lock file.
 *
 *   deno run --lock=bench/ort/deno.lock --allow-read bench/ort/ort_run.ts REQUEST.json
 *
 * REQUEST: `[{ "model": base64, "feeds": { name: { "dims": [...], "data": base64 f32 } } }]`.
 * Prints one JSON line: per job, `{ name: { dims, data } }` or `{ "error": message }`.
 */
import { configureOrt, ort } from "./ort_env.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";

configureOrt(1);

interface Wire {
  dims: number[];
  data: string;
}
const jobs = JSON.parse(await Deno.readTextFile(Deno.args[0])) as {
  model: string;
  feeds: Record<string, Wire>;
}[];
const out: (Record<string, Wire> | { error: string })[] = [];
for (const job of jobs) {
  try {
    const session = await ort.InferenceSession.create(decodeBase64(job.model), {
      executionProviders: ["wasm"],
      logSeverityLevel: 3,
    });
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(job.feeds)) {
        const bytes = decodeBase64(f.data);
        feeds[name] = new ort.Tensor(
          "float32",
          new Float32Array(bytes.buffer, 0, bytes.length / 4),
          f.dims,
        );
      }
      const res: Record<string, Wire> = {};
      for (const [name, t] of Object.entries(await session.run(feeds))) {
        if (t.type !== "float32") {
          throw new TypeError(`output "${name}" is ${t.type}, expected float32`);
        }
        res[name] = {
          dims: [...t.dims],
          data: encodeBase64(new Uint8Array(Float32Array.from(t.data as Float32Array).buffer)),
        };
        t.dispose();
      }
      out.push(res);
    } finally {
      await session.release();
    }
  } catch (e) {
    out.push({ error: (e as Error).message });
  }
}
console.log(JSON.stringify(out));
