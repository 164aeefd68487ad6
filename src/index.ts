// fengkong's public face: createEngine, the decision and event types, the stage contract and the errors.
export { createEngine, type Engine, type EngineOptions, type StreamResult } from './engine/createEngine.js';
export type { CustomOperator, CustomOperators } from './stages/rules/evaluator.js';
export type { StateStore, WindowAggregate, StoreStats } from './state/store.js';
export { createMemoryStore, restoreMemoryStore } from './state/memory.js';
export type { Stage, StageInput, StageOutput, Facts, FactValue } from './engine/stage.js';
export {
  Decision,
  Reason,
  RuleHit,
  FailedRule,
  Outcome,
  Tier,
  FraudStageResult,
  CreditStageResult,
  PolicyStageResult,
  RankedReasons,
  ApplicantReason,
  Offer,
  ShadowVerdict,
  DECISION_SCHEMA_VERSION,
} from './schema/decision.js';
export { PolicyPack, PolicyAction } from './schema/policyPack.js';
export { type EventRecord, type FieldValue, eventSchemaOf } from './schema/event.js';
export { DataModelFile, Field, Aggregate, Signal, FieldType, FieldRole, type DataModelFileInput } from './schema/dataModel.js';
export { compileDataModel, loadDataModel, shippedDataModel, type DataModel } from './features/dataModel.js';
export { EngineConfig, Challenger, type EngineConfigInput } from './schema/config.js';
export { RulePack } from './schema/rulePack.js';
export { ListFile } from './schema/lists.js';
export { FengkongError, ErrorCode, isFengkongError } from './errors.js';
export { scoreCsvFile, type ScoreSummary, type ScoreOptions, type ShadowComparison } from './batch/scoreCsv.js';
