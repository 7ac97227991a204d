/**
 * Reading a safetensors file from disk with every read bounded: only regular files, the
 * declared header length checked against the file size before the header is read, and
 * never more than the file's size (so `/dev/zero`, a FIFO or a 2^60-byte header length
 * cannot make it read without end).
 *
 * @module
 */

async function readInto(f: Deno.FsFile, buf: Uint8Array): Promise<number> {
  let off = 0;
  while (off < buf.length) {
    const n = await f.read(buf.subarray(off));
    if (n === null) break;
    off += n;
  }
  return off;
}

function kind(st: Deno.FileInfo): string {
  if (st.isDirectory) return "a folder";
  return st.isCharDevice ? "a character device" : st.isFifo ? "a FIFO" : "not a regular file";
}

/**
 * The bytes of the safetensors file at `path`. Throws a `TypeError` for anything but a
 * regular file and a `SyntaxError` naming the file when its declared header length
 * exceeds its size; the contents are checked by `decodeSafetensors`.
 *
 * @example
 * ```ts ignore
 * import { readSafetensorsFile } from "./safetensors_file.ts";
 * const bytes = await readSafetensorsFile("runs/lenet.safetensors");
 * ```
 */
export async function readSafetensorsFile(path: string): Promise<Uint8Array> {
  const st = await Deno.stat(path);
  if (!st.isFile) throw new TypeError(`${path}: not a model file (${kind(st)})`);
  const f = await Deno.open(path, { read: true });
  try {
    const size = (await f.stat()).size;
    const out = new Uint8Array(size);
    const head = await readInto(f, out.subarray(0, Math.min(8, size)));
    if (head === 8) {
      const n = new DataView(out.buffer, 0, 8).getBigUint64(0, true);
      if (n > BigInt(size - 8)) {
        throw new SyntaxError(
          `${path}: byte 0: header length ${n} exceeds the ${
            size - 8
          } bytes after it (truncated or not safetensors)`,
        );
      }
    }
    const got = head + await readInto(f, out.subarray(head));
    return out.subarray(0, got);
  } finally {
    f.close();
  }
}
