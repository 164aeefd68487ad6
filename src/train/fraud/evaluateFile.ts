// Evaluates a fraud model file on any labelled applications file: replay the whole file in event-time
// order (so velocity facts have their history), then measure the latest share held out.
import { shippedPaths } from '../../engine/paths.js';
import { loadDecisionInputs, parseEngineConfig } from '../../engine/loadInputs.js';
import type { EngineConfigInput } from '../../schema/config.js';
import { readEvents } from '../../batch/readEvents.js';
import { loadCheckedFraudModel } from '../../engine/loadModels.js';
import { createMemoryStore } from '../../state/memory.js';
import { historyStoreOptions } from '../../features/aggregates.js';
import { replayHistory } from './replay.js';
import { evaluateFraudModel, type FraudEvaluation } from './evaluate.js';
import { DEFAULT_TRAIN_SHARE } from './trainModel.js';

export async function evaluateFraudModelOnFile(
  inputPath: string,
  modelPath = shippedPaths.fraudModel,
  heldOutShare = 1 - DEFAULT_TRAIN_SHARE,
  /** The engine config the inputs are computed with (its data model, lists, derived features). */
  config: EngineConfigInput = {},
): Promise<FraudEvaluation> {
  const settings = parseEngineConfig(config);
  // Held to the engine's load-time checks: a model for other inputs is refused, not scored on baselines.
  const { facts, factKinds, derived, dataModel } = loadDecisionInputs(settings, (aggregates) =>
    createMemoryStore(historyStoreOptions(aggregates)),
  );
  const loaded = loadCheckedFraudModel(modelPath, derived.sha256, facts, factKinds);
  const { events } = await readEvents(inputPath, dataModel);
  const history = await replayHistory(events, config, { specs: loaded.model.features });
  return evaluateFraudModel(loaded.model, history, Math.floor(history.events.length * (1 - heldOutShare)));
}
