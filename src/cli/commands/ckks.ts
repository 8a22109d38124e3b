import { parseArgs } from 'node:util';
import { commandGroup, UsageError } from '../command';
import { logregEpochFromFiles } from '../../fhe/ckks/logistic-regression';

/** `privlab ckks logreg-epoch`: the compute party of encrypted logistic-regression training. */
async function logregEpoch(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keys: { type: 'string' },
      data: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const { keys, data, model, out } = values;
  if (!keys || !data || !model || !out) throw new UsageError('ckks logreg-epoch needs --keys EK --data DATA --model MODEL --out OUT');
  const r = await logregEpochFromFiles({ keys, data, model, out });
  console.log(
    values.json
      ? JSON.stringify(r)
      : `one epoch on ${r.rows} rows (${r.ciphertexts} ciphertexts) in ${r.seconds.toFixed(2)} s; model at level ${r.level} written to ${out}`,
  );
  return 0;
}

/** `privlab ckks …`: CKKS roles on the command line. */
export const ckks = commandGroup('ckks', [
  {
    name: 'logreg-epoch',
    usage: `privlab ckks logreg-epoch --keys EK --data DATA --model MODEL --out OUT [--json]
      The compute party of encrypted logistic-regression training: reads evaluation keys (no secret
      key), the encrypted training set and model (bundles the data party wrote), runs one epoch,
      writes the updated encrypted model.`,
    run: logregEpoch,
  },
]);
