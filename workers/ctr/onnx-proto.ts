/**
 * A minimal protobuf writer and the ONNX messages the CTR export needs (onnx.proto, IR version 8):
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto. Only writing,
 * only the fields used; every field number below is onnx.proto's. Tensors go in `raw_data`
 * (little-endian), as ONNX tools write them.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(256);
  private used = 0;
  private total = 0;

  private ensure(bytes: number): void {
    if (this.used + bytes <= this.current.length) return;
    this.flush();
    this.current = new Uint8Array(Math.max(256, bytes));
  }

  private flush(): void {
    if (this.used > 0) this.chunks.push(this.current.subarray(0, this.used));
    this.current = new Uint8Array(256);
    this.used = 0;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.current[this.used++] = value;
    this.total++;
  }

  /** An unsigned or two's-complement (negative int64: ten bytes) varint. */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(data.length);
    this.flush();
    this.chunks.push(data);
    this.total += data.length;
  }

  string(field: number, text: string): void {
    this.bytes(field, new TextEncoder().encode(text));
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, FIXED32);
    const data = new Uint8Array(4);
    new DataView(data.buffer).setFloat32(0, value, true);
    this.ensure(4);
    this.current.set(data, this.used);
    this.used += 4;
    this.total += 4;
  }

  message(field: number, write: (inner: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

// ---- ONNX messages ----

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxAttribute {
  name: string;
  int?: number;
  float?: number;
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a named (symbolic) dimension. */
  shape: Array<number | string>;
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  doc?: string;
}

export interface OnnxModel {
  graph: OnnxGraph;
  opset: number;
  producerName: string;
  producerVersion: string;
  doc?: string;
  metadata: Record<string, string>;
}

export const ONNX_IR_VERSION = 8;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64); // data_type
  w.string(8, t.name); // name
  // raw_data: little-endian bytes of the values (a copy, so a view's offset never leaks in).
  const raw = new Uint8Array(t.data.byteLength);
  const view = new DataView(raw.buffer);
  if (t.data instanceof Float32Array) t.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else t.data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  w.bytes(9, raw);
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (a.int !== undefined) {
    w.int(20, 2); // type INT
    w.int(3, a.int); // i
  } else if (a.float !== undefined) {
    w.int(20, 1); // type FLOAT
    w.float(2, a.float); // f
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const a of n.attributes ?? []) w.message(5, (inner) => writeAttribute(inner, a));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
  if (v.doc) w.string(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (inner) => writeNode(inner, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (inner) => writeTensor(inner, t));
  if (g.doc) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, (inner) => writeValueInfo(inner, v));
  for (const v of g.outputs) w.message(12, (inner) => writeValueInfo(inner, v));
}

/** The serialized ModelProto. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION); // ir_version
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  if (model.doc) w.string(6, model.doc);
  w.message(7, (inner) => writeGraph(inner, model.graph));
  w.message(8, (opset) => {
    opset.string(1, ''); // the default domain (ai.onnx)
    opset.int(2, model.opset);
  });
  for (const [key, value] of Object.entries(model.metadata)) {
    w.message(14, (entry) => {
      entry.string(1, key);
      entry.string(2, value);
    });
  }
  return w.finish();
}
