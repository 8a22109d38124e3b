/**
 * Optimizer state that a site keeps between rounds (fit key `keepOptimizerState`), beside
 * the model it trains: the site process is long-lived (src/fl/site.ts keeps one model for
 * the whole job), so the optimizer of round r can carry on in round r + 1 from the averaged
 * weights the server sends.
 *
 * Why a GAN wants it: Adam with β1 = 0.5 and bias correction takes full-size steps
 * (≈ lr per weight) for its first few updates whatever the gradient's scale, so a fresh Adam
 * at every round start gives both networks a burst of large steps right after each averaging.
 * Kept moments carry the scale each weight's gradient had, and the step sizes stay those of
 * one uninterrupted run.
 *
 * When state is reset: when the switch is off (every round starts fresh: the default, so a
 * restarted job repeats a round exactly), when the variables differ from the ones it was made
 * for (another model), or when its settings differ (e.g. another learning rate). A site
 * process that restarts loses it. Under DP-SGD the moments are functions of the privatised
 * gradients only, so keeping them is post-processing and changes no ε.
 */
import * as tf from '@tensorflow/tfjs';

export class OptimizerSlot<T extends { dispose(): void }> {
  private kept: { value: T; key: string; variables: readonly tf.Variable[] } | undefined;

  /**
   * The optimizer for a round over `variables` with settings `key`: the kept one when `keep`
   * and it was made for exactly these variables and settings, else a fresh `make()`. Call
   * `release()` after the round: it disposes an optimizer that is not kept.
   */
  acquire(keep: boolean, variables: readonly tf.Variable[], key: string, make: () => T): { value: T; release(): void } {
    const k = this.kept;
    if (keep && k && k.key === key && k.variables.length === variables.length && k.variables.every((v, i) => v === variables[i])) {
      return { value: k.value, release: () => undefined };
    }
    this.dispose();
    const value = make();
    if (keep) {
      this.kept = { value, key, variables: [...variables] };
      return { value, release: () => undefined };
    }
    return { value, release: () => value.dispose() };
  }

  /** The kept optimizer, if any (tests read its step count). */
  get current(): T | undefined {
    return this.kept?.value;
  }

  dispose(): void {
    this.kept?.value.dispose();
    this.kept = undefined;
  }
}
