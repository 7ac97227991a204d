/**
 * The safetensors container: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to `{dtype, shape, data_offsets}` (plus a string→string
 * `__metadata__`), then the raw little-endian data. F32 and F64 are supported.
 *
 * @module
 */
import type { DType, TypedArray } from "../tensor/dtype.ts";

/** One named tensor in a safetensors file. */
export interface NamedArray {
  /** Axis sizes. */
  shape: number[];
  /** Elements (Float32Array → F32, Float64Array → F64). */
  data: TypedArray;
}

const CODES: Record<DType, string> = { float32: "F32", float64: "F64" };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new TypeError("safetensors: big-endian platforms are not supported");
}

/**
 * Encodes tensors and string metadata. The header is padded with spaces so the data
 * starts 8-byte aligned.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors(new Map([["w", { shape: [2], data: Float32Array.of(1, 2) }]]), { a: "b" });
 * console.assert(decodeSafetensors(bytes, "x").tensors.get("w")!.data[1] === 2);
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, NamedArray>,
  metadata: Record<string, string> = {},
): Uint8Array {
  requireLittleEndian();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") {
      throw new RangeError(`safetensors: "__metadata__" is not a tensor name`);
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new RangeError(
        `safetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape}]`,
      );
    }
    const dtype = t.data instanceof Float64Array ? "float64" : "float32";
    header[name] = {
      dtype: CODES[dtype],
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes. Every structural problem throws a `SyntaxError` that names
 * `file`, the field or byte offset, and what is wrong — truncated files included.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  file: string,
): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  requireLittleEndian();
  const bad = (where: string, what: string) => new SyntaxError(`${file}: ${where}: ${what}`);
  if (bytes.length < 8) {
    throw bad("byte 0", `truncated: ${bytes.length} bytes, the 8-byte header length is missing`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    throw bad(
      "byte 0",
      `header length ${n} exceeds the ${
        bytes.length - 8
      } bytes after it (truncated or not safetensors)`,
    );
  }
  const hlen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + hlen)),
    );
  } catch (e) {
    throw bad(`header (bytes 8–${8 + hlen})`, `not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw bad("header", "must be a JSON object");
  }
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedArray>();
  const spans: [number, number, string][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null) {
        throw bad("__metadata__", "must be an object of strings");
      }
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== "string") throw bad(`__metadata__.${k}`, "must be a string");
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) {
      throw bad(`tensor "${name}"`, "entry must be an object");
    }
    const dtype = e.dtype === "F32" ? "float32" : e.dtype === "F64" ? "float64" : null;
    if (!dtype) {
      throw bad(
        `tensor "${name}".dtype`,
        `unsupported dtype ${JSON.stringify(e.dtype)} (F32 or F64)`,
      );
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw bad(
        `tensor "${name}".shape`,
        `must be an array of integers ≥ 0, got ${JSON.stringify(shape)}`,
      );
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      throw bad(
        `tensor "${name}".data_offsets`,
        `must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(off)}`,
      );
    }
    const [b, en] = off as [number, number];
    const width = dtype === "float64" ? 8 : 4;
    const count = (shape as number[]).reduce((a, c) => a * c, 1);
    if (en - b !== count * width) {
      throw bad(
        `tensor "${name}".data_offsets`,
        `span ${en - b} bytes, shape [${shape}] of ${e.dtype} needs ${count * width}`,
      );
    }
    if (en > dataLen) {
      throw bad(
        `tensor "${name}".data_offsets`,
        `ends at data byte ${en}, file has only ${dataLen} data bytes (truncated)`,
      );
    }
    const raw = bytes.slice(dataStart + b, dataStart + en);
    const data = dtype === "float64" ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
    tensors.set(name, { shape: shape as number[], data });
    spans.push([b, en, name]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  let at = 0;
  for (const [b, en, name] of spans) {
    if (b !== at) {
      throw bad(`tensor "${name}".data_offsets`, `begins at ${b}, expected ${at} (gap or overlap)`);
    }
    at = en;
  }
  if (at !== dataLen) {
    throw bad(`byte ${dataStart + at}`, `${dataLen - at} bytes after the last tensor`);
  }
  return { tensors, metadata };
}
