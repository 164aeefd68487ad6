// Writing a trained credit MLP as an ONNX model: one Gemm (+ Relu) per layer, weights as float32
// initialisers, a symbolic batch dimension, and two outputs, the logit and its sigmoid (the PD).
import protobuf from 'protobufjs';
import { ErrorCode, FengkongError } from '../../errors.js';
import type { MlpModel } from './mlp.js';
import { onnxProtoSchema } from '../../stages/credit/onnxSchema.js';

export interface OnnxExportOptions {
  /** Name of the graph's input, float32 [N, inputs]; 'features' when absent. */
  readonly inputName?: string;
  /** Name of the logit output, float32 [N, 1]; 'logit' when absent. */
  readonly outputName?: string;
  /** Name of the probability output, sigmoid(logit), float32 [N, 1]; 'pd' when absent. */
  readonly pdOutputName?: string;
  /** ONNX operator set, 13 to 22; 13 when absent. */
  readonly opset?: number;
  /** 'fengkong' when absent. */
  readonly producer?: string;
  readonly producerVersion?: string;
}

/** Symbolic name of the batch dimension. */
export const batchDimension = 'N';

const minimumOpset = 13;
const maximumOpset = 22;
/** TensorProto.DataType.FLOAT */
const float32Type = 1;
/** AttributeProto.AttributeType.INT */
const intAttribute = 2;

let modelProto: protobuf.Type | undefined;

/**
 * The model as ONNX bytes. Deterministic: the same model and options always give the same bytes, so the
 * file's sha256 identifies the weights.
 */
export function exportMlpToOnnx(model: MlpModel, options: OnnxExportOptions = {}): Uint8Array {
  const {
    inputName = 'features',
    outputName = 'logit',
    pdOutputName = 'pd',
    opset = minimumOpset,
    producer = 'fengkong',
    producerVersion = '',
  } = options;
  checkModel(model);
  if (!(Number.isInteger(opset) && opset >= minimumOpset && opset <= maximumOpset)) {
    throw exportError(`opset must be an integer from ${minimumOpset} to ${maximumOpset}`);
  }
  const depth = model.layers.length;
  const internalNames = new Set<string>();
  for (let l = 0; l < depth; l++) for (const suffix of ['weight', 'bias', 'linear', 'relu']) internalNames.add(`layer${l}.${suffix}`);
  const ioNames = [inputName, outputName, pdOutputName];
  if (ioNames.some((name) => name.length === 0 || internalNames.has(name)) || new Set(ioNames).size !== ioNames.length) {
    throw exportError('input and output names must be distinct, non-empty and unlike the internal layerN.* names');
  }

  const nodes: object[] = [];
  const initializers: object[] = [];
  let previous = inputName;
  model.layers.forEach((layer, l) => {
    const last = l === depth - 1;
    const linear = last ? outputName : `layer${l}.linear`;
    initializers.push(floatTensor(`layer${l}.weight`, [layer.outputs, layer.inputs], layer.weights));
    initializers.push(floatTensor(`layer${l}.bias`, [layer.outputs], layer.bias));
    nodes.push({
      name: `layer${l}_gemm`,
      op_type: 'Gemm',
      input: [previous, `layer${l}.weight`, `layer${l}.bias`],
      output: [linear],
      attribute: [{ name: 'transB', type: intAttribute, i: 1 }],
    });
    previous = linear;
    if (!last) {
      nodes.push({ name: `layer${l}_relu`, op_type: 'Relu', input: [linear], output: [`layer${l}.relu`] });
      previous = `layer${l}.relu`;
    }
  });
  nodes.push({ name: 'pd_sigmoid', op_type: 'Sigmoid', input: [outputName], output: [pdOutputName] });

  const message = {
    ir_version: irVersionFor(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: producer,
    producer_version: producerVersion,
    graph: {
      name: 'credit_mlp',
      node: nodes,
      initializer: initializers,
      input: [tensorValue(inputName, model.layers[0]!.inputs)],
      output: [tensorValue(outputName, 1), tensorValue(pdOutputName, 1)],
    },
  };
  const type = loadModelProto();
  const problem = type.verify(type.fromObject(message));
  if (problem !== null) throw exportError(`the ONNX message does not match its schema (${problem})`);
  // A copy, so callers get a plain Uint8Array rather than the writer's Buffer.
  return Uint8Array.from(type.encode(type.fromObject(message)).finish());
}

/**
 * ONNX IR versions by operator set, from onnx's versioning table: IR 8 covers opsets up to 18 (a model
 * may declare a newer IR than its opset needs), IR 9 opsets 19-20, IR 10 opsets 21-22.
 */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function loadModelProto(): protobuf.Type {
  modelProto ??= protobuf.parse(onnxProtoSchema, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelProto;
}

/** Float32 little-endian bytes in raw_data, as ONNX requires whatever the machine's byte order. */
function floatTensor(name: string, dims: number[], values: Float32Array): object {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let p = 0; p < values.length; p++) view.setFloat32(p * 4, values[p]!, true);
  return { name, dims, data_type: float32Type, raw_data: raw };
}

function tensorValue(name: string, width: number): object {
  return {
    name,
    type: { tensor_type: { elem_type: float32Type, shape: { dim: [{ dim_param: batchDimension }, { dim_value: width }] } } },
  };
}

function checkModel(model: MlpModel): void {
  const { layers } = model;
  if (layers.length === 0) throw exportError('the model has no layers');
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    const { inputs, outputs, weights, bias } = layer;
    if (!(Number.isInteger(inputs) && inputs >= 1 && Number.isInteger(outputs) && outputs >= 1)) {
      throw exportError(`layer ${l} has invalid widths`);
    }
    if (weights.length !== inputs * outputs || bias.length !== outputs)
      throw exportError(`layer ${l} has weights or biases of the wrong length`);
    if (l > 0 && inputs !== layers[l - 1]!.outputs)
      throw exportError(`layer ${l} takes ${inputs} inputs, layer ${l - 1} gives ${layers[l - 1]!.outputs}`);
    if (layer.activation !== (last ? 'identity' : 'relu'))
      throw exportError(`layer ${l} must use ${last ? 'identity' : 'relu'} activation`);
    if (last && outputs !== 1) throw exportError('the last layer must have a single output, the logit');
    for (const value of weights) if (!Number.isFinite(value)) throw exportError(`layer ${l} has a weight that is not finite`);
    for (const value of bias) if (!Number.isFinite(value)) throw exportError(`layer ${l} has a bias that is not finite`);
  });
}

function exportError(message: string): FengkongError {
  return new FengkongError(ErrorCode.MODEL_INVALID, `exporting the credit model to ONNX: ${message}`);
}
