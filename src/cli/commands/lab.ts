import { parseArgs } from 'node:util';
import { Command, numberOption } from '../command';
import { startLab } from '../../jupyter/lab';

export const lab: Command = {
  name: 'lab',
  usage: `privlab lab [--port P] [-- NOTEBOOK-ARGS…]
    Start Jupyter Notebook on 127.0.0.1 in notebooks/ with the privlab TypeScript kernel.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: 'string' } } });
    const port = numberOption('port', values.port, (n) => Number.isInteger(n) && n > 0 && n < 65536, 'a TCP port');
    return startLab({ port, extraArgs: positionals });
  },
};
