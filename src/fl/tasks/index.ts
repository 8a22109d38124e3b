/** The federated tasks, by name. GANs and Pix2Pix join here as further tasks. */
import { FlTask } from './task';
import { mlpMnist } from './mlp-mnist';
import { PIX2PIX_FASHION_TASKS } from './pix2pix-fashion';

export * from './task';
export { localTrainingPlan, trainSteps } from './local-training';
export { mlpMnist, MLP_MNIST_SIZES } from './mlp-mnist';
export * from './pix2pix-fashion';

export const TASKS: readonly FlTask[] = [mlpMnist, ...PIX2PIX_FASHION_TASKS];

export function getTask(name: string): FlTask {
  const t = TASKS.find((x) => x.name === name);
  if (!t) throw new RangeError(`unknown federated task "${name}" (available: ${TASKS.map((x) => x.name).join(', ')})`);
  return t;
}
