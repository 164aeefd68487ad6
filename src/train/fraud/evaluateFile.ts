// Evaluates a fraud model file on any labelled applications file: replay the whole file in event-time
// order (so velocity facts have their history), then measure the latest share held out.
import { shippedPaths } from '../../engine/paths.js';
import { dataModelOf, parseEngineConfig } from '../../engine/loadInputs.js';
import type { EngineConfigInput } from '../../schema/config.js';
import { readEvents } from '../../batch/readEvents.js';
import { loadFraudModel } from '../../stages/fraud/model.js';
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
  const loaded = loadFraudModel(modelPath);
  const { events } = await readEvents(inputPath, dataModelOf(parseEngineConfig(config)));
  const history = await replayHistory(events, config, { specs: loaded.model.features });
  return evaluateFraudModel(loaded.model, history, Math.floor(history.events.length * (1 - heldOutShare)));
}
