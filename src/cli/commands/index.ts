/**
 * The command registry, in help order: one module per command, loaded only when its command runs
 * (or when help lists them all). A federated site process (`privlab fl site`) then loads the
 * federated engine alone, not the FHE stack, every benchmark and the TypeScript compiler the
 * notebook builder needs: about a second less per process.
 */
import { Command } from '../command';

const LOADERS = {
  report: async () => (await import('./report')).report,
  lab: async () => (await import('./lab')).lab,
  data: async () => (await import('./data')).data,
  'setup-kernel': async () => (await import('./setup-kernel')).setupKernel,
  fid: async () => (await import('./fid')).fid,
  fhe: async () => (await import('./fhe')).fhe,
  train: async () => (await import('./train')).train,
  dp: async () => (await import('./dp')).dp,
  fl: async () => (await import('./fl')).fl,
  privacy: async () => (await import('./privacy')).privacy,
  ckks: async () => (await import('./ckks')).ckks,
  notebooks: async () => (await import('./notebooks')).notebooks,
  exercises: async () => (await import('./exercises')).exercises,
  bench: async () => (await import('./bench')).bench,
} satisfies Record<string, () => Promise<Command>>;

export type CommandName = keyof typeof LOADERS;
export const COMMAND_NAMES = Object.keys(LOADERS) as CommandName[];

/** The command called `name`, or undefined for a name no command has (`toString` included). */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name as CommandName]() : undefined;
}

/** Every command, in help order. */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((n) => LOADERS[n]()));
}
