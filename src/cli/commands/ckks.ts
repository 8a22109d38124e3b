import { parseArgs } from 'node:util';
import { commandGroup, UsageError } from '../command';
import { logregEpochFromFiles } from '../../fhe/ckks/logistic-regression';
import { mlpInferFromFiles } from '../../fhe/ckks/mlp';

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

/** `privlab ckks mlp-infer`: the compute party of encrypted inference (setup 1 of transfer learning). */
async function mlpInfer(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keys: { type: 'string' },
      model: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const { keys, model, data, out } = values;
  if (!keys || !model || !data || !out) throw new UsageError('ckks mlp-infer needs --keys EK --model MODEL.json --data INPUTS --out OUTPUTS');
  const r = await mlpInferFromFiles({ keys, model, data, out });
  console.log(
    values.json
      ? JSON.stringify(r)
      : `${r.inputs} inputs in ${r.ciphertexts} ciphertexts through a depth-${r.depth} network in ${r.seconds.toFixed(2)} s; outputs at level ${r.level} written to ${out}`,
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
  {
    name: 'mlp-infer',
    usage: `privlab ckks mlp-infer --keys EK --model MODEL.json --data INPUTS --out OUTPUTS [--json]
      The compute party of encrypted inference: reads evaluation keys (no secret key), its own
      clear model (privlab-ckks-mlp JSON) and the data party's encrypted inputs (batched layout),
      runs the network on every ciphertext, writes the encrypted outputs.`,
    run: mlpInfer,
  },
]);
