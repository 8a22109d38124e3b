/**
 * The loss-threshold attack (Yeom et al. 2018, "Privacy Risk in Machine Learning"): a model
 * fits its training examples better than unseen ones, so a low loss says "member". The
 * attacker needs only the target model's loss on each candidate; it assumes one global
 * threshold, so examples that are easy for every model (low loss whether trained on or not)
 * look like members — the weakness LiRA's per-example calibration removes.
 */
import { checkScores } from './scores';

/** score = −loss (higher = more likely a member). Losses may be +Infinity (a zero probability), not NaN. */
export function lossThresholdScores(losses: ArrayLike<number>): Float64Array {
  return checkScores('losses', losses).map((l) => -l);
}
