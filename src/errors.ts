// Coded errors: a stable `code` a program can switch on, a message that names the file, rule, row or
// field, and the cause chained. Messages never carry a raw identifier or a value echoed from input.

export const ErrorCode = {
  EVENT_INVALID: 'FK_EVENT_INVALID',
  CONFIG_INVALID: 'FK_CONFIG_INVALID',
  RULE_INVALID: 'FK_RULE_INVALID',
  LIST_INVALID: 'FK_LIST_INVALID',
  EXPRESSION_INVALID: 'FK_EXPRESSION_INVALID',
  FEATURE_INVALID: 'FK_FEATURE_INVALID',
  CSV_HEADER: 'FK_CSV_HEADER',
  CSV_RECORD: 'FK_CSV_RECORD',
  FILE_READ: 'FK_FILE_READ',
  FILE_WRITE: 'FK_FILE_WRITE',
  STAGE_FAILED: 'FK_STAGE_FAILED',
  STATE_INVALID: 'FK_STATE_INVALID',
  MODEL_INVALID: 'FK_MODEL_INVALID',
  MODEL_HASH: 'FK_MODEL_HASH',
  METRIC_INPUT_INVALID: 'FK_METRIC_INPUT_INVALID',
  POLICY_INVALID: 'FK_POLICY_INVALID',
  APPLICATION_CONFLICT: 'FK_APPLICATION_CONFLICT',
  CHECKPOINT_INVALID: 'FK_CHECKPOINT_INVALID',
  APPLICATION_REPEATED: 'FK_APPLICATION_REPEATED',
  REPORT_INVALID: 'FK_REPORT_INVALID',
  DATA_MODEL_INVALID: 'FK_DATA_MODEL_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class FengkongError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FengkongError';
    this.code = code;
  }
}

export function isFengkongError(value: unknown): value is FengkongError {
  return value instanceof FengkongError;
}
