/**
 * ONNX models written by hand: a protobuf encoder for the handful of messages a model needs (ModelProto,
 * GraphProto, NodeProto, …; field numbers from onnx.proto) and a small graph builder over it. Writing the
 * wire format ourselves keeps the CLI free of a protobuf runtime and of generated code for a schema of which
 * it uses a dozen fields; the output is checked by loading it in ONNX Runtime (test/onnx-export.test.ts).
 */

/** Protobuf wire types: varint, 32-bit little-endian, length-delimited. */
const VARINT = 0;
const FIXED32 = 5;
const BYTES = 2;

/** A protobuf message under construction: fields are appended in the order written. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  /**
   * Base-128 varint of an unsigned 64-bit value; negative int64s are written as their two's complement
   * (ten bytes), as protobuf encodes int64 fields.
   */
  #varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wire: number): void {
    this.#varint((field << 3) | wire);
  }

  /** An int32, int64, enum or bool field. */
  int(field: number, value: number | bigint): this {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.#tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, BYTES);
    this.#varint(value.length);
    this.#push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A repeated int field, packed (parsers accept packed encoding for any repeated scalar field). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.#varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A repeated float field, packed: little-endian float32s back to back. */
  packedFloats(field: number, values: readonly number[]): this {
    return this.bytes(field, littleEndianFloats(values));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function littleEndianFloats(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

function littleEndianInt64s(values: readonly (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return out;
}

/** TensorProto.DataType values of the element types used here. */
const ELEM_TYPE = { float: 1, int64: 7 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

/** A dimension: a size, or a name that the runtime binds per call (a dynamic batch or length). */
export type Dim = number | string;

/** An attribute value, tagged by its ONNX type (an integer and a float attribute differ in the format). */
export type Attr = { i: number } | { f: number } | { s: string } | { ints: number[] } | { floats: number[] };

/** Largest int64: Slice's "to the end". */
export const INT64_MAX = 2n ** 63n - 1n;

/** AttributeProto.AttributeType values. */
const ATTR_TYPE = { f: 1, i: 2, s: 3, floats: 6, ints: 7 } as const;

function attribute(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in a) w.float(2, a.f).int(20, ATTR_TYPE.f);
  else if ('i' in a) w.int(3, a.i).int(20, ATTR_TYPE.i);
  else if ('s' in a) w.string(4, a.s).int(20, ATTR_TYPE.s);
  else if ('floats' in a) w.packedFloats(7, a.floats).int(20, ATTR_TYPE.floats);
  else w.packedInts(8, a.ints).int(20, ATTR_TYPE.ints);
  return w;
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensor = new ProtoWriter().int(1, ELEM_TYPE[type]).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
}

interface Initializer {
  name: string;
  dims: number[];
  type: ElemType;
  raw: Uint8Array;
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

/**
 * A graph built node by node: values are named by strings, each node's outputs get fresh names, and
 * `encode` writes the whole model. Nodes must be added in an order where every input already exists (ONNX
 * asks for a topologically sorted graph).
 */
export class OnnxGraph {
  #inputs: ProtoWriter[] = [];
  #outputs: ProtoWriter[] = [];
  #initializers: Initializer[] = [];
  #nodes: Node[] = [];
  #names = new Set<string>();

  constructor(readonly name: string) {}

  #claim(name: string): string {
    if (this.#names.has(name)) throw new Error(`ONNX graph ${this.name}: the name '${name}' is taken`);
    this.#names.add(name);
    return name;
  }

  /** A graph input; string dims are symbolic (bound when the model runs). */
  input(name: string, dims: Dim[], type: ElemType = 'float'): string {
    this.#inputs.push(valueInfo(this.#claim(name), type, dims));
    return name;
  }

  /** Names `value` (a node's output) as a graph output by adding an Identity node that writes `name`. */
  output(value: string, name: string, dims: Dim[], type: ElemType = 'float'): string {
    this.#nodes.push({ op: 'Identity', inputs: [value], outputs: [this.#claim(name)], attrs: {} });
    this.#outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** A float32 constant; `dims` [] for a scalar. */
  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    checkSize(name, dims, data.length);
    this.#initializers.push({ name: this.#claim(name), dims, type: 'float', raw: littleEndianFloats(data) });
    return name;
  }

  /** An int64 constant (shapes, axes, slice bounds); a 1-D tensor unless `dims` says otherwise. */
  int64s(name: string, data: readonly (number | bigint)[], dims = [data.length]): string {
    checkSize(name, dims, data.length);
    const raw = littleEndianInt64s(data);
    this.#initializers.push({ name: this.#claim(name), dims, type: 'int64', raw });
    return name;
  }

  /** Adds a node; returns its `outputs` output names. '' in `inputs` leaves an optional input out. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const n = this.#nodes.length;
    const names = Array.from({ length: outputs }, (_, k) => this.#claim(`${op}_${n}${k ? `_${k}` : ''}`));
    this.#nodes.push({ op, inputs, outputs: names, attrs });
    return names;
  }

  /** The ModelProto: this graph and one default-domain opset import. */
  encode(o: { opset: number; irVersion: number; producer: string; producerVersion?: string }): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.#nodes) {
      const w = new ProtoWriter();
      for (const i of n.inputs) w.string(1, i);
      for (const out of n.outputs) w.string(2, out);
      w.string(3, n.outputs[0]).string(4, n.op);
      for (const [k, a] of Object.entries(n.attrs)) w.message(5, attribute(k, a));
      graph.message(1, w);
    }
    graph.string(2, this.name);
    for (const t of this.#initializers) {
      const w = new ProtoWriter().packedInts(1, t.dims).int(2, ELEM_TYPE[t.type]).string(8, t.name);
      graph.message(5, w.bytes(9, t.raw));
    }
    for (const v of this.#inputs) graph.message(11, v);
    for (const v of this.#outputs) graph.message(12, v);
    const model = new ProtoWriter().int(1, o.irVersion).string(2, o.producer);
    if (o.producerVersion) model.string(3, o.producerVersion);
    model.message(7, graph);
    model.message(8, new ProtoWriter().string(1, '').int(2, o.opset));
    return model.finish();
  }
}

function checkSize(name: string, dims: number[], length: number): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length)
    throw new Error(`ONNX initializer ${name}: shape [${dims}] holds ${size}, got ${length}`);
}
