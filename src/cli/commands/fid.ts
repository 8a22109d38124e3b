import { parseArgs } from 'node:util';
import { Command, UsageError } from '../command';
import { frechetDistance, loadStats } from '../../metrics';

export const fid: Command = {
  name: 'fid',
  usage: `privlab fid distance A B [--json]
    Fréchet distance between two feature sets: each a .npy feature matrix (N x D,
    float32/float64, as numpy writes it) or pytorch-fid statistics (.npz with mu, sigma).`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    const [sub, ...files] = positionals;
    if (sub !== 'distance') throw new UsageError(`unknown fid subcommand "${sub ?? ''}" (expected: distance)`);
    if (files.length !== 2) throw new UsageError(`fid distance takes two files, got ${files.length}`);
    const [a, b] = files.map(loadStats);
    const distance = frechetDistance(a, b);
    if (values.json) {
      console.log(JSON.stringify({ distance, a: { file: files[0], samples: a.count || null, dims: a.mu.length }, b: { file: files[1], samples: b.count || null, dims: b.mu.length } }));
    } else {
      console.log(distance.toFixed(6));
    }
    return 0;
  },
};
