/**
 * A reader of ONNX model files for the runtime entry, which imports no npm package: the
 * protobuf wire format, read for the messages and fields the importer uses (others are
 * skipped), into the shapes of `onnx_types.ts`. The main entry decodes with the protobuf
 * schema (`proto.ts`); a test checks that both readers give the same messages on ONNX's
 * node tests and the fixtures. Errors are `SyntaxError`s naming the byte offset.
 *
 * @module
 */
import type {
  OnnxAttribute,
  OnnxDim,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxType,
  OnnxValueInfo,
} from "./onnx_types.ts";

const text = new TextDecoder("utf-8", { fatal: true });

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, readonly where: string, start = 0, readonly end = b.length) {
    this.pos = start;
  }
  fail(what: string): never {
    throw new SyntaxError(`${this.where}: not a valid ONNX model (${what} at byte ${this.pos})`);
  }
  varint(): number {
    let v = 0, mul = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.b[this.pos++];
      if (i >= 7) return this.#wide(start);
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
    this.fail("varint longer than 10 bytes");
  }
  /** A varint of more than 49 bits (negative int64s take 10 bytes): exact, via bigint. */
  #wide(start: number): number {
    this.pos = start;
    let v = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.b[this.pos++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return Number(BigInt.asIntN(64, v));
      shift += 7n;
    }
    this.fail("varint longer than 10 bytes");
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) this.fail(`length ${n} past the end`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  sub(): Reader {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) this.fail(`length ${n} past the end`);
    const r = new Reader(this.b, this.where, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  string(): string {
    try {
      return text.decode(this.bytes());
    } catch {
      this.fail("invalid UTF-8");
    }
  }
  float(): number {
    if (this.pos + 4 > this.end) this.fail("truncated float");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) this.fail("truncated double");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else this.fail(`wire type ${wire}`);
    if (this.pos > this.end) this.fail("truncated field");
  }
  /** Calls `f(field, wire)` for each field of this message. */
  each(f: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8), wire = key % 8;
      if (field === 0) this.fail("field number 0");
      if (!f(field, wire)) this.skip(wire);
    }
  }
  /** A repeated scalar: packed (wire 2) or one element. */
  repeated(wire: number, one: (r: Reader) => number, into: number[]): void {
    if (wire !== 2) {
      into.push(one(this));
      return;
    }
    const r = this.sub();
    while (r.pos < r.end) into.push(one(r));
  }
}

const varint = (r: Reader) => r.varint();
const float = (r: Reader) => r.float();
const double = (r: Reader) => r.double();

function tensor(r: Reader): OnnxTensor {
  const t: OnnxTensor = {
    name: "",
    dims: [],
    dataType: 0,
    rawData: new Uint8Array(),
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    externalData: [],
    dataLocation: 0,
  };
  r.each((f, w) => {
    switch (f) {
      case 1:
        r.repeated(w, varint, t.dims as number[]);
        return true;
      case 2:
        t.dataType = r.varint();
        return true;
      case 4:
        r.repeated(w, float, t.floatData);
        return true;
      case 5:
        r.repeated(w, varint, t.int32Data);
        return true;
      case 7:
        r.repeated(w, varint, t.int64Data as number[]);
        return true;
      case 8:
        t.name = r.string();
        return true;
      case 9:
        t.rawData = r.bytes();
        return true;
      case 10:
        r.repeated(w, double, t.doubleData);
        return true;
      case 11:
        r.repeated(w, varint, t.uint64Data as number[]);
        return true;
      case 13: {
        const e = r.sub(), kv = { key: "", value: "" };
        e.each((
          g,
        ) => (g === 1
          ? ((kv.key = e.string()), true)
          : g === 2
          ? ((kv.value = e.string()), true)
          : false)
        );
        t.externalData.push(kv);
        return true;
      }
      case 14:
        t.dataLocation = r.varint();
        return true;
    }
    return false;
  });
  return t;
}

function attribute(r: Reader): OnnxAttribute {
  const a: OnnxAttribute = {
    name: "",
    type: 0,
    f: 0,
    i: 0,
    s: new Uint8Array(),
    floats: [],
    ints: [],
    strings: [],
  };
  r.each((f, w) => {
    switch (f) {
      case 1:
        a.name = r.string();
        return true;
      case 2:
        a.f = r.float();
        return true;
      case 3:
        a.i = r.varint();
        return true;
      case 4:
        a.s = r.bytes();
        return true;
      case 5:
        a.t = tensor(r.sub());
        return true;
      case 7:
        r.repeated(w, float, a.floats);
        return true;
      case 8:
        r.repeated(w, varint, a.ints as number[]);
        return true;
      case 9:
        a.strings.push(r.bytes());
        return true;
      case 20:
        a.type = r.varint();
        return true;
    }
    return false;
  });
  return a;
}

function node(r: Reader): OnnxNode {
  const n: OnnxNode = { name: "", opType: "", domain: "", input: [], output: [], attribute: [] };
  r.each((f) => {
    if (f === 1) n.input.push(r.string());
    else if (f === 2) n.output.push(r.string());
    else if (f === 3) n.name = r.string();
    else if (f === 4) n.opType = r.string();
    else if (f === 5) n.attribute.push(attribute(r.sub()));
    else if (f === 7) n.domain = r.string();
    else return false;
    return true;
  });
  return n;
}

const TYPE_CASES: Record<
  number,
  "sequenceType" | "mapType" | "optionalType" | "sparseTensorType" | "opaqueType"
> = {
  4: "sequenceType",
  5: "mapType",
  7: "opaqueType",
  8: "sparseTensorType",
  9: "optionalType",
};

function type(r: Reader): OnnxType {
  let value: OnnxType["value"] = { case: undefined };
  r.each((f) => {
    if (f === 1) {
      const tr = r.sub();
      const tt: { elemType: number; shape?: { dim: OnnxDim[] } } = { elemType: 0 };
      tr.each((g) => {
        if (g === 1) tt.elemType = tr.varint();
        else if (g === 2) {
          const sr = tr.sub(), dim: OnnxDim[] = [];
          sr.each((h) => {
            if (h !== 1) return false;
            const dr = sr.sub(), d: OnnxDim = { value: { case: undefined } };
            dr.each((k) => {
              if (k === 1) d.value = { case: "dimValue", value: dr.varint() };
              else if (k === 2) d.value = { case: "dimParam", value: dr.string() };
              else return false;
              return true;
            });
            dim.push(d);
            return true;
          });
          tt.shape = { dim };
        } else return false;
        return true;
      });
      value = { case: "tensorType", value: tt };
      return true;
    }
    if (TYPE_CASES[f]) {
      r.bytes();
      value = { case: TYPE_CASES[f] };
      return true;
    }
    return false;
  });
  return { value };
}

function valueInfo(r: Reader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "" };
  r.each((f) => {
    if (f === 1) v.name = r.string();
    else if (f === 2) v.type = type(r.sub());
    else return false;
    return true;
  });
  return v;
}

function graph(r: Reader): OnnxGraph {
  const g: OnnxGraph = { name: "", node: [], initializer: [], input: [], output: [] };
  r.each((f) => {
    if (f === 1) g.node.push(node(r.sub()));
    else if (f === 2) g.name = r.string();
    else if (f === 5) g.initializer.push(tensor(r.sub()));
    else if (f === 11) g.input.push(valueInfo(r.sub()));
    else if (f === 12) g.output.push(valueInfo(r.sub()));
    else return false;
    return true;
  });
  return g;
}

/**
 * Reads an ONNX model file's bytes. Throws `SyntaxError` naming `where` and the byte
 * offset on bytes that are not a protobuf `ModelProto`.
 *
 * @example
 * ```ts
 * import { readModelWire } from "./wire_reader.ts";
 * try {
 *   readModelWire(new Uint8Array([0x0a, 0xff]), "bad.onnx");
 * } catch (e) {
 *   console.assert(e instanceof SyntaxError);
 * }
 * ```
 */
export function readModelWire(bytes: Uint8Array, where = "model"): OnnxModel {
  const r = new Reader(bytes, where);
  const m: OnnxModel = { irVersion: 0, opsetImport: [] };
  r.each((f) => {
    if (f === 1) m.irVersion = r.varint();
    else if (f === 7) m.graph = graph(r.sub());
    else if (f === 8) {
      const o = r.sub(), op = { domain: "", version: 0 };
      o.each((
        g,
      ) => (g === 1
        ? ((op.domain = o.string()), true)
        : g === 2
        ? ((op.version = o.varint()), true)
        : false)
      );
      m.opsetImport.push(op);
    } else return false;
    return true;
  });
  if (!m.graph) throw new SyntaxError(`${where}: ONNX model has no graph`);
  return m;
}
