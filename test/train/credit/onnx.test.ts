// The exported ONNX model against its reference, the TypeScript forward pass (mlpLogits), as served by
// onnxruntime-node; and the session's refusals: wrong hash, unparsable bytes, wrong shape, non-finite input.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, FengkongError } from '../../../src/errors.js';
import { Random } from '../../../src/simulate/prng.js';
import { mlpLogits, trainMlp, type MlpModel } from '../../../src/train/credit/mlp.js';
import { exportMlpToOnnx } from '../../../src/train/credit/onnxExport.js';
import { loadCreditSession, type CreditSessionExpectation } from '../../../src/stages/credit/session.js';
import { rejectionOf as refusal } from '../../fixtures/errors.js';

const width = 12;
const rowCount = 2000;
const expected: CreditSessionExpectation = { inputName: 'features', inputWidth: width, outputNames: ['logit', 'pd'] };

/** Standard normal inputs, log-odds with an interaction and a bump; returned row-major as the runtime takes them. */
function synthetic(seed: number): { x: Float64Array[]; y: Uint8Array; rows: Float32Array } {
  const random = Random.fromSeed(seed);
  const x: Float64Array[] = [];
  const y = new Uint8Array(rowCount);
  const rows = new Float32Array(rowCount * width);
  for (let i = 0; i < rowCount; i++) {
    const row = new Float64Array(width);
    for (let j = 0; j < width; j++) row[j] = random.normal();
    const eta = 1.2 * row[0]! - 0.8 * row[1]! + row[2]! * row[3]! + Math.abs(row[4]!) - 0.8 + 0.5 * Math.sin(2 * row[5]!);
    y[i] = random.chance(1 / (1 + Math.exp(-eta))) ? 1 : 0;
    x.push(row);
    rows.set(row, i * width);
  }
  return { x, y, rows };
}

const data = synthetic(17);
const directory = mkdtempSync(join(tmpdir(), 'credit-onnx-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function train(hidden: number[], seed = 1): MlpModel {
  return trainMlp(data.x, data.y, { hidden, seed, learningRate: 3e-3, maxEpochs: 60 });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes bytes under the test's directory and returns the path relative to the working directory. */
function writeModel(name: string, bytes: Uint8Array): string {
  const file = join(directory, name);
  writeFileSync(file, bytes);
  return relative(process.cwd(), file);
}

/** True when some word of the message starts with a slash or a drive letter: an absolute path. */
function namesAbsolutePath(message: string): boolean {
  return /(^|[\s'"(=])([A-Za-z]:)?[\\/]/.test(message);
}

describe.each([[[32, 16]], [[8]]])('an MLP with hidden layers %j exported to ONNX', (hidden) => {
  const model = train(hidden);
  const bytes = exportMlpToOnnx(model, { inputName: 'features', outputName: 'logit', opset: 13, producer: 'fengkong' });

  it('gives the logits of mlpLogits on every row to 1e-5, and pd = sigmoid(logit)', async () => {
    const session = await loadCreditSession(writeModel(`model-${hidden.join('x')}.onnx`, bytes), sha256(bytes), expected);
    try {
      const { logits, pds } = await session.run(data.rows, rowCount);
      const reference = mlpLogits(model, data.rows, rowCount);
      let largestLogit = 0;
      for (let i = 0; i < rowCount; i++) {
        largestLogit = Math.max(largestLogit, Math.abs(reference[i]!));
        expect(Math.abs(logits[i]! - reference[i]!)).toBeLessThan(1e-5);
        expect(Math.abs(pds[i]! - 1 / (1 + Math.exp(-reference[i]!)))).toBeLessThan(1e-6);
      }
      // Logits of moderate size, where an absolute tolerance of 1e-5 is a fair float32 bound.
      expect(largestLogit).toBeGreaterThan(1);
      expect(largestLogit).toBeLessThan(50);
    } finally {
      await session.release();
    }
  });

  it('gives each row the same scores in a batch of 1 as in a batch of 1,000', async () => {
    const session = await loadCreditSession(writeModel(`batch-${hidden.join('x')}.onnx`, bytes), sha256(bytes), expected);
    try {
      const batch = await session.run(data.rows.subarray(0, 1000 * width), 1000);
      for (let i = 0; i < 1000; i++) {
        const single = await session.run(data.rows.subarray(i * width, (i + 1) * width), 1);
        expect(single.logits[0]).toBe(batch.logits[i]);
        expect(single.pds[0]).toBe(batch.pds[i]);
      }
    } finally {
      await session.release();
    }
  });
});

describe('exportMlpToOnnx', () => {
  it('writes identical bytes for two trainings with the same seed, and different bytes for another seed', () => {
    const first = exportMlpToOnnx(train([8], 1));
    expect(Buffer.from(exportMlpToOnnx(train([8], 1))).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(exportMlpToOnnx(train([8], 2))).equals(Buffer.from(first))).toBe(false);
  });

  it('declares a symbolic batch dimension: the input is features [N, 12]', async () => {
    const bytes = exportMlpToOnnx(train([8]));
    const session = await loadCreditSession(writeModel('symbolic.onnx', bytes), sha256(bytes), expected);
    const scores = await session.run(data.rows.subarray(0, 3 * width), 3);
    expect(scores.logits).toHaveLength(3);
    await session.release();
  });

  it('refuses an opset below 13 and output names that collide', () => {
    const model = train([8]);
    expect(() => exportMlpToOnnx(model, { opset: 12 })).toThrow(FengkongError);
    expect(() => exportMlpToOnnx(model, { outputName: 'features' })).toThrow(FengkongError);
    expect(() => exportMlpToOnnx(model, { pdOutputName: 'layer0.weight' })).toThrow(FengkongError);
  });
});

describe('loadCreditSession', () => {
  const model = train([8]);
  const bytes = exportMlpToOnnx(model);

  it('refuses a file whose sha256 is not the expected one with FK_MODEL_HASH, quoting both hash prefixes', async () => {
    const file = writeModel('other.onnx', bytes);
    const wrongHash = sha256(Uint8Array.of(1, 2, 3));
    const error = await refusal(loadCreditSession(file, wrongHash, expected));
    expect(error.code).toBe(ErrorCode.MODEL_HASH);
    expect(error.message).toContain(file);
    expect(error.message).toContain(sha256(bytes).slice(0, 12));
    expect(error.message).toContain(wrongHash.slice(0, 12));
  });

  it('catches a model with one flipped weight bit by its hash, before the runtime sees it', async () => {
    const weightBytes = new Uint8Array(model.layers[0]!.weights.buffer);
    const at = Buffer.from(bytes).indexOf(Buffer.from(weightBytes));
    expect(at).toBeGreaterThan(0);
    const tampered = Uint8Array.from(bytes);
    tampered[at + 4 * 7 + 3]! ^= 0x01; // the lowest exponent bit of weight 7: doubles or halves it
    const file = writeModel('tampered.onnx', tampered);
    const error = await refusal(loadCreditSession(file, sha256(bytes), expected));
    expect(error.code).toBe(ErrorCode.MODEL_HASH);
    // The tampered file is a valid model: only the hash tells it apart.
    const session = await loadCreditSession(file, sha256(tampered), expected);
    const original = mlpLogits(model, data.rows.subarray(0, 100 * width), 100);
    const { logits } = await session.run(data.rows.subarray(0, 100 * width), 100);
    await session.release();
    expect(logits.some((logit, i) => Math.abs(logit - original[i]!) > 1e-3)).toBe(true);
  });

  it('refuses a truncated file whose hash matches with FK_MODEL_INVALID and no absolute path in the message', async () => {
    const truncated = bytes.slice(0, bytes.length >> 1);
    const file = writeModel('truncated.onnx', truncated);
    const error = await refusal(loadCreditSession(file, sha256(truncated), expected));
    expect(error.code).toBe(ErrorCode.MODEL_INVALID);
    expect(error.message).toContain(file);
    expect(namesAbsolutePath(error.message)).toBe(false);
  });

  it('refuses a model whose input width, input name or output names are not the expected ones', async () => {
    const file = writeModel('shape.onnx', bytes);
    for (const wrong of [
      { ...expected, inputWidth: width - 1 },
      { ...expected, inputWidth: width + 1 },
      { ...expected, inputName: 'inputs' },
      { ...expected, outputNames: ['logit', 'probability'] as const },
    ]) {
      const error = await refusal(loadCreditSession(file, sha256(bytes), wrong));
      expect(error.code).toBe(ErrorCode.MODEL_INVALID);
    }
  });

  it('refuses a missing file with FK_FILE_READ naming it', async () => {
    const error = await refusal(loadCreditSession('no-such-model.onnx', sha256(bytes), expected));
    expect(error.code).toBe(ErrorCode.FILE_READ);
    expect(error.message).toContain('no-such-model.onnx');
  });

  it('refuses a NaN or infinite input before the runtime, naming its row and column', async () => {
    const session = await loadCreditSession(writeModel('finite.onnx', bytes), sha256(bytes), expected);
    try {
      const rows = data.rows.slice(0, 4 * width);
      rows[2 * width + 5] = Number.NaN;
      const error = await refusal(session.run(rows, 4));
      expect(error.code).toBe(ErrorCode.EVENT_INVALID);
      expect(error.message).toContain('row 2, column 5');
      rows[2 * width + 5] = 0;
      rows[3 * width] = Number.POSITIVE_INFINITY;
      expect((await refusal(session.run(rows, 4))).message).toContain('row 3, column 0');
      expect((await refusal(session.run(rows.subarray(1), 4))).code).toBe(ErrorCode.EVENT_INVALID);
    } finally {
      await session.release();
    }
  });

  it('refuses to score after release', async () => {
    const session = await loadCreditSession(writeModel('released.onnx', bytes), sha256(bytes), expected);
    await session.release();
    expect((await refusal(session.run(data.rows.subarray(0, width), 1))).code).toBe(ErrorCode.STAGE_FAILED);
  });
});
