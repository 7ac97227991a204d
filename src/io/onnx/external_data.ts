/**
 * External tensor data of an ONNX file on disk: files in the model's folder, read once,
 * with offsets and lengths checked against the file's size.
 *
 * @module
 */
import type { ExternalReader } from "./tensor_proto.ts";

/** The folder of `path` (`.` for a bare name). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : path.slice(0, i) || "/";
}

/** An external-data reader for tensors of the model at `path` (files in its folder only). */
export function externalReader(path: string): ExternalReader {
  const dir = dirOf(path);
  const cache = new Map<string, Uint8Array>();
  return (location, offset, length) => {
    if (location.includes("..") || location.startsWith("/")) {
      throw new SyntaxError(
        `${path}: external data location "${location}" leaves the model's folder`,
      );
    }
    let bytes = cache.get(location);
    if (!bytes) {
      try {
        bytes = Deno.readFileSync(`${dir}/${location}`);
      } catch (e) {
        throw new SyntaxError(
          `${path}: cannot read external data "${location}": ${(e as Error).message}`,
        );
      }
      cache.set(location, bytes);
    }
    const end = length < 0 ? bytes.length : offset + length;
    if (!(offset >= 0 && end <= bytes.length && end >= offset)) {
      throw new SyntaxError(
        `${path}: external data "${location}" has ${bytes.length} bytes, a tensor asks for [${offset}, ${end})`,
      );
    }
    return bytes.subarray(offset, end);
  };
}
