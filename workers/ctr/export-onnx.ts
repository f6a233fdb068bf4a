import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, type OnnxNode, type OnnxTensor } from './onnx-proto';
import { checkWeightShapes, encodeRows } from './score-reference';
import type { CtrWeights } from './weights';

/**
 * DeepFM (and FM, LR) as an ONNX model (opset 13), the format JVM/Spark serving loads through
 * onnxruntime.
 *
 * Inputs (N rows, F fields in the encoding's order; the encoding is in metadata `assay.encoding`):
 * - `slots`  int64 [N, F]: each field's active slot (weights.ts: 0 = "other"/NULL/missing value,
 *   vocabulary level i+1, 1 + MD5-prefix mod buckets for hashing, 0/1 value/missing for numerics);
 * - `values` float [N, F]: the slot's value (1 for a categorical field, x or 1 for a numeric one).
 * Outputs: `probability` float [N, 1] and `margin` float [N, 1].
 *
 * Graph: each field's table sits at an offset in one concatenated table, so one Gather per table:
 *   index = slots + offsets;  linear = ReduceSum(Gather(w, index) · values)
 *   ev = Gather(E, index) · values[..., None]   [N, F, k]
 *   fm = ½ ReduceSum((ReduceSum_f ev)² − ReduceSum_f ev²)
 *   deep = MLP(Reshape(ev, [N, F·k]))   (MatMul, Add, Relu; a linear last layer of width 1)
 *   margin = bias + linear + fm + deep;  probability = Sigmoid(margin)
 * `ctrOnnxInputs` turns rows into the two input tensors exactly as the app encodes them.
 */

export const CTR_ONNX_OPSET = 13;

const int64 = (values: number[]): BigInt64Array => BigInt64Array.from(values, (v) => BigInt(v));

/** The model as ONNX bytes. */
export function ctrToOnnx(weights: CtrWeights, options: { producerVersion?: string } = {}): Uint8Array {
  checkWeightShapes(weights);
  const fields = weights.encoding.fields;
  const F = fields.length;
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const offsets: number[] = [];
  let total = 0;
  for (const table of weights.linear) {
    offsets.push(total);
    total += table.length;
  }
  const linear = new Float32Array(total);
  weights.linear.forEach((table, f) => linear.set(table, offsets[f] as number));

  const initializers: OnnxTensor[] = [
    { name: 'offsets', dims: [F], data: int64(offsets) },
    { name: 'linear_weights', dims: [total], data: linear },
    { name: 'bias', dims: [1], data: Float32Array.of(weights.bias) },
    { name: 'axis_1', dims: [1], data: int64([1]) },
  ];
  const nodes: OnnxNode[] = [
    { op: 'Add', inputs: ['slots', 'offsets'], outputs: ['index'] },
    { op: 'Gather', inputs: ['linear_weights', 'index'], outputs: ['slot_weights'], attributes: [{ name: 'axis', int: 0 }] },
    { op: 'Mul', inputs: ['slot_weights', 'values'], outputs: ['weighted'] },
    { op: 'ReduceSum', inputs: ['weighted', 'axis_1'], outputs: ['linear'], attributes: [{ name: 'keepdims', int: 1 }] },
    { op: 'Add', inputs: ['linear', 'bias'], outputs: ['margin_linear'] },
  ];
  let margin = 'margin_linear';

  if (k > 0) {
    const embeddings = new Float32Array(total * k);
    weights.embeddings.forEach((table, f) => embeddings.set(table, (offsets[f] as number) * k));
    initializers.push({ name: 'embeddings', dims: [total, k], data: embeddings }, { name: 'axis_2', dims: [1], data: int64([2]) }, { name: 'half', dims: [], data: Float32Array.of(0.5) });
    nodes.push(
      { op: 'Gather', inputs: ['embeddings', 'index'], outputs: ['slot_embeddings'], attributes: [{ name: 'axis', int: 0 }] },
      { op: 'Unsqueeze', inputs: ['values', 'axis_2'], outputs: ['values_3d'] },
      { op: 'Mul', inputs: ['slot_embeddings', 'values_3d'], outputs: ['ev'] },
      { op: 'ReduceSum', inputs: ['ev', 'axis_1'], outputs: ['ev_sum'], attributes: [{ name: 'keepdims', int: 0 }] },
      { op: 'Mul', inputs: ['ev_sum', 'ev_sum'], outputs: ['ev_sum_squared'] },
      { op: 'Mul', inputs: ['ev', 'ev'], outputs: ['ev_squared'] },
      { op: 'ReduceSum', inputs: ['ev_squared', 'axis_1'], outputs: ['ev_squared_sum'], attributes: [{ name: 'keepdims', int: 0 }] },
      { op: 'Sub', inputs: ['ev_sum_squared', 'ev_squared_sum'], outputs: ['pair_terms'] },
      { op: 'ReduceSum', inputs: ['pair_terms', 'axis_1'], outputs: ['pair_sum'], attributes: [{ name: 'keepdims', int: 1 }] },
      { op: 'Mul', inputs: ['pair_sum', 'half'], outputs: ['fm'] },
      { op: 'Add', inputs: [margin, 'fm'], outputs: ['margin_fm'] },
    );
    margin = 'margin_fm';
  }

  if (weights.kind === 'deepfm') {
    initializers.push({ name: 'deep_shape', dims: [2], data: int64([0, F * k]) });
    nodes.push({ op: 'Reshape', inputs: ['ev', 'deep_shape'], outputs: ['deep_0'] });
    let activations = 'deep_0';
    weights.mlp.forEach((layer, i) => {
      initializers.push({ name: `mlp_${i}_weights`, dims: [layer.inputs, layer.outputs], data: layer.weights }, { name: `mlp_${i}_bias`, dims: [layer.outputs], data: layer.bias });
      nodes.push({ op: 'MatMul', inputs: [activations, `mlp_${i}_weights`], outputs: [`mlp_${i}_product`] }, { op: 'Add', inputs: [`mlp_${i}_product`, `mlp_${i}_bias`], outputs: [`mlp_${i}_sum`] });
      activations = `mlp_${i}_sum`;
      if (layer.activation === 'relu') {
        nodes.push({ op: 'Relu', inputs: [activations], outputs: [`mlp_${i}_relu`] });
        activations = `mlp_${i}_relu`;
      }
    });
    nodes.push({ op: 'Add', inputs: [margin, activations], outputs: ['margin_deep'] });
    margin = 'margin_deep';
  }
  nodes.push({ op: 'Identity', inputs: [margin], outputs: ['margin'] }, { op: 'Sigmoid', inputs: [margin], outputs: ['probability'] });
  nodes.forEach((node, i) => (node.name = `${node.op.toLowerCase()}_${i}`));

  const fieldList = fields.map((f) => f.name).join(', ');
  return encodeOnnxModel({
    producerName: 'assay',
    producerVersion: options.producerVersion ?? '1',
    opset: CTR_ONNX_OPSET,
    doc: `Assay ${weights.kind} model: probability of the positive class from each field's active slot and value.`,
    metadata: {
      'assay.kind': weights.kind,
      'assay.k': String(k),
      'assay.encoding': JSON.stringify(weights.encoding),
      'assay.inputs':
        'slots int64 [N, fields] and values float [N, fields], fields in the order of assay.encoding. Per field: ' +
        'categorical vocabulary: slot 0 = other/NULL/unseen, i+1 = levels[i], value 1; categorical hash: slot 0 = NULL, ' +
        'else 1 + (first 32 bits of MD5 of the UTF-8 text, big-endian unsigned) mod hashBuckets, value 1; numeric: ' +
        'x = (t(raw) - mean) / std with t = sign(raw)*ln(1+|raw|) for log1p, slot 0 with value x; a NULL/NaN/Inf raw ' +
        'gives slot 1 value 1 when missingIndicator, else slot 0 value 0.',
    },
    graph: {
      name: `assay_${weights.kind}`,
      doc: `Fields: ${fieldList}`,
      nodes,
      initializers,
      inputs: [
        { name: 'slots', elemType: ONNX_INT64, shape: ['N', F], doc: 'Active slot per field (see metadata assay.inputs).' },
        { name: 'values', elemType: ONNX_FLOAT, shape: ['N', F], doc: 'Value of the active slot per field.' },
      ],
      outputs: [
        { name: 'probability', elemType: ONNX_FLOAT, shape: ['N', 1] },
        { name: 'margin', elemType: ONNX_FLOAT, shape: ['N', 1] },
      ],
    },
  });
}

/** The model's two input tensors for rows of raw values (the same encoding the app scores with). */
export function ctrOnnxInputs(weights: Pick<CtrWeights, 'encoding'>, rows: ReadonlyArray<Record<string, unknown>>): { slots: BigInt64Array; values: Float32Array; dims: [number, number] } {
  const { slots, values } = encodeRows(weights, rows);
  return { slots: BigInt64Array.from(slots, (s) => BigInt(s)), values: Float32Array.from(values), dims: [rows.length, weights.encoding.fields.length] };
}
