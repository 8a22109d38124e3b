/** Generator and discriminator together, with the variable list the federated engine averages. */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../util/rng';
import { checkPatchConfig, PatchDiscriminator, PatchDiscriminatorConfig } from './patch-discriminator';
import { checkUnetConfig, UnetConfig, UnetGenerator } from './unet-generator';

export interface Pix2PixConfig {
  generator?: UnetConfig;
  discriminator?: PatchDiscriminatorConfig;
}

export class Pix2Pix {
  readonly generator: UnetGenerator;
  readonly discriminator: PatchDiscriminator;

  /** Both networks from one seed (generator first), so a seed fixes the whole initial model. */
  constructor(config: Pix2PixConfig = {}, seed = 0) {
    // Both configurations are checked before any variable is made, so a bad one leaks nothing.
    const g = checkUnetConfig(config.generator);
    const d = checkPatchConfig({ conditionChannels: g.inChannels, imageChannels: g.outChannels, ...config.discriminator });
    if (d.conditionChannels !== g.inChannels || d.imageChannels !== g.outChannels) {
      throw new RangeError(`the discriminator must take the generator's ${g.inChannels} input and ${g.outChannels} output channels`);
    }
    const rng = new SeededRng(seed);
    this.generator = new UnetGenerator(g, rng);
    this.discriminator = new PatchDiscriminator(d, rng);
  }

  /** Generator's variables then the discriminator's. */
  variables(): tf.Variable[] {
    return [...this.generator.variables(), ...this.discriminator.variables()];
  }

  /** "generator/enc1/kernel", …, "discriminator/conv1/kernel", … in variables() order. */
  variableNames(): string[] {
    return [...this.generator.variableNames().map((n) => `generator/${n}`), ...this.discriminator.variableNames().map((n) => `discriminator/${n}`)];
  }

  parameterCount(): number {
    return this.generator.parameterCount() + this.discriminator.parameterCount();
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
  }
}
