/**
 * Reader for the IDX format of the MNIST files: big-endian magic `0x0000 TT NN`
 * (TT = element type, NN = number of dimensions), NN big-endian uint32 sizes, then data.
 *
 * @module
 */

/** A decoded IDX file of unsigned bytes. */
export interface IdxArray {
  /** Axis sizes. */
  dims: number[];
  /** The elements. */
  data: Uint8Array;
}

/**
 * Parses IDX bytes (type 0x08, unsigned byte). Throws a `SyntaxError` naming `file`, the
 * byte offset and what is wrong (bad magic, unsupported type, truncated data, trailing
 * bytes).
 *
 * @example
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * const bytes = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 7, 9);
 * console.assert(parseIdx(bytes, "labels").data[1] === 9);
 * ```
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const err = (offset: number, what: string) =>
    new SyntaxError(`${file}: not a valid IDX file at byte ${offset}: ${what}`);
  if (bytes.length < 4) throw err(0, `file has only ${bytes.length} bytes (needs a 4-byte header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw err(0, "magic number must start with two zero bytes");
  if (bytes[2] !== 0x08) {
    throw err(2, `element type 0x${bytes[2].toString(16)} unsupported (only 0x08, unsigned byte)`);
  }
  const nd = bytes[3];
  if (nd < 1) throw err(3, "zero dimensions");
  const head = 4 + 4 * nd;
  if (bytes.length < head) {
    throw err(4, `truncated header: ${nd} dimensions need ${head} bytes, file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < head + n) {
    throw err(
      bytes.length,
      `truncated data: dims [${dims}] need ${n} bytes after the header, file has ${
        bytes.length - head
      }`,
    );
  }
  if (bytes.length > head + n) {
    throw err(head + n, `${bytes.length - head - n} unexpected trailing bytes`);
  }
  return { dims, data: bytes.subarray(head, head + n) };
}
