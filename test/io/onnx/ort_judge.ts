/**
 * Test helper (not a test): an independent judge for ONNX files. Runs models with the
 * pinned onnxruntime-web (Wasm backend, one thread) in a subprocess
 * (`bench/ort/ort_run.ts`, with its own lock file, so ORT and its protobufjs stay out of
 * the module's dependencies), so tests can compare what squeeze reads or writes against a
 * second implementation. Needs --allow-run and --allow-read.
 */
import { decodeBase64, encodeBase64 } from "../../../bench/ort/base64.ts";

/** One float32 tensor: row-major data and its dims. */
export interface JudgeTensor {
  data: Float32Array;
  dims: number[];
}

/** One model run: ONNX bytes and float32 inputs by name. */
export interface OrtJob {
  model: Uint8Array;
  feeds: Record<string, JudgeTensor>;
}

const ROOT = new URL("../../../", import.meta.url).pathname;

/**
 * Runs every job in one onnxruntime process; per job, every graph output by name (or
 * an `Error` where ORT refused the model or the inputs).
 */
export async function runOrtBatch(
  jobs: OrtJob[],
): Promise<(Record<string, JudgeTensor> | Error)[]> {
  const wire = jobs.map((j) => ({
    model: encodeBase64(j.model),
    feeds: Object.fromEntries(
      Object.entries(j.feeds).map(([name, { data, dims }]) => {
        const size = dims.reduce((p, d) => p * d, 1);
        if (size !== data.length) {
          throw new RangeError(
            `runOrt: feed "${name}" has ${data.length} values, dims [${dims}] need ${size}`,
          );
        }
        return [name, { dims, data: encodeBase64(new Uint8Array(Float32Array.from(data).buffer)) }];
      }),
    ),
  }));
  const req = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(req, JSON.stringify(wire));
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--lock=${ROOT}bench/ort/deno.lock`,
        "--allow-read",
        `${ROOT}bench/ort/ort_run.ts`,
        req,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(r.stdout);
    if (!r.success) {
      throw new Error(`onnxruntime subprocess failed: ${new TextDecoder().decode(r.stderr)}`);
    }
    const res = JSON.parse(
      text,
    ) as (Record<string, { dims: number[]; data: string }> | { error: string })[];
    return res.map((o) => {
      if ("error" in o && typeof o.error === "string") return new Error(`onnxruntime: ${o.error}`);
      return Object.fromEntries(
        Object.entries(o as Record<string, { dims: number[]; data: string }>).map(([k, v]) => {
          const b = decodeBase64(v.data);
          return [k, { dims: v.dims, data: new Float32Array(b.buffer, 0, b.length / 4) }];
        }),
      );
    });
  } finally {
    await Deno.remove(req);
  }
}

/** Runs one model (see {@linkcode runOrtBatch}); throws where ORT refuses it. */
export async function runOrt(
  model: Uint8Array,
  feeds: Record<string, JudgeTensor>,
): Promise<Record<string, JudgeTensor>> {
  const [r] = await runOrtBatch([{ model, feeds }]);
  if (r instanceof Error) throw r;
  return r;
}
