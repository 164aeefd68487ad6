// Serving the credit model: load the ONNX file only after its sha256 matches the one the caller pinned,
// check that its input and outputs are the ones expected, then score batches of rows with onnxruntime.
import { createHash } from 'node:crypto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ErrorCode, FengkongError } from '../../errors.js';
import { readFileBytes } from '../../schema/jsonFile.js';

export interface CreditSessionExpectation {
  readonly inputName: string;
  /** Values per row: the model's input is float32 [N, inputWidth]. */
  readonly inputWidth: number;
  /** The logit output's name, then the probability output's; the model must have exactly these two. */
  readonly outputNames: readonly [logit: string, pd: string];
}

export interface CreditScores {
  readonly logits: Float32Array;
  readonly pds: Float32Array;
}

/** Hex characters of a hash quoted in an error: enough to tell two files apart, short enough to read. */
const hashPrefixLength = 12;

export class CreditSession {
  private released = false;

  private constructor(
    private readonly session: InferenceSession,
    private readonly file: string,
    readonly inputName: string,
    readonly inputWidth: number,
    readonly logitName: string,
    readonly pdName: string,
  ) {}

  /** @internal use loadCreditSession */
  static async open(session: InferenceSession, file: string, expected: CreditSessionExpectation): Promise<CreditSession> {
    const scorer = new CreditSession(session, file, expected.inputName, expected.inputWidth, ...expected.outputNames);
    await scorer.checkShape();
    return scorer;
  }

  /**
   * Scores `n` rows stored row-major in `rows` (n × inputWidth) with one call to the runtime. Every value is
   * checked to be finite first: the runtime would propagate a NaN into a PD without complaint.
   */
  async run(rows: Float32Array, n: number): Promise<CreditScores> {
    if (this.released) throw new FengkongError(ErrorCode.STAGE_FAILED, `credit model ${this.file}: the session was released`);
    const width = this.inputWidth;
    if (!(Number.isInteger(n) && n >= 1) || rows.length !== n * width) {
      throw new FengkongError(ErrorCode.EVENT_INVALID, `credit model input holds ${rows.length} values, not ${n} rows of ${width}`);
    }
    for (let p = 0; p < rows.length; p++) {
      if (!Number.isFinite(rows[p]!)) {
        throw new FengkongError(
          ErrorCode.EVENT_INVALID,
          `credit model input row ${Math.floor(p / width)}, column ${p % width} is not a finite number`,
        );
      }
    }
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.session.run({ [this.inputName]: new Tensor('float32', rows, [n, width]) });
    } catch (cause) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, `credit model ${this.file}: the runtime failed (${runtimeMessage(cause)})`, {
        cause,
      });
    }
    return { logits: this.column(outputs, this.logitName, n), pds: this.column(outputs, this.pdName, n) };
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  /** A zero row must score: this proves the width where the model's metadata leaves it symbolic. */
  private async checkShape(): Promise<void> {
    const { session, file, inputName, inputWidth, logitName, pdName } = this;
    if (session.inputNames.length !== 1 || session.inputNames[0] !== inputName) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, `credit model ${file}: expected one input named '${inputName}'`);
    }
    const outputNames = [...session.outputNames].sort();
    const expectedOutputs = [logitName, pdName].sort();
    if (outputNames.length !== 2 || outputNames[0] !== expectedOutputs[0] || outputNames[1] !== expectedOutputs[1]) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, `credit model ${file}: expected exactly the outputs '${logitName}' and '${pdName}'`);
    }
    const input = session.inputMetadata[0];
    if (input !== undefined && input.isTensor) {
      const declared = input.shape[input.shape.length - 1];
      if (input.type !== 'float32' || input.shape.length !== 2 || (typeof declared === 'number' && declared !== inputWidth)) {
        throw new FengkongError(ErrorCode.MODEL_INVALID, `credit model ${file}: the input is not float32 [N, ${inputWidth}]`);
      }
    }
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await session.run({ [inputName]: new Tensor('float32', new Float32Array(inputWidth), [1, inputWidth]) });
    } catch (cause) {
      throw new FengkongError(
        ErrorCode.MODEL_INVALID,
        `credit model ${file}: does not score a row of ${inputWidth} values (${runtimeMessage(cause)})`,
        {
          cause,
        },
      );
    }
    this.column(outputs, logitName, 1);
    this.column(outputs, pdName, 1);
  }

  private column(outputs: InferenceSession.OnnxValueMapType, name: string, n: number): Float32Array {
    const value = outputs[name];
    if (!(value instanceof Tensor) || value.type !== 'float32' || value.data.length !== n) {
      throw new FengkongError(ErrorCode.MODEL_INVALID, `credit model ${this.file}: output '${name}' is not float32 [${n}, 1]`);
    }
    return (value.data as Float32Array).slice();
  }
}

/**
 * Reads the ONNX file, refuses it unless its sha256 is `expectedSha256` (before the runtime parses a byte),
 * then opens a single-threaded session (deterministic, and a scorer's batches are small) and checks its
 * input and outputs. Errors name the file as the caller gave it and nothing more of the machine.
 */
export async function loadCreditSession(
  onnxPath: string,
  expectedSha256: string,
  expected: CreditSessionExpectation,
): Promise<CreditSession> {
  const expectedHash = expectedSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expectedHash)) {
    throw new FengkongError(ErrorCode.MODEL_HASH, `credit model ${onnxPath}: the expected sha256 is not 64 hexadecimal characters`);
  }
  if (!(Number.isInteger(expected.inputWidth) && expected.inputWidth >= 1)) {
    throw new FengkongError(ErrorCode.CONFIG_INVALID, `credit model ${onnxPath}: the expected input width must be a positive integer`);
  }
  const bytes = readFileBytes(onnxPath);
  const actualHash = createHash('sha256').update(bytes).digest('hex');
  if (actualHash !== expectedHash) {
    throw new FengkongError(
      ErrorCode.MODEL_HASH,
      `credit model ${onnxPath}: sha256 ${actualHash.slice(0, hashPrefixLength)}… does not match the expected ${expectedHash.slice(0, hashPrefixLength)}…`,
    );
  }
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (cause) {
    throw new FengkongError(
      ErrorCode.MODEL_INVALID,
      `credit model ${onnxPath}: not a model the ONNX runtime can load (${runtimeMessage(cause)})`,
      {
        cause,
      },
    );
  }
  try {
    return await CreditSession.open(session, onnxPath, expected);
  } catch (error) {
    await session.release();
    throw error;
  }
}

/**
 * The runtime's message without file-system paths (it may name the build machine's source files or a model
 * path) and cut short: it explains, but the coded error is what a program acts on.
 */
function runtimeMessage(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const withoutPaths = text
    .replace(/(^|[\s'"(=[])(?:[A-Za-z]:)?(?:[\\/][^\s'"()[\]\\/]+)+/g, '$1<path>')
    .replace(/\s+/g, ' ')
    .trim();
  return withoutPaths.length > 200 ? `${withoutPaths.slice(0, 200)}…` : withoutPaths;
}
