/**
 * Request bodies to MNIST pixels: a 28×28 PNG (grayscale, gray + alpha, RGB, RGBA or
 * indexed, any bit depth) or 784 raw bytes, to 784 grayscale bytes in row-major order,
 * white digit on black as in MNIST. Bad input throws {@linkcode BadInput}, never
 * anything else.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- the example pins its npm package without an import map
import { convertIndexedToRgb, decode, type DecodedPng } from "npm:fast-png@8.0.0";

/** Image side in pixels. */
export const SIDE = 28;
/** Pixels per image. */
export const PIXELS = SIDE * SIDE;

/**
 * A body the classifier cannot read; `status` is the HTTP status to answer with.
 *
 * @example
 * ```ts
 * import { BadInput, toPixels } from "./image.ts";
 * try {
 *   toPixels(new Uint8Array(3), "application/octet-stream");
 * } catch (e) {
 *   console.assert(e instanceof BadInput && e.status === 400);
 * }
 * ```
 */
export class BadInput extends Error {
  /** HTTP status: 400 (bad body) or 415 (unsupported media type). */
  readonly status: number;
  /** An error with a message for the client. */
  constructor(message: string, status = 400) {
    super(message);
    this.name = "BadInput";
    this.status = status;
  }
}

/**
 * The media type of a Content-Type header value, lower case, without parameters.
 *
 * @example
 * ```ts
 * import { mediaType } from "./image.ts";
 * console.assert(mediaType("Image/PNG; charset=binary") === "image/png");
 * ```
 */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * 784 grayscale bytes from a body of media type `type`: `image/png` (28×28) or
 * `application/octet-stream` (exactly 784 bytes, one per pixel).
 *
 * @example
 * ```ts
 * import { toPixels } from "./image.ts";
 * const px = toPixels(new Uint8Array(784).fill(255), "application/octet-stream");
 * console.assert(px.length === 784 && px[0] === 255);
 * ```
 */
export function toPixels(body: Uint8Array, type: string): Uint8Array {
  if (type === "application/octet-stream") {
    if (body.length !== PIXELS) {
      throw new BadInput(
        `application/octet-stream body: expected ${PIXELS} bytes (28×28 pixels), got ${body.length}`,
      );
    }
    return body.slice();
  }
  if (type === "image/png") return pngPixels(body);
  throw new BadInput(
    `Content-Type ${JSON.stringify(type)}: expected image/png or application/octet-stream`,
    415,
  );
}

/**
 * The pixels of a 28×28 PNG as grayscale bytes (luminance; alpha composites on black).
 *
 * @example
 * ```ts
 * import { encode } from "npm:fast-png@8.0.0";
 * import { pngPixels } from "./image.ts";
 * const rgb = new Uint8Array(784 * 3).fill(255);
 * const png = encode({ width: 28, height: 28, data: rgb, channels: 3, depth: 8 });
 * console.assert(pngPixels(png).every((v) => v === 255));
 * ```
 */
export function pngPixels(body: Uint8Array): Uint8Array {
  let png: DecodedPng;
  try {
    png = decode(body);
  } catch (e) {
    throw new BadInput(`image/png body: not a valid PNG (${(e as Error).message})`);
  }
  if (png.width !== SIDE || png.height !== SIDE) {
    throw new BadInput(`image/png body: expected 28×28 pixels, got ${png.width}×${png.height}`);
  }
  const { data, channels, max } = samples(png);
  if (data.length < PIXELS * channels) {
    throw new BadInput(`image/png body: truncated pixel data (${data.length} samples)`);
  }
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const s = i * channels;
    const lum = channels >= 3
      ? 0.299 * data[s] + 0.587 * data[s + 1] + 0.114 * data[s + 2]
      : data[s];
    const alpha = channels === 2 || channels === 4 ? data[s + channels - 1] / max : 1;
    out[i] = Math.round((lum * alpha * 255) / max);
  }
  return out;
}

/** One sample per channel per pixel, with the largest sample value. */
function samples(png: DecodedPng): { data: ArrayLike<number>; channels: number; max: number } {
  if (png.palette) {
    let rgb: Uint8Array;
    try {
      rgb = convertIndexedToRgb(png);
    } catch (e) {
      throw new BadInput(`image/png body: bad palette data (${(e as Error).message})`);
    }
    return { data: rgb, channels: png.palette[0]?.length ?? 3, max: 255 };
  }
  if (png.depth >= 8) return { data: png.data, channels: png.channels, max: 2 ** png.depth - 1 };
  // Grayscale at 1, 2 or 4 bits: rows of packed samples, each row padded to a byte.
  const d = png.depth, perByte = 8 / d, rowBytes = Math.ceil(SIDE / perByte);
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const byte = png.data[y * rowBytes + Math.floor(x / perByte)] ?? 0;
      out[y * SIDE + x] = (byte >> (8 - d * (1 + (x % perByte)))) & ((1 << d) - 1);
    }
  }
  return { data: out, channels: 1, max: (1 << d) - 1 };
}
