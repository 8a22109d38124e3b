/** The federated tasks, by name. Pix2Pix joins here as a further task. */
import { FlTask } from './task';
import { logregMnist, mlpMnist } from './mlp-mnist';
import { cganMnist, ganMnist, ganMnistTask, parseGanTaskName } from './gan-mnist';
import { PIX2PIX_FASHION_TASKS } from './pix2pix-fashion';

export * from './task';
export { AUGMENT_SHIFT_MAX, localTrainingPlan, trainSteps } from './local-training';
export { DP_SGD_KEYS, DpRandomness, DpSgdPlan, dpSgdPlan, dpTrainSteps, usesDpSgd } from './dp-local-training';
export { asMlp, mlpMnist, MLP_MNIST_SIZES, logregMnist, LOGREG_MNIST_SIZES } from './mlp-mnist';
export * from './pix2pix-fashion';

export { dpDiscriminatorGradient, dpGanTrainStep, fakeBatchSize } from './dp-gan-step';
export { dpPix2PixTrainStep } from './dp-pix2pix-step';
export type { DpPix2PixStepOptions, DpPix2PixStepNorms } from './dp-pix2pix-step';
export {
  CGAN_MNIST,
  GAN_KEEP_OPTIMIZER_STATE_DEFAULT,
  GAN_MNIST,
  cganMnist,
  ganMnist,
  ganMnistTask,
  ganOf,
  keptGanOptimizers,
  parseGanTaskName,
  federatedGeneratorFid,
} from './gan-mnist';

export const TASKS: readonly FlTask[] = [mlpMnist, ganMnist, cganMnist, ...PIX2PIX_FASHION_TASKS, logregMnist];

/** A task by name; `gan-mnist:Z:G:D` (or `cgan-mnist:Z:G:D`) names a GAN of other sizes (./gan-mnist.ts). */
export function getTask(name: string): FlTask {
  const t = TASKS.find((x) => x.name === name) ?? (parseGanTaskName(name) ? ganMnistTask(name) : undefined);
  if (!t) throw new RangeError(`unknown federated task "${name}" (available: ${TASKS.map((x) => x.name).join(', ')})`);
  return t;
}
