import { Command } from '../command';
import { installKernelSpec, kernelSpecFile } from '../../jupyter/kernelspec';

export const setupKernel: Command = {
  name: 'setup-kernel',
  usage: `privlab setup-kernel
    Register the kernel in the project-local Jupyter directory (the set-up does this).`,
  async run() {
    const wrote = installKernelSpec();
    console.log(`${wrote ? 'registered' : 'already registered'}: ${kernelSpecFile()}`);
    return 0;
  },
};
