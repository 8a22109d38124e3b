import { parseArgs } from 'node:util';
import { Command, UsageError } from '../command';
import { classCounts, loadDataset } from '../../data';

export const data: Command = {
  name: 'data',
  usage: `privlab data info [--dataset mnist|mnist-test|mnist-small|fashion|<images idx path>]
    Load a dataset and print its size and class counts (JSON).`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { dataset: { type: 'string', default: 'mnist' } } });
    if (positionals[0] !== 'info') throw new UsageError(`unknown data subcommand "${positionals[0] ?? ''}" (expected: info)`);
    const ds = loadDataset(values.dataset ?? 'mnist');
    const counts = classCounts(ds);
    const classes = Object.fromEntries(ds.classNames.map((c, i) => [c, counts[i]]));
    console.log(JSON.stringify({ name: ds.name, count: ds.count, height: ds.height, width: ds.width, classes }, null, 2));
    return 0;
  },
};
